"""proofing's pages of the help-desk console (the manual-proofing queue);
config/urls.py mounts them under /helpdesk/ in the namespace "helpdesk"."""

from django.urls import path

from proofing.views import helpdesk

urlpatterns = [
    path("proofing/", helpdesk.QueueView.as_view(), name="queue"),
    path("proofing/<uuid:public_id>/", helpdesk.CaseView.as_view(), name="case"),
    path(
        "proofing/documents/<uuid:public_id>/",
        helpdesk.DocumentView.as_view(),
        name="document",
    ),
]
