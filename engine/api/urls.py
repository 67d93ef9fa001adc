from django.urls import path

from engine.api import preview, step_tests, triggers, views

urlpatterns = [
    path("workflows/<int:workflow_id>/activate/", triggers.WorkflowActivateView.as_view(), name="workflow-activate"),
    path("workflows/<int:workflow_id>/deactivate/", triggers.WorkflowDeactivateView.as_view(), name="workflow-deactivate"),
    path("workflows/<int:workflow_id>/triggers/", triggers.WorkflowTriggersView.as_view(), name="workflow-triggers"),
    path(
        "workflows/<int:workflow_id>/triggers/<str:node_id>/secret/", triggers.WebhookSecretView.as_view(), name="workflow-trigger-secret"
    ),
    path("workflows/<int:workflow_id>/runs/", views.WorkflowRunsView.as_view(), name="workflow-runs"),
    path("workflows/<int:workflow_id>/preview/", preview.WorkflowPreviewView.as_view(), name="workflow-preview"),
    path("workflows/<int:workflow_id>/nodes/<str:node_id>/test/", step_tests.StepTestView.as_view(), name="workflow-node-test"),
    path("workflows/<int:workflow_id>/tests/", step_tests.StepTestListView.as_view(), name="workflow-tests"),
    path("runs/", views.RunListView.as_view(), name="run-list"),
    path("runs/<int:run_id>/", views.RunDetailView.as_view(), name="run-detail"),
    path("runs/<int:run_id>/events/", views.RunEventsView.as_view(), name="run-events"),
    path("runs/<int:run_id>/cancel/", views.RunCancelView.as_view(), name="run-cancel"),
    path("runs/<int:run_id>/retry/", views.RunRetryView.as_view(), name="run-retry"),
    path("runs/<int:run_id>/rerun/", views.RunRerunView.as_view(), name="run-rerun"),
    path("runs/<int:run_id>/steps/<str:node_id>/approve/", views.StepApproveView.as_view(), name="run-step-approve"),
    path("runs/<int:run_id>/steps/<str:node_id>/reject/", views.StepRejectView.as_view(), name="run-step-reject"),
    path("runs/<int:run_id>/steps/<str:node_id>/mark-done/", views.StepMarkDoneView.as_view(), name="run-step-mark-done"),
    path("runs/<int:run_id>/steps/<str:node_id>/retry/", views.StepRetryView.as_view(), name="run-step-retry"),
    path("runs/<int:run_id>/steps/<str:node_id>/fix/", views.StepFixView.as_view(), name="run-step-fix"),
]
