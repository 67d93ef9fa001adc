"""Pages for people: sign-in, password change (signed in) and reset (by email)."""

from django.contrib.auth import views as auth
from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/password/done/", views.password_change_done, name="password_change_done"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("reset/done/", views.password_reset_complete, name="password_reset_complete"),
]
