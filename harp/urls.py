from django.urls import path

from harp.views import accounts, pages, reauth, two_factor

app_name = "harp"

urlpatterns = [
    path("", pages.HomeView.as_view(), name="home"),
    path("status/", pages.StatusView.as_view(), name="status"),
    path("profile/", pages.ProfileView.as_view(), name="profile"),
    path("register/", accounts.RegisterStartView.as_view(), name="register"),
    path("register/done/", accounts.RegisterDoneView.as_view(), name="register-done"),
    path(
        "register/<slug:key>/",
        accounts.RegisterStepView.as_view(),
        name="register-step",
    ),
    path(
        "login/forgot-user-id/",
        accounts.ForgotUserIdView.as_view(),
        name="forgot-user-id",
    ),
    path(
        "login/resend-confirmation/",
        accounts.ResendConfirmationView.as_view(),
        name="resend-confirmation",
    ),
    path(
        "login/verify/",
        two_factor.TwoFactorVerifyView.as_view(),
        name="two-factor-verify",
    ),
    path(
        "account/confirm/",
        reauth.ReauthenticateView.as_view(),
        name="reauthenticate",
    ),
    path(
        "account/two-factor/",
        two_factor.TwoFactorManageView.as_view(),
        name="two-factor-manage",
    ),
    path(
        "account/two-factor/backup-codes/",
        two_factor.BackupCodesView.as_view(),
        name="two-factor-backup-codes",
    ),
    path(
        "account/two-factor/setup/",
        two_factor.TwoFactorSetupView.as_view(),
        name="two-factor-setup",
    ),
    path(
        "account/two-factor/setup/app/",
        two_factor.TotpSetupView.as_view(),
        name="two-factor-setup-app",
    ),
    path(
        "account/two-factor/setup/email/",
        two_factor.SideChannelSetupView.as_view(method="email"),
        name="two-factor-setup-email",
    ),
    path(
        "account/two-factor/setup/phone/",
        two_factor.SideChannelSetupView.as_view(method="phone"),
        name="two-factor-setup-phone",
    ),
]
