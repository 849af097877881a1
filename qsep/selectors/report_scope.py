"""The scope of the coordinators' reports and their signed keyset cursors.

Scope: a coordinator sees the learners whose State Agency is in one of their
states (`coordinator_states`: their own plus proxy states); a superuser sees every
learner, including those with no State Agency. `report_scope` turns the states
into State Agency rows in one query, and every report filters on those ids.

A cursor is the position of the row a page starts after (its sort value and id),
signed with django.core.signing so that it cannot be forged; anything else is a
BadCursor and the page answers 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core import signing
from django.db import connections, router
from django.db.models import (
    BooleanField,
    F,
    Func,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from harp.models import User
from iqies_roles.models import Organization
from qsep.models import LearnerProfile
from qsep.selectors import coordinator_agencies

# Rows on a report page, and rows read per statement by a CSV export.
PAGE_SIZE = 50
EXPORT_BATCH = 2000


class ReportOutOfScope(Exception):
    """A state, learner or cursor the coordinator may not see: the page is a 404."""


class BadCursor(ReportOutOfScope):
    """A cursor that was not made by this portal for this report and sort."""


@dataclass(frozen=True)
class Agency:
    id: int
    name: str
    state: str


@dataclass(frozen=True)
class ReportScope:
    """The State Agencies whose learners a coordinator sees in a report.

    `agencies` are in name order (then id): the order of the location column.
    `unassigned` adds learners with no State Agency (superusers only, and only
    when no single state is chosen).
    """

    agencies: tuple[Agency, ...]
    unassigned: bool = False
    every_state: bool = False
    # The states the coordinator may choose from (before any `state` narrowing).
    choices: tuple[Agency, ...] = ()

    def profiles(self) -> QuerySet[LearnerProfile]:
        """Every learner profile in scope (for look-ups of one learner)."""
        in_scope = Q(state_agency_id__in=[agency.id for agency in self.agencies])
        if self.unassigned:
            in_scope |= Q(state_agency__isnull=True)
        return LearnerProfile.objects.filter(in_scope)


def report_scope(*, coordinator: User, state: str = "") -> ReportScope | None:
    """The coordinator's scope, narrowed to one state when `state` is given.

    None: the user coordinates no State Agency (the page answers 403). A `state` outside
    the scope raises ReportOutOfScope (404), as does a state with no State Agency.
    """
    every_state = coordinator.is_superuser
    rows = tuple(
        Agency(id=pk, name=name, state=code)
        for pk, name, code in _agency_rows(coordinator)
    )
    if not rows and not every_state:
        return None
    if state:
        chosen = tuple(agency for agency in rows if agency.state == state)
        if not chosen:
            raise ReportOutOfScope(state)
        return ReportScope(agencies=chosen, every_state=every_state, choices=rows)
    return ReportScope(
        agencies=rows,
        unassigned=every_state,
        every_state=every_state,
        choices=rows,
    )


def _agencies(coordinator: User) -> Any:
    return (
        coordinator_agencies(coordinator=coordinator)
        .order_by("name", "pk")
        .values_list("pk", "name", "state")
    )


# Composing `coordinator_agencies` (two subqueries, an EXISTS) cost more Python
# than the database spends on it, on every report page. So, as harp.messages does
# for My Dashboard, the statement of a coordinator who is not a superuser is
# composed once per worker, for two made-up people: the parameters that are a
# person's id are slots filled in per request, today's date (a proxy in force) a
# slot filled with today, and the rest must be the same in both, else the
# statement is composed each time.
@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    users: tuple[int, ...]
    days: tuple[int, ...]


_statements: dict[str, _Statement] = {}


def _probe(n: int) -> User:
    person = User(pk=-7_900_000_000 - n, is_superuser=False)
    person._state.adding = False
    return person


def _compile(alias: str) -> _Statement | None:
    ops = connections[alias].ops
    today = timezone.localdate()
    compiled = []
    for n in (1, 2):
        person = _probe(n)
        sql, params = _agencies(person).query.sql_with_params()
        compiled.append((person, sql, tuple(params)))
    if timezone.localdate() != today:
        return None  # midnight passed while composing: try again next time
    (p1, sql, params), (p2, sql2, params2) = compiled
    if sql != sql2 or len(params) != len(params2):
        return None
    days_as = {today, ops.adapt_datefield_value(today)}
    users, days = [], []
    for i, (a, b) in enumerate(zip(params, params2, strict=True)):
        if (a, b) == (p1.pk, p2.pk):
            users.append(i)
        elif a != b:
            return None
        elif isinstance(a, dt.date | str) and a in days_as:
            days.append(i)
    return _Statement(sql, params, tuple(users), tuple(days))


def _agency_rows(coordinator: User) -> list[tuple[int, str, str]]:
    """(id, name, state) of the coordinator's State Agencies, by name then id."""
    if coordinator.is_superuser:
        return list(_agencies(coordinator))
    alias = router.db_for_read(Organization)
    statement = _statements.get(alias)
    if statement is None:
        statement = _compile(alias)
        if statement is None:
            return list(_agencies(coordinator))
        _statements[alias] = statement
    connection = connections[alias]
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    params = list(statement.params)
    for i in statement.users:
        params[i] = coordinator.pk
    for i in statement.days:
        params[i] = today
    with connection.cursor() as db:
        db.execute(statement.sql, params)
        return [(row[0], row[1], row[2]) for row in db.fetchall()]


# --- Keyset cursors ----------------------------------------------------------

_CURSOR_SALT = "qsep.reports.cursor"


@dataclass(frozen=True)
class Position:
    """Where a page starts or ends: the row's sort value, its id and, for the
    location sort, its State Agency."""

    value: Any
    id: int
    agency_id: int | None = None


@dataclass(frozen=True)
class Cursor:
    report: str
    sort: str
    forward: bool
    position: Position
    offset: int

    def sign(self) -> str:
        value = self.position.value
        if isinstance(value, datetime):
            value = value.isoformat()
        return signing.dumps(
            {
                "r": self.report,
                "s": self.sort,
                "f": self.forward,
                "v": value,
                "i": self.position.id,
                "a": self.position.agency_id,
                "o": self.offset,
            },
            salt=_CURSOR_SALT,
            compress=True,
        )


def cursor_read(
    token: str, *, report: str, sort: str, value_type: type = str
) -> Cursor:
    """The cursor a page link carries; BadCursor for anything this portal did not
    sign for this report and sort."""
    try:
        data = signing.loads(token, salt=_CURSOR_SALT)
        if data["r"] != report or data["s"] != sort:
            raise BadCursor("cursor of another report or sort")
        value = data["v"]
        if value_type is datetime:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise BadCursor("naive datetime")
        elif type(value) is not value_type:
            raise BadCursor("a value of another type")
        agency_id = data["a"]
        if agency_id is not None and type(agency_id) is not int:
            raise BadCursor("bad agency")
        if type(data["i"]) is not int or type(data["o"]) is not int:
            raise BadCursor("bad id")
        return Cursor(
            report=report,
            sort=sort,
            forward=bool(data["f"]),
            position=Position(value=value, id=data["i"], agency_id=agency_id),
            offset=max(data["o"], 0),
        )
    except BadCursor:
        raise
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise BadCursor(str(error)) from error


def row_compare(columns: Sequence[str], values: Sequence[Any], op: str) -> Func:
    """(column1, column2) > (value1, value2): the row comparison that lets
    PostgreSQL start the index scan at the cursor (SQLite understands it too)."""
    lhs = Func(*[F(c) for c in columns], template="(%(expressions)s)")
    rhs = Func(
        *[v if hasattr(v, "resolve_expression") else Value(v) for v in values],
        template="(%(expressions)s)",
    )
    return Func(
        lhs,
        rhs,
        template="%(expressions)s",
        arg_joiner=f" {op} ",
        output_field=BooleanField(),
    )
