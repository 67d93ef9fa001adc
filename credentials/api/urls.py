from django.urls import path
from rest_framework.routers import SimpleRouter

from credentials.api import views

router = SimpleRouter(trailing_slash=True)
router.register("credentials", views.CredentialViewSet, basename="credential")

urlpatterns = [
    path("credential-types/", views.CredentialTypeListView.as_view(), name="credential-type-list"),
    *router.urls,
]
