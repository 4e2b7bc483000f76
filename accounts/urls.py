from django.urls import path
from django.views.generic import TemplateView

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/register/", views.RegisterView.as_view(), name="register"),
    path(
        "accounts/register/sent/",
        TemplateView.as_view(template_name="accounts/register_sent.html"),
        name="register-sent",
    ),
    path("accounts/register/<str:token>/", views.AccountCreateView.as_view(), name="sign-up"),
    path("accounts/invitation/<str:token>/", views.AccountCreateView.as_view(invitation=True), name="invitation"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/login/code/", views.LoginCodeView.as_view(), name="login-code"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("accounts/password/change/", views.PasswordChangeView.as_view(), name="password-change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("accounts/password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("accounts/email/change/", views.EmailChangeView.as_view(), name="email-change"),
    path("accounts/email/confirm/send/", views.EmailConfirmSendView.as_view(), name="email-confirm-send"),
    path("accounts/email/confirm/<str:token>/", views.EmailConfirmView.as_view(), name="email-confirm"),
    path("accounts/sessions/end/", views.SessionEndView.as_view(), name="session-end"),
    path("accounts/two-factor/", views.TwoFactorView.as_view(), name="two-factor"),
    path("accounts/two-factor/start/", views.TwoFactorStartView.as_view(), name="two-factor-start"),
    path("accounts/two-factor/confirm/", views.TwoFactorConfirmView.as_view(), name="two-factor-confirm"),
    path(
        "accounts/two-factor/disable/",
        views.TwoFactorPasswordActionView.as_view(action="disable"),
        name="two-factor-disable",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        views.TwoFactorPasswordActionView.as_view(action="renew"),
        name="two-factor-recovery-codes",
    ),
    path("users/<str:username>/", views.UserDetailView.as_view(), name="user-detail"),
]
