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
        # Find by Learner sorts by copies of the name and user ID (see
        # LearnerProfile); harp does not know about them, so qsep listens.
        post_save.connect(
            _user_saved, sender=User, dispatch_uid="qsep-learner-profile-refresh"
        )
        user_logged_in.connect(
            _user_signed_in, dispatch_uid="qsep-learner-last-activity"
        )


def _user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    watched = {"first_name", "middle_name", "last_name", "username"}
    if created or (update_fields is not None and not watched & set(update_fields)):
        return
    from qsep.services.learners import learner_profile_refresh

    learner_profile_refresh(user=instance)


def _user_signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from qsep.services.learners import learner_activity_record

    learner_activity_record(user=user)
