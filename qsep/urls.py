from django.urls import path

from qsep import views
from qsep.views import dashboard
from qsep.views import reports as report_views
from qsep.views.profile_review import EmploymentUpdateView

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
    path("profile/", EmploymentUpdateView.as_view(), name="employment"),
    path("dashboard/", dashboard.DashboardView.as_view(), name="dashboard"),
    path(
        "dashboard/broadcast/",
        dashboard.DashboardBroadcastView.as_view(),
        name="dashboard-broadcast",
    ),
    path(
        "dashboard/<str:message_id>/read/",
        dashboard.DashboardMarkView.as_view(),
        name="dashboard-read",
    ),
    path("reports/", report_views.ReportsIndexView.as_view(), name="reports"),
    path(
        "reports/learners/",
        report_views.FindByLearnerView.as_view(),
        name="reports-learners",
    ),
    path(
        "reports/learners/export.csv",
        report_views.FindByLearnerCsvView.as_view(),
        name="reports-learners-csv",
    ),
    path(
        "reports/learners/<int:user_id>/",
        report_views.LearnerDetailView.as_view(),
        name="reports-learner",
    ),
    path(
        "reports/training-status/",
        report_views.TrainingStatusView.as_view(),
        name="reports-training-status",
    ),
    path(
        "reports/training-status/export.csv",
        report_views.TrainingStatusCsvView.as_view(),
        name="reports-training-status-csv",
    ),
]
