"""harp's pages of the help-desk console; config/urls.py mounts them under
/helpdesk/ with proofing's and qsep's, in the one namespace "helpdesk"."""

from django.urls import path

from harp.views import helpdesk

urlpatterns = [
    path("", helpdesk.HelpDeskHomeView.as_view(), name="home"),
    path("activation/", helpdesk.ActivationListView.as_view(), name="activation"),
    path(
        "activation/<int:user_id>/",
        helpdesk.ActivationConfirmView.as_view(),
        name="activation-confirm",
    ),
    path("unlocks/", helpdesk.UnlockListView.as_view(), name="unlocks"),
    path("unlocks/<int:user_id>/", helpdesk.UnlockView.as_view(), name="unlock"),
]
