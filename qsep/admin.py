from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

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


@admin.register(CertificationUpload)
class CertificationUploadAdmin(admin.ModelAdmin):
    list_display = ("learner", "certification", "status", "uploaded_at")
    list_filter = ("status", "certification")
    search_fields = ("learner__username",)
    raw_id_fields = ("learner", "reviewed_by")
