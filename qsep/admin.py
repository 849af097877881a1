from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from harp.admin.scale import BigTableAdmin, RelatedLabelListFilter
from qsep import services
from qsep.forms import ModuleForm
from qsep.models import (
    Category,
    Certificate,
    CertificationUpload,
    Choice,
    CoordinatorProxy,
    Course,
    Enrollment,
    EvaluationQuestion,
    LearnerTransfer,
    Module,
    PlanCourse,
    ProviderType,
    Question,
    TrainingPlan,
)
from qsep.selectors.transfers import state_agency_choices
from qsep.services.proxies import (
    ProxyError,
    coordinator_proxy_end,
    coordinator_proxy_grant,
)

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldsetSpec

# What the admin says a stored file is, by the content type found when it was checked.
FILE_KINDS = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
}


class CourseFilter(RelatedLabelListFilter):
    label_field = "title"  # Course.__str__


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
    list_filter = ("test", ("course", CourseFilter))
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
class EnrollmentAdmin(BigTableAdmin, admin.ModelAdmin):
    """Five million rows: newest first by id, which follows the time of enrolling
    (no index serves created_at; sorting them all for one page took 10 s)."""

    list_display = ("learner", "course", "enrolled_at", "completed_at")
    list_filter = (
        ("completed_at", admin.EmptyFieldListFilter),
        ("course", CourseFilter),
    )
    # The learner's user ID only, through harp_user's trigram index: an OR with
    # the course's title across the two joined tables reads every enrollment.
    # A course's enrollments are its filter on the right.
    search_fields = ("learner__username",)
    list_select_related = ("learner", "course")
    raw_id_fields = ("learner",)
    ordering = ("-pk",)
    sortable_by = ("enrolled_at",)

    @admin.display(description="created at", ordering="pk")
    def enrolled_at(self, obj: Enrollment) -> Any:
        return obj.created_at


@admin.register(Certificate)
class CertificateAdmin(BigTableAdmin, admin.ModelAdmin):
    """A million rows: newest first by id, which follows the time of issue (no
    index serves issued_at; sorting them all for one page took 0.3 s)."""

    list_display = ("code", "learner_name", "course_title", "issued", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("code", "learner_name", "course_title")
    ordering = ("-pk",)
    sortable_by = ("code", "issued")
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

    @admin.display(description="issued at", ordering="pk")
    def issued(self, obj: Certificate) -> Any:
        return obj.issued_at

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
class CertificationUploadAdmin(BigTableAdmin, admin.ModelAdmin):
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
    raw_id_fields = ("learner", "reviewed_by")
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


@admin.register(LearnerTransfer)
class LearnerTransferAdmin(BigTableAdmin, admin.ModelAdmin):
    """Transfers, to read: they are made on the help desk's Transfers page, which
    also tells the learner and both State Agencies' coordinators."""

    list_display = (
        "transferred_at",
        "learner",
        "from_agency",
        "to_agency",
        "transferred_by",
    )
    search_fields = ("learner__username",)
    list_select_related = ("learner", "from_agency", "to_agency", "transferred_by")
    raw_id_fields = ("learner", "transferred_by")
    readonly_fields = (
        "learner",
        "from_agency",
        "to_agency",
        "reason",
        "transferred_by",
        "transferred_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: LearnerTransfer | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: LearnerTransfer | None = None
    ) -> bool:
        return False


class ProxyStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("in_force", "In force"),
            ("scheduled", "Starts later"),
            ("expired", "Expired"),
            ("ended", "Ended early"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CoordinatorProxy]
    ) -> QuerySet[CoordinatorProxy]:
        today = timezone.localdate()
        live = Q(ended_at__isnull=True)
        conditions = {
            "in_force": live & Q(starts_on__lte=today, ends_on__gte=today),
            "scheduled": live & Q(starts_on__gt=today),
            "expired": live & Q(ends_on__lt=today),
            "ended": Q(ended_at__isnull=False),
        }
        condition = conditions.get(self.value() or "")
        return queryset.filter(condition) if condition is not None else queryset


def proxy_status(proxy: CoordinatorProxy) -> str:
    today = timezone.localdate()
    if proxy.ended_at is not None:
        return "Ended early"
    if proxy.ends_on < today:
        return "Expired"
    if proxy.starts_on > today:
        return "Starts later"
    return "In force"


class ProxyFormMixin:
    """The admin's proxy forms save through the services, inside validation.

    The service makes the rules' decisions under row locks (overlap, already
    ended), so it runs as the form's last check: what it refuses becomes a form
    error, and the admin saves nothing else. The admin's view runs in one
    transaction, so nothing it writes outlives a later failure.
    """

    request: HttpRequest
    saved: CoordinatorProxy | None = None

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]
        if not self._errors:  # type: ignore[attr-defined]
            try:
                self.saved = self.save_through_service()
            except ProxyError as error:
                self.add_error(None, str(error))  # type: ignore[attr-defined]

    def save_through_service(self) -> CoordinatorProxy:
        raise NotImplementedError


class ProxyGrantForm(ProxyFormMixin, forms.ModelForm):
    class Meta:
        model = CoordinatorProxy
        fields = ("coordinator", "state_agency", "starts_on", "ends_on", "reason")
        help_texts = {
            "coordinator": "A State Training Coordinator of another State Agency.",
            "ends_on": "The proxy stops by itself after this day.",
            "reason": "Kept in the audit record: who asked for it, a ticket number.",
        }

    def save_through_service(self) -> CoordinatorProxy:
        data = self.cleaned_data
        return coordinator_proxy_grant(
            coordinator=data["coordinator"],
            state_agency=data["state_agency"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            reason=data["reason"],
            actor=self.request.user,  # type: ignore[arg-type]
            request=self.request,
        )


class ProxyEndForm(ProxyFormMixin, forms.ModelForm):
    end_reason = forms.CharField(
        label="End this proxy now: reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Saving with a reason ends the proxy today; the coordinator is "
        "emailed. Kept in the audit record.",
        error_messages={"required": "Give the reason for ending the proxy."},
    )

    class Meta:
        model = CoordinatorProxy
        fields = ("end_reason",)

    def save_through_service(self) -> CoordinatorProxy:
        return coordinator_proxy_end(
            proxy=self.instance,
            actor=self.request.user,  # type: ignore[arg-type]
            reason=self.cleaned_data["end_reason"],
            request=self.request,
        )


@admin.register(CoordinatorProxy)
class CoordinatorProxyAdmin(BigTableAdmin, admin.ModelAdmin):
    """Proxies: granted here (add) and ended here (change, with a reason), each
    through its service, which checks, audits and emails. A proxy that has ended
    or expired is read-only; none is ever deleted. The help desk group holds view,
    add and change."""

    list_display = (
        "coordinator",
        "state_agency",
        "starts_on",
        "ends_on",
        "status",
        "granted_by",
    )
    list_filter = (ProxyStatusFilter, "state_agency")
    search_fields = ("coordinator__username",)
    list_select_related = ("coordinator", "state_agency", "granted_by")
    raw_id_fields = ("coordinator", "granted_by", "ended_by")

    @admin.display(description="Status")
    def status(self, obj: CoordinatorProxy) -> str:
        return proxy_status(obj)

    def get_form(
        self,
        request: HttpRequest,
        obj: CoordinatorProxy | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        kwargs["form"] = ProxyEndForm if obj is not None else ProxyGrantForm
        form = super().get_form(request, obj, change=change, **kwargs)
        # A class made for this request alone (modelform_factory), so the request
        # stays with it.
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_fields(
        self, request: HttpRequest, obj: CoordinatorProxy | None = None
    ) -> Any:
        if obj is None:
            return ("coordinator", "state_agency", "starts_on", "ends_on", "reason")
        fields = [
            "coordinator",
            "state_agency",
            "status",
            "starts_on",
            "ends_on",
            "reason",
            "granted_by",
            "granted_at",
        ]
        if obj.ended_at is not None:
            return [*fields, "ended_at", "ended_by", "end_reason"]
        if self.has_change_permission(request, obj):
            return [*fields, "end_reason"]
        return fields

    def get_readonly_fields(
        self, request: HttpRequest, obj: CoordinatorProxy | None = None
    ) -> Any:
        if obj is None:
            return ()
        readonly = [
            "coordinator",
            "state_agency",
            "status",
            "starts_on",
            "ends_on",
            "reason",
            "granted_by",
            "granted_at",
            "ended_at",
            "ended_by",
        ]
        if obj.ended_at is not None or not self.has_change_permission(request, obj):
            readonly.append("end_reason")
        return readonly

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "state_agency":
            kwargs["queryset"] = state_agency_choices()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(
        self, request: HttpRequest, obj: CoordinatorProxy | None = None
    ) -> bool:
        # Changing a proxy is ending it: only one not ended and not expired.
        if obj is not None and (
            obj.ended_at is not None or obj.ends_on < timezone.localdate()
        ):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: CoordinatorProxy | None = None
    ) -> bool:
        return False

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        # The service saved it while the form was checked (ProxyFormMixin).
        return form.saved

    def save_model(
        self, request: HttpRequest, obj: CoordinatorProxy, form: Any, change: bool
    ) -> None:
        pass

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        pass
