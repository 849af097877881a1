from typing import Any

from django.apps import AppConfig


class QsepConfig(AppConfig):
    name = "qsep"
    verbose_name = "QSEP training"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_save

        from harp.models import User
        from harp.selectors import profile_section_register
        from qsep.profile import training_section

        profile_section_register(training_section)
        _helpdesk_queue_register()
        from harp.dashboard import audience_choices_register, audience_provider_register
        from qsep import audiences

        audience_provider_register(audiences.learner_audiences)
        audience_provider_register(audiences.state_audiences)
        audience_choices_register(audiences.state_audience_choices)
        # Find by Learner sorts by copies of the name and user ID (see
        # LearnerProfile); harp does not know about them, so qsep listens.
        post_save.connect(
            _user_saved, sender=User, dispatch_uid="qsep-learner-profile-refresh"
        )
        user_logged_in.connect(
            _user_signed_in, dispatch_uid="qsep-learner-last-activity"
        )
        _public_page_cache_invalidation_connect()


def _public_page_cache_invalidation_connect() -> None:
    """The anonymous catalog, course and verification pages are cached
    (harp.page_cache); every change to what they show forgets them."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from harp.page_cache import certificate_page_invalidate, public_pages_invalidate
    from qsep import models

    shown = (
        models.Course,
        models.Category,
        models.ProviderType,
        models.TrainingPlan,
        models.PlanCourse,
        models.Module,
        models.Question,
    )
    for model in shown:
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(
                public_pages_invalidate,
                sender=model,
                dispatch_uid=f"qsep-public-pages-{name}-{model.__name__}",
            )
    for field in ("categories", "provider_types", "prerequisites"):
        m2m_changed.connect(
            public_pages_invalidate,
            sender=getattr(models.Course, field).through,
            dispatch_uid=f"qsep-public-pages-m2m-{field}",
        )

    def certificate_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        certificate_page_invalidate(code=instance.code)

    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(
            certificate_changed,
            sender=models.Certificate,
            weak=False,
            dispatch_uid=f"qsep-public-pages-certificate-{name}",
        )


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    watched = {"first_name", "middle_name", "last_name", "username"}
    if created or (update_fields is not None and not watched & set(update_fields)):
        return
    from qsep.services.learners import learner_profile_refresh

    learner_profile_refresh(user=instance)


def _user_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from qsep.middleware import PROFILE_REVIEW_SESSION_KEY
    from qsep.selectors.profile_review import learner_profile_review_due
    from qsep.services.learners import learner_activity_record

    learner_activity_record(user=user)
    # A surveyor due for the annual review sees the review page before any other
    # (qsep.middleware); checked once here, not on every request.
    if request is not None and learner_profile_review_due(user=user):
        request.session[PROFILE_REVIEW_SESSION_KEY] = True


def _helpdesk_queue_register() -> None:
    import datetime

    from django.utils import timezone

    from harp.helpdesk import HelpDeskQueue, count_capped, helpdesk_queue_register
    from qsep.models import LearnerTransfer

    def recent() -> int:
        since = timezone.now() - datetime.timedelta(days=30)
        return count_capped(LearnerTransfer.objects.filter(transferred_at__gte=since))

    helpdesk_queue_register(
        HelpDeskQueue(
            key="transfers",
            title="Transfers",
            description="Move a learner to another State Agency; their training "
            "history moves with them.",
            url_name="helpdesk:transfers",
            permission="qsep.transfer_learner",
            count=recent,
            count_label="in the last 30 days",
            position=30,
        )
    )
