from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

from harp import helpdesk_urls as harp_helpdesk_urls
from harp.views import sign_in
from harp.views.reauth import reauthentication_required
from proofing import helpdesk_urls as proofing_helpdesk_urls
from qsep import helpdesk_urls as qsep_helpdesk_urls
from qsep import views as qsep_views

# The django-allauth pages the portal uses, each under allauth's own URL name.
allauth_urlpatterns = [
    path("signup/", RedirectView.as_view(url="/register/"), name="account_signup"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    path(
        "email/",
        reauthentication_required(allauth_views.email),
        name="account_email",
    ),
    path(
        "confirm-email/",
        allauth_views.email_verification_sent,
        name="account_email_verification_sent",
    ),
    re_path(
        r"^confirm-email/(?P<key>[-:\w]+)/$",
        allauth_views.confirm_email,
        name="account_confirm_email",
    ),
    path(
        "password/change/",
        reauthentication_required(allauth_views.password_change),
        name="account_change_password",
    ),
    path(
        "password/reset/",
        allauth_views.password_reset,
        name="account_reset_password",
    ),
    path(
        "password/reset/done/",
        allauth_views.password_reset_done,
        name="account_reset_password_done",
    ),
    re_path(
        r"^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        allauth_views.password_reset_from_key,
        name="account_reset_password_from_key",
    ),
    path(
        "password/reset/key/done/",
        allauth_views.password_reset_from_key_done,
        name="account_reset_password_from_key_done",
    ),
]

# The admin answers only to a signed-in staff user whose session passed the second
# factor; its own login page sends people to the portal's sign-in.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = f"{settings.PORTAL_NAME} administration"
admin.site.site_title = f"{settings.PORTAL_NAME} admin"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", include("harp.urls")),
    path("proofing/", include("proofing.urls")),
    # The help-desk console: each app's pages under one namespace, so that
    # helpdesk:home (harp), helpdesk:queue (proofing) and helpdesk:transfers (qsep)
    # sit side by side while no app imports one that stands on it.
    path(
        "helpdesk/",
        include(
            (
                harp_helpdesk_urls.urlpatterns
                + proofing_helpdesk_urls.urlpatterns
                + qsep_helpdesk_urls.urlpatterns,
                "helpdesk",
            )
        ),
    ),
    path("roles/", include("iqies_roles.urls")),
    path("training/", include("qsep.urls")),
    path("verify/<str:code>/", qsep_views.VerifyView.as_view(), name="verify"),
    # django-allauth: only the pages the portal offers, under their allauth URL
    # names so that reverse() finds them; everything else under /accounts/ is a 404
    # (sign-up by allauth, login by code, password set, allauth's password-only
    # re-authentication, ...). Sign-in and sign-out are at the addresses people
    # bookmark. Changing an email address or the password needs a recent
    # re-authentication with the second factor (harp.views.reauth).
    path("login/", sign_in.SignInView.as_view(), name="account_login"),
    path("logout/", allauth_views.logout, name="account_logout"),
    path("accounts/", include(allauth_urlpatterns)),
    path(
        "admin/login/",
        RedirectView.as_view(url="/login/?next=/admin/", query_string=False),
    ),
    path("admin/", admin.site.urls),
]
