from django.urls import path
from rest_framework.routers import SimpleRouter

from designer.api import catalog, templates, views

router = SimpleRouter(trailing_slash=True)
router.register("workflows", views.WorkflowViewSet, basename="workflow")

urlpatterns = [
    path("workflows/<int:workflow_id>/versions/", views.VersionListView.as_view(), name="workflow-versions"),
    path("workflows/<int:workflow_id>/versions/<int:number>/", views.VersionDetailView.as_view(), name="workflow-version-detail"),
    path(
        "workflows/<int:workflow_id>/versions/<int:number>/restore/",
        views.VersionRestoreView.as_view(),
        name="workflow-version-restore",
    ),
    path("node-types/", catalog.NodeTypeListView.as_view(), name="node-type-list"),
    path("node-types/<str:node_type>/", catalog.NodeTypeDetailView.as_view(), name="node-type-detail"),
    path("node-plugins/", catalog.NodePluginListView.as_view(), name="node-plugin-list"),
    path("templates/", templates.TemplateListView.as_view(), name="template-list"),
    path("templates/<slug:slug>/use/", templates.TemplateUseView.as_view(), name="template-use"),
    path("me/", views.MeView.as_view(), name="me"),
    *router.urls,
]
