from django.urls import path

from proofing import views

app_name = "proofing"

urlpatterns = [
    path("", views.ProofingStartView.as_view(), name="start"),
    path("questions/", views.ProofingQuestionsView.as_view(), name="questions"),
    path("result/", views.ProofingResultView.as_view(), name="result"),
    path("reference/", views.ProofingReferenceView.as_view(), name="reference"),
]
