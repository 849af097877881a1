"""Find by Learner: search, sort by any column both ways, keyset pages, CSV.

Scope comes from `qsep.selectors.report_scope` (the coordinator's State
Agencies); every read here filters on those ids.

Speed: Find by Learner answers at a million learners through keyset pagination,
never OFFSET and never a count of the result. Each sort column has an index
(state_agency, column, id) on LearnerProfile, so the page is one SQL statement: a
UNION ALL with one branch per State Agency,

    SELECT rank, key, id FROM (
        SELECT key, id FROM qsep_learnerprofile
        WHERE state_agency_id = X [AND search] [AND (key, id) > (cursor)]
        ORDER BY key, id LIMIT n + 1
    ) ...
    UNION ALL ... ORDER BY rank, key, id LIMIT n + 1

each branch walking its own index from the cursor. The branches are built by the
ORM; only the UNION ALL around them is written here, because Django refuses
sliced queries inside a union on SQLite and the statement must run on both. The
rows of the page are then read by primary key with their user, facility and
State Agency: two statements per page whatever the size.

Sorting by location orders by (State Agency name, name, id). Inside one branch
the agency is constant, so the branches carry their agency's rank in name order
and the outer ORDER BY starts with it; a cursor remembers its row's agency.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BigIntegerField,
    F,
    Q,
    Value,
)
from django.db.models.functions import Lower

from harp.models import User
from iqies_roles.ccn import normalize_ccn
from iqies_roles.models import Organization
from qsep.models import LearnerProfile
from qsep.selectors.report_scope import (
    EXPORT_BATCH,
    PAGE_SIZE,
    BadCursor,
    Cursor,
    Position,
    ReportOutOfScope,
    ReportScope,
    cursor_read,
    row_compare,
)

# Sort parameter -> the LearnerProfile column it orders by (then by id).
SORT_COLUMNS = {
    "name": "sort_name",
    "user_id": "user_key",
    "location": "sort_name",  # after the State Agency's name, see module docstring
    "facility": "facility_sort",
    "completed": "courses_completed",
    "activity": "last_activity_at",
}
SORTS = tuple(SORT_COLUMNS) + tuple(f"-{key}" for key in SORT_COLUMNS)
DEFAULT_SORT = "name"

SEARCH_FIELDS = ("name", "user_id", "email", "ccn")


# --- Search ------------------------------------------------------------------

_SPACES = re.compile(r"[\s,]+")


def _prefix(column: str, text: str) -> Q:
    """`column` starts with `text`, as the range text <= column < text with its
    last character incremented, which the B-tree on (state_agency, column, id)
    walks directly. The range is exactly "starts with" under a code-point
    collation: SQLite's, and on PostgreSQL the "C" that qsep's migration 0005
    gives these columns whatever the database's default; a
    LIKE next to it would change nothing there but would make PostgreSQL
    underestimate the matches and choose slow plans.
    """
    upper = text[:-1] + chr(ord(text[-1]) + 1)
    return Q(**{f"{column}__gte": text, f"{column}__lt": upper})


@dataclass(frozen=True)
class LearnerSearch:
    """A Find by Learner search: its filter, and the column whose range it walks
    ("" for the look-ups of one user or one facility)."""

    filter: Q
    column: str = ""


# A search that matches nobody: each branch is skipped without a statement.
_NOBODY = Q(pk__in=[])


def learner_search_filter(*, field: str, text: str) -> LearnerSearch:
    """The Find by Learner search as a filter on LearnerProfile.

    name: the stored "last first middle" starts with the text ("smith",
    "smith j"); user_id: the user ID starts with it; email: the whole address,
    without case; ccn: learners at the facility with that CCN. The email and the
    CCN are looked up first (one indexed query), so that every branch of the page
    filters on a known id.
    """
    if field == "name":
        name = _SPACES.sub(" ", text).strip().lower()
        return LearnerSearch(_prefix("sort_name", name), "sort_name")
    if field == "user_id":
        return LearnerSearch(_prefix("user_key", text.strip().lower()), "user_key")
    if field == "email":
        user_id = (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower=text.strip().lower())
            .exclude(email="")
            .values_list("pk", flat=True)
            .first()
        )
        return LearnerSearch(Q(user_id=user_id) if user_id else _NOBODY)
    if field == "ccn":
        facility_id = (
            Organization.objects.filter(ccn=normalize_ccn(text))
            .values_list("pk", flat=True)
            .first()
        )
        return LearnerSearch(Q(facility_id=facility_id) if facility_id else _NOBODY)
    raise ValueError(f"Unknown search field {field!r}")


# --- Find by Learner -----------------------------------------------------------


@dataclass
class LearnerPage:
    rows: list[LearnerRow]
    start: int = 0  # 1-based number of the first row, 0 when empty
    next_cursor: str = ""
    previous_cursor: str = ""
    sort: str = DEFAULT_SORT

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0


# A LIMIT no result reaches: it keeps PostgreSQL from merging a search into the
# ORDER BY around it (see `_branches`).
_FENCE = 1_000_000_000


def _branches(
    *,
    scope: ReportScope,
    search: LearnerSearch | None,
    sort: str,
    ascending: bool,
    after: Position | None,
    limit: int,
) -> tuple[str, list[Any]]:
    """The UNION ALL statement for one keyset page, and its parameters.

    A search on another column than the sort's (names sorted by last activity)
    is evaluated first, through its own index, and only its matches are sorted:
    the cost follows the number of matches. Left to itself PostgreSQL would walk
    the sort's index and filter, which reads the whole state when a name common
    elsewhere has few matches there.
    """
    key = sort.lstrip("-")
    column = SORT_COLUMNS[key]
    op = ">" if ascending else "<"
    direction = "ASC" if ascending else "DESC"
    groups: list[int | None] = [agency.id for agency in scope.agencies]
    if scope.unassigned:
        groups.append(None)  # learners with no State Agency: last in location order
    by_location = key == "location"
    fenced = search is not None and search.column not in ("", column)
    after_rank = None
    if after is not None and by_location:
        if after.agency_id not in groups:
            raise BadCursor("agency out of scope")
        after_rank = groups.index(after.agency_id)
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for rank, agency_id in enumerate(groups):
        branch = (
            LearnerProfile.objects.filter(state_agency_id=agency_id)
            if agency_id is not None
            else LearnerProfile.objects.filter(state_agency__isnull=True)
        )
        if search is not None:
            branch = branch.filter(search.filter)
        if after is not None:
            keyset = row_compare(
                (column, "id"), (after.value, Value(after.id, BigIntegerField())), op
            )
            if after_rank is not None:
                before = rank < after_rank if ascending else rank > after_rank
                if before:
                    continue  # every row of this agency comes before the cursor
                if rank == after_rank:
                    branch = branch.filter(keyset)
            else:
                branch = branch.filter(keyset)
        alias = f"b{rank}"
        try:
            if fenced:
                inner = branch.order_by().values_list(column, "id")[:_FENCE]
                sql, branch_params = inner.query.sql_with_params()
                # Column names from SORT_COLUMNS, quoted; numbers formatted by us.
                sql = (
                    f"SELECT f.{quote(column)}, f.{quote('id')} FROM ({sql}) f "  # noqa: S608
                    f"ORDER BY f.{quote(column)} {direction}, f.{quote('id')} "
                    f"{direction} LIMIT {int(limit)}"
                )
            else:
                order = (
                    (F(column).asc(), F("id").asc())
                    if ascending
                    else (
                        F(column).desc(),
                        F("id").desc(),
                    )
                )
                ordered = branch.order_by(*order).values_list(column, "id")[:limit]
                sql, branch_params = ordered.query.sql_with_params()
        except EmptyResultSet:
            continue  # a search that matches nobody (an unknown CCN or email)
        # As above: no text from the request is written into the statement.
        parts.append(
            f"SELECT {int(rank) if by_location else 0} AS report_rank, "  # noqa: S608
            f"{alias}.{quote(column)} AS report_key, {alias}.{quote('id')} AS id "
            f"FROM ({sql}) {alias}"
        )
        params.extend(branch_params)
    if not parts:
        return "", []
    rank_order = f"report_rank {direction}, " if by_location else ""
    statement = (
        " UNION ALL ".join(parts)
        + f" ORDER BY {rank_order}report_key {direction}, id {direction} LIMIT %s"
    )
    params.append(limit)
    return statement, params


def _page_ids(
    *,
    scope: ReportScope,
    search: LearnerSearch | None,
    sort: str,
    ascending: bool,
    after: Position | None,
    limit: int,
) -> list[int]:
    statement, params = _branches(
        scope=scope,
        search=search,
        sort=sort,
        ascending=ascending,
        after=after,
        limit=limit,
    )
    if not statement:
        return []
    with connection.cursor() as db:
        db.execute(statement, params)
        return [row[2] for row in db.fetchall()]


# What a report row shows and its keyset position needs, and nothing else. Rows
# are read as values, not model instances: building a User, a profile and two
# organizations for each of 50 rows (or 100,000 in an export) was most of a
# page's time.
ROW_FIELDS = (
    "id",
    "user_id",
    "state_agency_id",
    "sort_name",
    "user_key",
    "facility_sort",
    "courses_completed",
    "last_activity_at",
    "user__username",
    "user__email",
    "user__first_name",
    "user__middle_name",
    "user__last_name",
    "facility__name",
    "facility__ccn",
    "state_agency__name",
    "state_agency__state",
)


def listed_name(last: str, first: str, middle: str) -> str:
    """ "Last, First Middle", as the reports list people."""
    given = " ".join(part for part in (first, middle) if part)
    return f"{last}, {given}" if given else last


@dataclass(frozen=True)
class LearnerRow:
    """One row of Find by Learner and of its CSV."""

    id: int
    user_id: int
    state_agency_id: int | None
    sort_name: str
    user_key: str
    facility_sort: str
    courses_completed: int
    last_activity_at: datetime
    username: str
    email: str
    first_name: str
    middle_name: str
    last_name: str
    facility_name: str | None
    facility_ccn: str | None
    agency_name: str | None
    agency_state: str | None

    @property
    def name(self) -> str:
        return listed_name(self.last_name, self.first_name, self.middle_name)

    @property
    def pk(self) -> int:
        return self.id


def _profiles_in_order(ids: list[int]) -> list[LearnerRow]:
    if not ids:
        return []
    by_id = {
        values[0]: LearnerRow(*values)
        for values in LearnerProfile.objects.filter(pk__in=ids).values_list(*ROW_FIELDS)
    }
    return [by_id[pk] for pk in ids if pk in by_id]


def _value_type(sort: str) -> type:
    column = SORT_COLUMNS[sort.lstrip("-")]
    return {"courses_completed": int, "last_activity_at": datetime}.get(column, str)


def _position(profile: LearnerProfile | LearnerRow, sort: str) -> Position:
    column = SORT_COLUMNS[sort.lstrip("-")]
    return Position(
        value=getattr(profile, column),
        id=profile.pk,
        agency_id=profile.state_agency_id,
    )


def learner_find(
    *,
    scope: ReportScope,
    search: LearnerSearch | None = None,
    sort: str = DEFAULT_SORT,
    cursor: str = "",
    per_page: int = PAGE_SIZE,
) -> LearnerPage:
    """One page of Find by Learner in the coordinator's scope.

    A forged or garbled cursor raises BadCursor (the page answers 404).
    """
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r}")
    ascending = not sort.startswith("-")
    position = None
    forward = True
    offset = 0
    if cursor:
        read = cursor_read(
            cursor, report="learners", sort=sort, value_type=_value_type(sort)
        )
        position, forward, offset = read.position, read.forward, read.offset
    ids = _page_ids(
        scope=scope,
        search=search,
        sort=sort,
        ascending=ascending if forward else not ascending,
        after=position,
        limit=per_page + 1,
    )
    more = len(ids) > per_page
    ids = ids[:per_page]
    if not forward:
        ids.reverse()
    rows = _profiles_in_order(ids)
    page = LearnerPage(rows=rows, sort=sort)
    if not rows:
        return page
    if forward:
        has_next, has_previous = more, position is not None
    else:
        has_next, has_previous = True, more
        if not more:
            offset = 0  # back at the first page, whatever the count said
    page.start = offset + 1
    if has_next:
        page.next_cursor = Cursor(
            "learners", sort, True, _position(rows[-1], sort), offset + per_page
        ).sign()
    if has_previous:
        page.previous_cursor = Cursor(
            "learners", sort, False, _position(rows[0], sort), max(offset - per_page, 0)
        ).sign()
    return page


def learner_export(
    *,
    scope: ReportScope,
    search: LearnerSearch | None = None,
    sort: str = DEFAULT_SORT,
    batch: int = EXPORT_BATCH,
) -> Iterator[LearnerRow]:
    """Every learner of the result, in order, read `batch` rows at a time by keyset:
    memory stays flat whatever the size of the result."""
    if sort not in SORTS:
        raise ValueError(f"Unknown sort {sort!r}")
    ascending = not sort.startswith("-")
    position: Position | None = None
    while True:
        ids = _page_ids(
            scope=scope,
            search=search,
            sort=sort,
            ascending=ascending,
            after=position,
            limit=batch,
        )
        rows = _profiles_in_order(ids)
        yield from rows
        if len(ids) < batch or not rows:
            return
        position = _position(rows[-1], sort)


def learner_get_in_scope(*, scope: ReportScope, user_id: int) -> LearnerProfile:
    """One learner of the scope with their user, facility and State Agency;
    ReportOutOfScope for anyone else (the page answers 404)."""
    profile = (
        scope.profiles()
        .filter(user_id=user_id)
        .select_related("user", "facility", "state_agency")
        .first()
    )
    if profile is None:
        raise ReportOutOfScope(user_id)
    return profile
