"""Training pages: the public catalog, My Training, taking a course, certificates."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from harp.models import User
from harp.page_cache import anonymous_page
from harp.services.accounts import registration_email_taken_notify, user_email_taken
from proofing.documents import private_file_response
from qsep import selectors, services
from qsep.forms import (
    AnswerForm,
    CatalogFilterForm,
    CertificationUploadForm,
    EvaluationForm,
    LearnerSignupForm,
)
from qsep.models import (
    CertificationUpload,
    Choice,
    Course,
    Enrollment,
    Module,
    Question,
    TestAttempt,
    TestKind,
    TrainingPlan,
)
from qsep.table_rows import my_training_rows, total_ceus, transcript_rows


@method_decorator(
    anonymous_page(params=("q", "category", "provider_type", "min_ceus", "page")),
    name="get",
)
class CatalogView(View):
    """Public: anyone can browse and read every course."""

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CatalogFilterForm(request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
        courses = selectors.catalog_search(
            text=filters.get("q") or "",
            category=filters["category"].pk if filters.get("category") else None,
            provider_type=filters["provider_type"].pk
            if filters.get("provider_type")
            else None,
            min_ceus=filters.get("min_ceus"),
        )
        page = Paginator(courses, 25).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "qsep/catalog.html",
            {
                "form": form,
                "page": page,
                "query": query.urlencode(),
                "plans": TrainingPlan.objects.all()[:20],
            },
        )


@method_decorator(anonymous_page(), name="get")
class CourseDetailView(View):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        course = get_object_or_404(
            Course.objects.prefetch_related(
                "categories", "provider_types", "prerequisites"
            ),
            slug=slug,
            is_published=True,
        )
        enrollment = (
            Enrollment.objects.filter(learner=request.user, course=course).first()
            if request.user.is_authenticated
            else None
        )
        return render(
            request,
            "qsep/course_detail.html",
            {
                "course": course,
                "modules": list(course.modules.all()),
                "enrollment": enrollment,
                "has_pretest": services.has_questions(course, TestKind.PRE),
            },
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        course = get_object_or_404(Course, slug=slug, is_published=True)
        services.enrollment_create(learner=request.user, course=course)
        messages.success(request, f"“{course.title}” is in My Training.")
        return redirect("qsep:my")


class PlanDetailView(View):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        plan = get_object_or_404(TrainingPlan, slug=slug)
        courses = plan.courses.order_by("plancourse__position")
        return render(
            request, "qsep/plan_detail.html", {"plan": plan, "courses": courses}
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        plan = get_object_or_404(TrainingPlan, slug=slug)
        services.plan_enroll(learner=request.user, plan=plan)
        messages.success(
            request, f"The training plan “{plan.title}” is in My Training."
        )
        return redirect("qsep:my")


class MyTrainingView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        learner: User = request.user  # type: ignore[assignment]
        enrollments = list(selectors.my_training_list(learner=learner))
        return render(
            request,
            "qsep/my_training.html",
            {"enrollments": enrollments, "rows": my_training_rows(enrollments)},
        )


class EnrollmentMixin(LoginRequiredMixin, View):
    """Pages of one course in the learner's My Training."""

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.user.is_authenticated:
            enrollment = (
                Enrollment.objects.select_related("course", "learner")
                .filter(learner=request.user, course__slug=kwargs["slug"])
                .first()
            )
            if enrollment is None:
                raise Http404("This course is not in your My Training.")
            self.enrollment = enrollment
            self.course = enrollment.course
        return super().dispatch(request, *args, **kwargs)

    def menu(self) -> HttpResponse:
        return redirect("qsep:course-menu", slug=self.course.slug)

    def refuse(self, error: services.TrainingError) -> HttpResponse:
        messages.error(self.request, str(error))
        return self.menu()


class CourseMenuView(EnrollmentMixin):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        steps = services.course_steps(self.enrollment)
        return render(
            request,
            "qsep/course_menu.html",
            {
                "enrollment": self.enrollment,
                "course": self.course,
                "steps": steps,
                "problems": services.course_open_problems(
                    learner=self.enrollment.learner, course=self.course
                ),
            },
        )


class ModuleView(EnrollmentMixin):
    def get_module(self, position: int) -> Module:
        return get_object_or_404(Module, course=self.course, position=position)

    def get(self, request: HttpRequest, slug: str, position: int) -> HttpResponse:
        module = self.get_module(position)
        step = next(
            s
            for s in services.course_steps(self.enrollment)
            if s.key == f"module-{position}"
        )
        if step.state == "locked":
            return self.refuse(services.TrainingError(step.why_locked))
        return render(
            request,
            "qsep/module.html",
            {"course": self.course, "module": module, "done": step.state == "done"},
        )

    def post(self, request: HttpRequest, slug: str, position: int) -> HttpResponse:
        module = self.get_module(position)
        try:
            enrollment = services.module_complete(
                enrollment=self.enrollment, module=module
            )
        except services.TrainingError as error:
            return self.refuse(error)
        if enrollment.completed_at:
            messages.success(request, "Course complete. Your certificate is ready.")
        following = Module.objects.filter(
            course=self.course, position__gt=position
        ).first()
        if following is not None:
            return redirect(
                "qsep:module", slug=self.course.slug, position=following.position
            )
        return self.menu()


def _test_kind(test: str) -> str:
    if test not in (TestKind.PRE, TestKind.POST):
        raise Http404("No such test.")
    return test


class TestStartView(EnrollmentMixin):
    """Start or resume: straight to the first question not yet answered."""

    def get(self, request: HttpRequest, slug: str, test: str) -> HttpResponse:
        try:
            attempt = services.test_attempt_current(
                enrollment=self.enrollment, test=_test_kind(test)
            )
        except services.TrainingError as error:
            return self.refuse(error)
        answered = set(attempt.answers.values_list("question_id", flat=True))
        for number, question_id in enumerate(attempt.question_ids, start=1):
            if question_id not in answered:
                return redirect("qsep:question", slug=slug, test=test, number=number)
        return redirect("qsep:test-review", slug=slug, test=test)


class AttemptMixin(EnrollmentMixin):
    def open_attempt(self, test: str) -> TestAttempt | None:
        return (
            self.enrollment.attempts.filter(
                test=_test_kind(test), submitted_at__isnull=True
            )
            .order_by("-number")
            .first()
        )


class QuestionView(AttemptMixin):
    """One question per page: each answer is saved the moment it is given."""

    def context(self, attempt: TestAttempt, number: int) -> dict[str, Any]:
        if not 1 <= number <= len(attempt.question_ids):
            raise Http404("No such question.")
        question = get_object_or_404(Question, pk=attempt.question_ids[number - 1])
        return {"attempt": attempt, "number": number, "question": question}

    def render_page(
        self, test: str, context: dict[str, Any], form: AnswerForm
    ) -> HttpResponse:
        return render(
            self.request,
            "qsep/question.html",
            {
                **context,
                "course": self.course,
                "test": test,
                "test_label": TestKind(test).label,
                "total": len(context["attempt"].question_ids),
                "form": form,
            },
        )

    def get(
        self, request: HttpRequest, slug: str, test: str, number: int
    ) -> HttpResponse:
        attempt = self.open_attempt(test)
        if attempt is None:
            return redirect("qsep:test-start", slug=slug, test=test)
        context = self.context(attempt, number)
        saved = attempt.answers.filter(question=context["question"]).first()
        form = AnswerForm(
            question=context["question"],
            shuffle_key=str(attempt.pk),
            initial={"choice": saved.choice_id if saved else None},
        )
        return self.render_page(test, context, form)

    def post(
        self, request: HttpRequest, slug: str, test: str, number: int
    ) -> HttpResponse:
        attempt = self.open_attempt(test)
        if attempt is None:
            return redirect("qsep:test-start", slug=slug, test=test)
        context = self.context(attempt, number)
        form = AnswerForm(
            request.POST, question=context["question"], shuffle_key=str(attempt.pk)
        )
        if not form.is_valid():
            return self.render_page(test, context, form)
        choice: Choice = form.cleaned_data["choice"]
        services.attempt_answer(
            attempt=attempt, question=context["question"], choice=choice
        )
        if request.POST.get("go") == "back" and number > 1:
            return redirect("qsep:question", slug=slug, test=test, number=number - 1)
        if number < len(attempt.question_ids):
            return redirect("qsep:question", slug=slug, test=test, number=number + 1)
        return redirect("qsep:test-review", slug=slug, test=test)


class TestReviewView(AttemptMixin):
    def get(self, request: HttpRequest, slug: str, test: str) -> HttpResponse:
        attempt = self.open_attempt(test)
        if attempt is None:
            return redirect("qsep:course-menu", slug=slug)
        answered = set(attempt.answers.values_list("question_id", flat=True))
        rows = [
            (number, question_id in answered)
            for number, question_id in enumerate(attempt.question_ids, start=1)
        ]
        return render(
            request,
            "qsep/test_review.html",
            {
                "course": self.course,
                "test": test,
                "test_label": TestKind(test).label,
                "rows": rows,
                "all_answered": all(done for _, done in rows),
            },
        )

    def post(self, request: HttpRequest, slug: str, test: str) -> HttpResponse:
        attempt = self.open_attempt(test)
        if attempt is None:
            return redirect("qsep:course-menu", slug=slug)
        try:
            attempt = services.attempt_submit(attempt=attempt)
        except services.TrainingError as error:
            messages.error(request, str(error))
            return redirect("qsep:test-review", slug=slug, test=test)
        return redirect("qsep:test-result", slug=slug, test=test, number=attempt.number)


class TestResultView(EnrollmentMixin):
    def get(
        self, request: HttpRequest, slug: str, test: str, number: int
    ) -> HttpResponse:
        attempt = get_object_or_404(
            TestAttempt,
            enrollment=self.enrollment,
            test=_test_kind(test),
            number=number,
            submitted_at__isnull=False,
        )
        used = self.enrollment.attempts.filter(test=TestKind.POST).count()
        return render(
            request,
            "qsep/test_result.html",
            {
                "course": self.course,
                "attempt": attempt,
                "test_label": TestKind(test).label,
                "attempts_left": max(self.course.max_attempts - used, 0),
            },
        )


class EvaluationView(EnrollmentMixin):
    def get(self, request: HttpRequest, slug: str) -> HttpResponse:
        step = services.step_state(self.enrollment, "evaluation")
        if step.state == "locked":
            return self.refuse(services.TrainingError(step.why_locked))
        return render(
            request,
            "qsep/evaluation.html",
            {"course": self.course, "form": EvaluationForm(course=self.course)},
        )

    def post(self, request: HttpRequest, slug: str) -> HttpResponse:
        form = EvaluationForm(request.POST, course=self.course)
        if not form.is_valid():
            return render(
                request, "qsep/evaluation.html", {"course": self.course, "form": form}
            )
        try:
            enrollment = services.evaluation_submit(
                enrollment=self.enrollment, responses=form.responses()
            )
        except services.TrainingError as error:
            return self.refuse(error)
        if enrollment.completed_at:
            messages.success(request, "Course complete. Your certificate is ready.")
        return self.menu()


def _certificate_context(request: HttpRequest, code: str) -> dict[str, Any]:
    certificate = selectors.certificate_get(code=code)
    if certificate is None:
        raise Http404("No such certificate.")
    user = request.user
    if not (
        user.is_authenticated
        # Staff status alone shows nobody else's certificate; /verify/ is public.
        and (certificate.enrollment.learner_id == user.pk or user.is_superuser)
    ):
        raise Http404("No such certificate.")
    verify_url = request.build_absolute_uri(reverse("verify", args=[certificate.code]))
    return {
        "certificate": certificate,
        "verify_url": verify_url,
        "qr_svg": segno.make(verify_url, error="m").svg_data_uri(scale=4, border=1),
    }


class CertificateView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return render(
            request, "qsep/certificate.html", _certificate_context(request, code)
        )


def _pdf(
    request: HttpRequest, template: str, context: dict[str, Any], name: str
) -> HttpResponse:
    from qsep.pdf import pdf_from_html

    pdf = pdf_from_html(render_to_string(template, context, request=request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class CertificatePdfView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        context = _certificate_context(request, code)
        return _pdf(
            request,
            "qsep/certificate_document.html",
            context,
            f"certificate-{context['certificate'].code}.pdf",
        )


@method_decorator(anonymous_page(per_certificate=True), name="get")
class VerifyView(View):
    """Public: the learner's name, the course and the date, and nothing else."""

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        certificate = selectors.certificate_get(code=code)
        return render(
            request,
            "qsep/verify.html",
            {"certificate": certificate, "code": code},
            status=200 if certificate else 404,
        )


class TranscriptView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "qsep/transcript.html", self.context(request))

    @staticmethod
    def context(request: HttpRequest) -> dict[str, Any]:
        enrollments = list(selectors.transcript_list(learner=request.user))  # type: ignore[arg-type]
        return {
            "enrollments": enrollments,
            "rows": transcript_rows(enrollments),
            "total_ceus": total_ceus(enrollments),
            "learner": request.user,
        }


class TranscriptPdfView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return _pdf(
            request,
            "qsep/transcript_document.html",
            TranscriptView.context(request),
            "transcript.pdf",
        )


class SignupChoiceView(View):
    """Two ways in: HARP registration, or a learner account."""

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "qsep/signup_choice.html")


@method_decorator(sensitive_post_parameters("password1", "password2"), name="dispatch")
class LearnerSignupView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return render(
            request, "qsep/signup_learner.html", {"form": LearnerSignupForm()}
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        form = LearnerSignupForm(request.POST)
        if request.POST.get("action") == "find":
            # Only looking up the ZIP code: show its facilities, keep what was typed.
            form.is_valid()
            form.errors.clear()
            return render(
                request,
                "qsep/signup_learner.html",
                {"form": form, "looked_up": True},
            )
        if not form.is_valid():
            return render(request, "qsep/signup_learner.html", {"form": form})
        data = form.cleaned_data
        if user_email_taken(email=data["email"]):
            return _learner_email_taken(request, data["email"])
        try:
            user = services.learner_register(
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                user_id=data["user_id"],
                password=data["password1"],
                facility=data["organization"],
                request=request,
            )
        except (ValidationError, IntegrityError) as error:
            # Another sign-up took the address a moment ago: the same outcome.
            if user_email_taken(email=data["email"]):
                return _learner_email_taken(request, data["email"])
            form.add_error(
                None,
                list(error.messages)
                if isinstance(error, ValidationError)
                else ["That user ID is taken. Choose another."],
            )
            return render(request, "qsep/signup_learner.html", {"form": form})
        request.session["harp_registered_email"] = user.email
        request.session["harp_registered_manual"] = False
        return redirect("harp:register-done")


def _learner_email_taken(request: HttpRequest, email: str) -> HttpResponse:
    """The same page as a new account; the address's owner is emailed instead."""
    registration_email_taken_notify(email=email, request=request)
    request.session["harp_registered_email"] = email
    request.session["harp_registered_manual"] = False
    return redirect("harp:register-done")


class CertificationsView(LoginRequiredMixin, View):
    """The learner's uploaded certifications, and a form to add one."""

    def render_page(self, form: CertificationUploadForm) -> HttpResponse:
        return render(
            self.request,
            "qsep/certifications.html",
            {
                "form": form,
                "uploads": CertificationUpload.objects.filter(
                    learner_id=self.request.user.pk
                ),
            },
        )

    def get(self, request: HttpRequest) -> HttpResponse:
        return self.render_page(CertificationUploadForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        form = CertificationUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.certification_upload(
                    learner=request.user,  # type: ignore[arg-type]
                    certification=form.cleaned_data["certification"],
                    upload=form.cleaned_data["file"],
                    request=request,
                )
            except services.TrainingError as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, "Uploaded. A coordinator will review it.")
                return redirect("qsep:certifications")
        return self.render_page(form)


def _pk(value: object) -> int | None:
    """A primary key from a form or URL, or None when it is not a number."""
    try:
        pk = int(str(value))
    except ValueError:
        return None
    return pk if pk > 0 else None


class CertificationReviewView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """State Training Coordinators accept or reject the uploaded certifications of
    their states' learners; superusers those of every state.

    The list, the file and the decision all go through one scoped selector, so an
    upload outside the reviewer's states is a 404 whichever way it is asked for.
    """

    permission_required = "qsep.review_certification"

    def get(self, request: HttpRequest) -> HttpResponse:
        reviewer: User = request.user  # type: ignore[assignment]
        page = Paginator(
            selectors.certification_upload_list_pending(reviewer=reviewer), 25
        ).get_page(request.GET.get("page"))
        states = selectors.coordinator_states(coordinator=reviewer)
        return render(
            request,
            "qsep/certification_review.html",
            {
                "page": page,
                "every_state": states is None,
                "states": sorted(states or ()),
            },
        )

    def post(self, request: HttpRequest) -> HttpResponse:
        reviewer: User = request.user  # type: ignore[assignment]
        pk = _pk(request.POST.get("upload"))
        record = (
            selectors.certification_upload_get_for_review(reviewer=reviewer, pk=pk)
            if pk
            else None
        )
        if record is None:
            raise Http404("No such certification to review.")
        decision = request.POST.get("decision")
        if decision not in ("accept", "reject"):
            messages.error(request, "Choose Accept or Reject.")
            return redirect("qsep:certification-review")
        try:
            services.certification_review(
                record=record,
                reviewer=reviewer,
                accept=decision == "accept",
                request=request,
            )
        except services.TrainingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Saved; the learner is emailed.")
        return redirect("qsep:certification-review")


class CertificationFileView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """The uploaded file, to the reviewers whose scope holds the learner; each
    viewing is audited."""

    permission_required = "qsep.review_certification"

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        from harp.services import audit_event_record

        record = selectors.certification_upload_get_for_review(
            reviewer=request.user,  # type: ignore[arg-type]
            pk=pk,
        )
        if record is None:
            raise Http404("No such certification.")
        audit_event_record(
            action=services.TrainingAction.CERTIFICATION_VIEWED,
            actor=request.user,  # type: ignore[arg-type]
            target=record,
            request=request,
        )
        return private_file_response(record.file, record.content_type)
