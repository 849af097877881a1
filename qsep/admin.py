from typing import TYPE_CHECKING

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from qsep import services
from qsep.forms import ModuleForm
from qsep.models import (
    Category,
    Certificate,
    CertificationUpload,
    Choice,
    Course,
    Enrollment,
    EvaluationQuestion,
    Module,
    PlanCourse,
    ProviderType,
    Question,
    TrainingPlan,
)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

# What the admin says a stored file is, by the content type found when it was checked.
FILE_KINDS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
}

admin.site.register(Category)
admin.site.register(ProviderType)


class ModuleInline(admin.StackedInline):
    model = Module
    # The form cleans the body to the allow-list of qsep.module_html.
    form = ModuleForm
    extra = 0
    # A video address typed without a scheme is taken as https.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class QuestionInline(admin.TabularInline):
    """Questions of both tests; their answer choices are edited on each question."""

    model = Question
    extra = 0
    fields = ("test", "position", "text")
    show_change_link = True


class EvaluationQuestionInline(admin.TabularInline):
    model = EvaluationQuestion
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "ceus",
        "duration_minutes",
        "passing_score",
        "is_published",
    )
    list_filter = ("is_published", "categories", "provider_types")
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("categories", "provider_types", "prerequisites")
    readonly_fields = ("created_at",)
    inlines = [ModuleInline, QuestionInline, EvaluationQuestionInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 4


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "course", "test", "position")
    list_filter = ("test", "course")
    search_fields = ("text",)
    inlines = [ChoiceInline]


class PlanCourseInline(admin.TabularInline):
    model = PlanCourse
    extra = 1


@admin.register(TrainingPlan)
class TrainingPlanAdmin(admin.ModelAdmin):
    list_display = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = [PlanCourseInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ("learner", "course", "created_at", "completed_at")
    list_filter = (("completed_at", admin.EmptyFieldListFilter), "course")
    search_fields = ("learner__username", "course__title")
    list_select_related = ("learner", "course")
    raw_id_fields = ("learner",)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ("code", "learner_name", "course_title", "issued_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("code", "learner_name", "course_title")
    readonly_fields = (
        "enrollment",
        "code",
        "learner_name",
        "course_title",
        "ceus",
        "issued_at",
        "revoked_at",
        "revoke_reason",
    )
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke the selected certificates")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        for certificate in queryset:
            services.certificate_revoke(
                certificate=certificate,
                actor=request.user,  # type: ignore[arg-type]
                reason="Revoked by an administrator",
                request=request,
            )
        self.message_user(request, "The selected certificates are revoked.")


REVIEW_DESCRIPTION = (
    "Learners upload certifications on their My certifications page, where each "
    "file is checked by its content. State training coordinators, for the learners "
    "of their states, and superusers accept or reject them on the Certifications to "
    "review page, which emails the learner and records the decision in the audit "
    "events. Nothing about an upload is changed here."
)
UPLOAD_FIELDS = (
    "learner",
    "certification",
    "file_kind",
    "status",
    "uploaded_at",
    "reviewed_by",
    "reviewed_at",
)


@admin.register(CertificationUpload)
class CertificationUploadAdmin(admin.ModelAdmin):
    """Uploads and their reviews, to read: nobody adds or decides one here.

    The file lives in private storage, which has no URL, so the page never shows
    the field itself. Whoever may review the upload gets a link to the review
    page's file view, which checks their states and audits each viewing; anyone
    else is told what kind of file it is and where it opens.
    """

    list_display = ("learner", "certification", "status", "uploaded_at")
    list_filter = ("status", "certification")
    search_fields = ("learner__username",)
    list_select_related = ("learner",)
    readonly_fields = (*UPLOAD_FIELDS, "file_link")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: CertificationUpload | None = None
    ) -> bool:
        return False

    def get_fieldsets(
        self, request: HttpRequest, obj: CertificationUpload | None = None
    ) -> "_FieldsetSpec":
        fields: tuple[str, ...] = UPLOAD_FIELDS
        if obj is not None and self._may_open_file(request, obj):
            fields = tuple("file_link" if f == "file_kind" else f for f in fields)
        return [(None, {"fields": fields, "description": REVIEW_DESCRIPTION})]

    @staticmethod
    def _may_open_file(request: HttpRequest, obj: CertificationUpload) -> bool:
        from qsep.selectors import certification_upload_get_for_review

        return (
            certification_upload_get_for_review(
                reviewer=request.user,  # type: ignore[arg-type]
                pk=obj.pk,
            )
            is not None
        )

    @admin.display(description="File")
    def file_kind(self, obj: CertificationUpload) -> str:
        return (
            f"{FILE_KINDS.get(obj.content_type, 'A file')}, kept in private storage. "
            "It opens only from the Certifications to review page, for the people "
            "who review this learner's certifications."
        )

    @admin.display(description="File")
    def file_link(self, obj: CertificationUpload) -> str:
        return format_html(
            '<a href="{}">Open the {}</a> (each viewing is recorded in the audit '
            "events)",
            reverse("qsep:certification-file", args=[obj.pk]),
            FILE_KINDS.get(obj.content_type, "file"),
        )
