from django.urls import path

from proofing.views import helpdesk

app_name = "helpdesk"

urlpatterns = [
    path("", helpdesk.HelpDeskHomeView.as_view(), name="home"),
    path("proofing/", helpdesk.QueueView.as_view(), name="queue"),
    path("proofing/<uuid:public_id>/", helpdesk.CaseView.as_view(), name="case"),
    path(
        "proofing/documents/<uuid:public_id>/",
        helpdesk.DocumentView.as_view(),
        name="document",
    ),
]
