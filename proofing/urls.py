from django.urls import path

from proofing.views import manual
from proofing.views import remote as views

app_name = "proofing"

urlpatterns = [
    path("", views.ProofingStartView.as_view(), name="start"),
    path("questions/", views.ProofingQuestionsView.as_view(), name="questions"),
    path("result/", views.ProofingResultView.as_view(), name="result"),
    path("reference/", views.ProofingReferenceView.as_view(), name="reference"),
    path("manual/", manual.ManualCaseView.as_view(), name="manual"),
    path("manual/start/", manual.ManualChooseView.as_view(), name="manual-start"),
]
