from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django_otp.admin import OTPAdminSite

from qsep import views as qsep_views

# The admin answers only to a signed-in staff user whose session passed the second
# factor; its own login page sends people to the portal's sign-in.
admin.site.__class__ = OTPAdminSite
admin.site.site_header = f"{settings.PORTAL_NAME} administration"
admin.site.site_title = f"{settings.PORTAL_NAME} admin"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", include("harp.urls")),
    path("proofing/", include("proofing.urls")),
    path("helpdesk/", include("proofing.helpdesk_urls")),
    path("roles/", include("iqies_roles.urls")),
    path("training/", include("qsep.urls")),
    path("verify/<str:code>/", qsep_views.VerifyView.as_view(), name="verify"),
    # django-allauth (confirmation links, password reset) under /accounts/; sign-in
    # and sign-out at the addresses people bookmark. Listed after allauth's, these
    # are the ones reverse() gives for its URL names.
    path("accounts/signup/", RedirectView.as_view(url="/register/")),
    path("accounts/", include("allauth.urls")),
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", allauth_views.logout, name="account_logout"),
    path(
        "admin/login/",
        RedirectView.as_view(url="/login/?next=/admin/", query_string=False),
    ),
    path("admin/", admin.site.urls),
]
