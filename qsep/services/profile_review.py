"""The annual profile review: employment and provider/survey types, confirmed yearly.

Rules kept here:
- A learner's employment type is one of `EmploymentType`; State, Federal and
  contract surveyors (`SURVEYOR_TYPES`) name at least one provider/survey type.
- Saving the page, changed or not, is the yearly confirmation: it records
  `profile_reviewed_at`, which ends the sign-in redirect for this cycle.
- From `PROFILE_REVIEW_DATE` each year, every surveyor who has not confirmed since
  is emailed once for that year (`review_requested_for`), however often and however
  many at once the run is started.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.template import loader
from django.utils import timezone

from harp.models import User
from harp.services import audit_event_record, outbox_messages_create_bulk
from qsep.models import SURVEYOR_TYPES, EmploymentType, LearnerProfile, ProviderType
from qsep.review_cycle import profile_review_cycle_start
from qsep.selectors.profile_review import learner_profiles_review_due
from qsep.services.learners import learner_profile_ensure

logger = logging.getLogger(__name__)

EMAIL_TEMPLATE = "qsep/email/profile_review.txt"
EMAIL_SUBJECT = "Review your employment and provider/survey types"


class ProfileReviewError(Exception):
    """An employment profile the rules refuse; the message says what to fix."""


class ProfileReviewAction:
    EMPLOYMENT_UPDATED = "qsep.employment_updated"
    REVIEW_CONFIRMED = "qsep.profile_review_confirmed"


def _employment_problems(
    *, employment_type: str, survey_type_ids: Iterable[int]
) -> str | None:
    if employment_type not in EmploymentType.values:
        return "Choose your employment type."
    if employment_type in SURVEYOR_TYPES and not list(survey_type_ids):
        return "Surveyors choose at least one provider/survey type."
    return None


def _locked_profile(*, user: User) -> LearnerProfile:
    learner_profile_ensure(user=user)
    return LearnerProfile.objects.select_for_update(of=("self",)).get(user=user)


@transaction.atomic
def learner_profile_review_confirm(
    *, user: User, request: HttpRequest | None = None
) -> LearnerProfile:
    """Record that the person confirmed their employment profile as it is, now.

    Refused while the profile is incomplete (no employment type, or a surveyor
    with no provider/survey type): there would be nothing true to confirm.
    """
    profile = _locked_profile(user=user)
    problem = _employment_problems(
        employment_type=profile.employment_type,
        survey_type_ids=profile.survey_types.values_list("pk", flat=True),
    )
    if problem:
        raise ProfileReviewError(problem)
    profile.profile_reviewed_at = timezone.now()
    profile.save(update_fields=["profile_reviewed_at"])
    audit_event_record(
        action=ProfileReviewAction.REVIEW_CONFIRMED,
        actor=user,
        target=profile,
        request=request,
        details={"employment_type": profile.employment_type},
    )
    return profile


@transaction.atomic
def learner_employment_update(
    *,
    user: User,
    employment_type: str,
    survey_types: Iterable[ProviderType],
    request: HttpRequest | None = None,
) -> LearnerProfile:
    """Save the person's employment type and provider/survey types and confirm them.

    The profile is made first if the person never had one. Saving unchanged values
    is the yearly confirmation on its own.
    """
    chosen = {survey_type.pk for survey_type in survey_types}
    problem = _employment_problems(
        employment_type=employment_type, survey_type_ids=chosen
    )
    if problem:
        raise ProfileReviewError(problem)
    if len(chosen) != ProviderType.objects.filter(pk__in=chosen).count():
        raise ProfileReviewError("Choose provider/survey types from the list.")
    profile = _locked_profile(user=user)
    before = set(profile.survey_types.values_list("pk", flat=True))
    if profile.employment_type == employment_type and before == chosen:
        return learner_profile_review_confirm(user=user, request=request)
    old_type = profile.employment_type
    profile.employment_type = employment_type
    profile.profile_reviewed_at = timezone.now()
    profile.full_clean(
        exclude=[
            field.name
            for field in LearnerProfile._meta.concrete_fields
            if field.name not in {"employment_type", "profile_reviewed_at"}
        ]
    )
    profile.save(update_fields=["employment_type", "profile_reviewed_at"])
    profile.survey_types.set(chosen)
    audit_event_record(
        action=ProfileReviewAction.EMPLOYMENT_UPDATED,
        actor=user,
        target=profile,
        request=request,
        details={
            "employment_type": {"from": old_type, "to": employment_type},
            "survey_types_added": sorted(chosen - before),
            "survey_types_removed": sorted(before - chosen),
        },
    )
    return profile


def profile_review_emails_queue(
    *, today: datetime.date | None = None, batch_size: int = 1000
) -> int:
    """Email every surveyor due for this year's review, once each; return how many.

    Nothing is sent before `PROFILE_REVIEW_DATE` of the current year. Surveyors are
    walked in batches along the partial index on (review_requested_for, id): one
    group per stored year value (never asked, an earlier year), each by keyset on
    id, so only one batch is ever in memory. Each batch commits on its own: its
    rows are marked with the year by a conditional UPDATE that returns the rows it
    changed, and exactly those people's emails are written to the outbox in the
    same transaction. Runs at once share the work (each skips the batches the
    others hold) and never email anyone twice (a second UPDATE finds the rows
    marked); a run that stops half-way leaves the finished batches marked and the
    next run goes on from there.

    People with no email address or a deactivated account are marked but not
    emailed; the sign-in redirect still asks them.

    Deliberately not atomic as a whole: a million people must not be one
    transaction, and a crash must keep the batches already done.
    """
    today = today or timezone.localdate()
    cycle_start = profile_review_cycle_start(today)
    if cycle_start.year != today.year:
        return 0
    year = cycle_start.year
    template = loader.get_template(EMAIL_TEMPLATE)
    queued = 0
    group: int | None = None  # NULL first: people never asked
    while True:
        after_id = 0
        while True:
            ids, queued_now = _profile_review_batch_queue(
                today=today,
                year=year,
                group=group,
                after_id=after_id,
                batch_size=batch_size,
                template=template,
            )
            queued += queued_now
            if len(ids) < batch_size:
                break
            after_id = ids[-1]
        group = _next_year_group(year=year, after=group)
        if group is None:
            return queued


def _surveyors() -> Q:
    # Spelled out so the planner matches the partial index's condition.
    return Q(employment_type__in=[str(value) for value in SURVEYOR_TYPES])


def _next_year_group(*, year: int, after: int | None) -> int | None:
    """The next stored `review_requested_for` value other than `year`, if any."""
    groups = LearnerProfile.objects.filter(
        _surveyors(), review_requested_for__isnull=False
    ).exclude(review_requested_for=year)
    if after is not None:
        groups = groups.filter(review_requested_for__gt=after)
    return (
        groups.order_by("review_requested_for")
        .values_list("review_requested_for", flat=True)
        .first()
    )


@transaction.atomic
def _profile_review_batch_queue(
    *,
    today: datetime.date,
    year: int,
    group: int | None,
    after_id: int,
    batch_size: int,
    template: Any,
) -> tuple[list[int], int]:
    """Mark one batch of due surveyors for `year` and write their emails.

    Returns the ids looked at (for the keyset) and how many emails were written.
    """
    due = learner_profiles_review_due(today=today).filter(id__gt=after_id)
    due = (
        due.filter(review_requested_for__isnull=True)
        if group is None
        else due.filter(review_requested_for=group)
    )
    # SKIP LOCKED (PostgreSQL): runs side by side take different batches instead
    # of waiting for each other's; the UPDATE below is what rules out duplicates.
    rows = list(
        due.select_for_update(skip_locked=True, of=("self",))
        .order_by("id")
        .values_list(
            "id", "user__email", "user__first_name", "user__username", "user__is_active"
        )[:batch_size]
    )
    if not rows:
        return [], 0
    ids = [row[0] for row in rows]
    marked = _mark_requested(ids=ids, year=year)
    messages = []
    for pk, email, first_name, username, is_active in rows:
        if pk not in marked or not email or not is_active:
            continue
        body = template.render(
            {
                "portal_name": settings.PORTAL_NAME,
                "help_desk_email": settings.HELP_DESK_EMAIL,
                "help_desk_phone": settings.HELP_DESK_PHONE,
                "first_name": first_name,
                "user_id": username,
                "year": year,
            }
        )
        messages.append(
            {
                "to": [email],
                "subject": f"[{settings.PORTAL_NAME}] {EMAIL_SUBJECT}",
                "body": body,
            }
        )
    return ids, outbox_messages_create_bulk(messages=messages)


def _mark_requested(*, ids: list[int], year: int) -> set[int]:
    """Set `review_requested_for` on the rows not yet marked; return those changed.

    UPDATE ... RETURNING (PostgreSQL, SQLite 3.35+): the rows another run marked
    first, even at the same moment, are not returned, so nobody is emailed twice.
    """
    table = connection.ops.quote_name(LearnerProfile._meta.db_table)
    column = connection.ops.quote_name("review_requested_for")
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s "  # noqa: S608 (names quoted, values bound)
            f"WHERE id IN ({placeholders}) AND ({column} IS NULL OR {column} <> %s) "
            "RETURNING id",
            [year, *ids, year],
        )
        return {row[0] for row in cursor.fetchall()}
