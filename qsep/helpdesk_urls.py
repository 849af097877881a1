"""qsep's pages of the help-desk console (transfers); config/urls.py mounts them
under /helpdesk/ in the namespace "helpdesk"."""

from django.urls import path

from qsep.views import helpdesk

urlpatterns = [
    path("transfers/", helpdesk.TransferListView.as_view(), name="transfers"),
    path(
        "transfers/<int:user_id>/",
        helpdesk.TransferView.as_view(),
        name="transfer",
    ),
]
