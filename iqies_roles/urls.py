from django.urls import path

from iqies_roles import views

app_name = "roles"

urlpatterns = [
    path("request/", views.CategoryStepView.as_view(), name="request-category"),
    path("request/role/", views.RoleStepView.as_view(), name="request-role"),
    path(
        "request/organizations/",
        views.OrganizationsStepView.as_view(),
        name="request-organizations",
    ),
    path("request/review/", views.ReviewStepView.as_view(), name="request-review"),
    path("approvals/", views.ApprovalsView.as_view(), name="approvals"),
    path("approvals/<int:pk>/", views.DecisionView.as_view(), name="decision"),
    path("assignments/<int:pk>/revoke/", views.RevokeView.as_view(), name="revoke"),
]
