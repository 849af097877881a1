from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.PORTAL_NAME} administration"
admin.site.site_title = f"{settings.PORTAL_NAME} admin"
admin.site.index_title = "Administration"

urlpatterns = [
    path("", include("harp.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
