from django.urls import path

from harp import views

app_name = "harp"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("status/", views.StatusView.as_view(), name="status"),
]
