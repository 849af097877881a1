from django.urls import path

from qsep import views

app_name = "qsep"

urlpatterns = [
    path("", views.CatalogView.as_view(), name="catalog"),
    path("signup/", views.SignupChoiceView.as_view(), name="signup"),
    path("signup/learner/", views.LearnerSignupView.as_view(), name="signup-learner"),
    path("courses/<slug:slug>/", views.CourseDetailView.as_view(), name="course"),
    path("plans/<slug:slug>/", views.PlanDetailView.as_view(), name="plan"),
    path("my/", views.MyTrainingView.as_view(), name="my"),
    path("my/<slug:slug>/", views.CourseMenuView.as_view(), name="course-menu"),
    path(
        "my/<slug:slug>/modules/<int:position>/",
        views.ModuleView.as_view(),
        name="module",
    ),
    path(
        "my/<slug:slug>/evaluation/", views.EvaluationView.as_view(), name="evaluation"
    ),
    path(
        "my/<slug:slug>/<str:test>/", views.TestStartView.as_view(), name="test-start"
    ),
    path(
        "my/<slug:slug>/<str:test>/review/",
        views.TestReviewView.as_view(),
        name="test-review",
    ),
    path(
        "my/<slug:slug>/<str:test>/result/<int:number>/",
        views.TestResultView.as_view(),
        name="test-result",
    ),
    path(
        "my/<slug:slug>/<str:test>/<int:number>/",
        views.QuestionView.as_view(),
        name="question",
    ),
    path(
        "certificates/<str:code>/", views.CertificateView.as_view(), name="certificate"
    ),
    path(
        "certificates/<str:code>/pdf/",
        views.CertificatePdfView.as_view(),
        name="certificate-pdf",
    ),
    path("transcript/", views.TranscriptView.as_view(), name="transcript"),
    path("certifications/", views.CertificationsView.as_view(), name="certifications"),
    path(
        "certifications/review/",
        views.CertificationReviewView.as_view(),
        name="certification-review",
    ),
    path(
        "certifications/<int:pk>/file/",
        views.CertificationFileView.as_view(),
        name="certification-file",
    ),
    path("transcript/pdf/", views.TranscriptPdfView.as_view(), name="transcript-pdf"),
]
