"""Reads of My Dashboard messages: one person's list, one page, the unread count.

A person sees their own messages and the broadcasts for the audiences they belong
to (`harp.dashboard`). Both halves are read through their own index and joined
with UNION ALL, so one page is one query whatever the size of the table, and the
header's count is one capped query, kept in the cache between changes
(`dashboard_unread_count_cached`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connections, router, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from harp.dashboard import _providers as dashboard_providers
from harp.dashboard import audience_sources
from harp.generational_cache import (
    generation_cached,
    generation_forget,
    generation_new,
)
from harp.keyset import DateIdCursor, url_pk
from harp.models import DashboardMessage, DashboardMessageRead, User

Show = Literal["all", "read", "unread"]
SHOW_CHOICES: tuple[Show, ...] = ("all", "unread", "read")
PAGE_SIZE = 25
# The header counts unread messages up to here and shows "99+" beyond.
UNREAD_CAP = 100
# The header's count is cached per person this long. A new message to them, or
# their marking one, forgets it at once; a new broadcast changes the generation
# every cached count is checked against. Joining an audience (a new role, a
# transfer) shows in the header within this time; the dashboard is always exact.
UNREAD_CACHE_SECONDS = 60
_BROADCAST_GENERATION = "harp:dashboard:broadcast-generation"


def message_pk(value: object) -> int | None:
    """A message id from a URL or a form, or None if it cannot be one."""
    return url_pk(value)


def _audience_filter(*, user: User) -> Q:
    query = Q()
    for source in audience_sources(user=user):
        query |= Q(audience__in=source if isinstance(source, QuerySet) else [*source])
    return query


def _parts(*, user: User) -> tuple[QuerySet, QuerySet]:
    """The person's own messages and the broadcasts meant for them, each with
    `is_read`; ordering cleared so the two can be combined."""
    is_read = Exists(
        DashboardMessageRead.objects.filter(user=user, message=OuterRef("pk"))
    )
    own = DashboardMessage.objects.filter(recipient=user)
    broadcasts = DashboardMessage.objects.filter(recipient__isnull=True).filter(
        _audience_filter(user=user)
    )
    return (
        own.annotate(is_read=is_read).order_by(),
        broadcasts.annotate(is_read=is_read).order_by(),
    )


def _shown(queryset: QuerySet, show: str) -> QuerySet:
    if show == "read":
        return queryset.filter(is_read=True)
    if show == "unread":
        return queryset.filter(is_read=False)
    return queryset


def dashboard_message_visible(*, user: User) -> Q:
    """The messages this person may see, as a filter on DashboardMessage."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    return Q(recipient=user) | (Q(recipient__isnull=True) & _audience_filter(user=user))


def dashboard_message_get(*, user: User, message_id: object) -> DashboardMessage | None:
    """One message the person may see, by id; None for anything else (a forged id)."""
    pk = message_pk(message_id)
    if pk is None or not user.is_authenticated:
        return None
    return (
        DashboardMessage.objects.filter(pk=pk)
        .filter(dashboard_message_visible(user=user))
        .first()
    )


def dashboard_message_list(*, user: User, show: str = "all") -> QuerySet:
    """The person's messages, newest first, each with `is_read`: one query.

    `show` is "all", "read" or "unread"; anything else is "all".
    """
    own, broadcasts = _parts(user=user)
    return (
        _shown(own, show)
        .union(_shown(broadcasts, show), all=True)
        .order_by("-created_at", "-id")
    )


class Cursor(DateIdCursor):
    """Where a page starts: just past the message with this date and id."""

    @classmethod
    def of(cls, message: DashboardMessage) -> Cursor:
        return cls(created_at=message.created_at, pk=message.pk)


@dataclass(frozen=True)
class MessagePage:
    messages: list[DashboardMessage]
    older: Cursor | None
    newer: Cursor | None


def _page_query(
    *,
    user: User,
    show: str,
    before: Cursor | None,
    after: Cursor | None,
    size: int,
) -> QuerySet:
    """One page's statement: `size + 1` rows, oldest first when `after` is given."""
    own, broadcasts = _parts(user=user)
    own, broadcasts = _shown(own, show), _shown(broadcasts, show)
    if after is not None:
        newer_than = Q(created_at__gt=after.created_at) | Q(
            created_at=after.created_at, pk__gt=after.pk
        )
        return (
            own.filter(newer_than)
            .union(broadcasts.filter(newer_than), all=True)
            .order_by("created_at", "id")[: size + 1]
        )
    if before is not None:
        older_than = Q(created_at__lt=before.created_at) | Q(
            created_at=before.created_at, pk__lt=before.pk
        )
        own, broadcasts = own.filter(older_than), broadcasts.filter(older_than)
    return own.union(broadcasts, all=True).order_by("-created_at", "-id")[: size + 1]


# Composing the page's UNION and its audience subqueries costs far more Python
# than the database spends on it, so each shape of page (filter, direction, size,
# the audience providers) is composed and compiled once per worker: twice, for two
# made-up people and cursors, and every parameter that differs between the two is
# a slot filled in per request (the person's id, the cursor's date and id); the
# rest of the statement is the same for everyone. A provider that answers with a
# plain set is asked again on every request and its answer is part of the shape.
# If the two statements differ in any other way, the page is composed each time.
_UserSlot, _DateSlot, _IdSlot = "user", "date", "id"


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[object, ...]
    slots: tuple[tuple[int, str], ...]
    compiler: object
    attnames: tuple[str, ...]


_statements: dict[tuple[object, ...], _Statement | None] = {}
_set_providers: dict[tuple[object, ...], tuple[int, ...]] = {}


def _probe(n: int) -> tuple[User, Cursor]:
    person = User(pk=-7_700_000_000 - n)
    person._state.adding = False
    moment = datetime.datetime(2001, 2, 3, 4, 5, 6, 700_000 + n, tzinfo=datetime.UTC)
    return person, Cursor(created_at=moment, pk=-7_800_000_000 - n)


def _compile(*, show: str, direction: str, size: int, alias: str) -> _Statement | None:
    compiled = []
    for n in (1, 2):
        person, cursor = _probe(n)
        query = _page_query(
            user=person,
            show=show,
            before=cursor if direction == "before" else None,
            after=cursor if direction == "after" else None,
            size=size,
        )
        compiler = query.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        compiled.append((person, cursor, compiler, sql, tuple(params)))
    (p1, c1, compiler, sql, params), (p2, c2, _, sql2, params2) = compiled
    ops = compiler.connection.ops
    if sql != sql2 or len(params) != len(params2):
        return None
    slots = []
    for i, (a, b) in enumerate(zip(params, params2, strict=True)):
        if a == b:
            continue
        if (a, b) == (p1.pk, p2.pk):
            slots.append((i, _UserSlot))
        elif (a, b) == (c1.pk, c2.pk):
            slots.append((i, _IdSlot))
        elif (a, b) == (
            ops.adapt_datetimefield_value(c1.created_at),
            ops.adapt_datetimefield_value(c2.created_at),
        ):
            slots.append((i, _DateSlot))
        else:
            return None
    columns = [column for column, _sql, _alias in compiler.select]
    fields = [getattr(column, "target", None) for column in columns[:-1]]
    attnames = tuple(field.attname for field in fields if field is not None)
    if (
        len(attnames) != len(columns) - 1
        or set(attnames) != {f.attname for f in DashboardMessage._meta.concrete_fields}
        or compiler.select[-1][2] != "is_read"
    ):
        return None
    return _Statement(sql, params, tuple(slots), compiler, attnames)


def _set_answers(key: tuple[object, ...], user: User) -> tuple[object, ...]:
    """The plain-set providers' answers for this person (see above)."""
    indexes = _set_providers.get(key)
    if indexes is None:
        person, _cursor = _probe(1)
        indexes = tuple(
            i
            for i, provider in enumerate(dashboard_providers)
            if not isinstance(provider(person), QuerySet)
        )
        _set_providers[key] = indexes
    return tuple(frozenset(dashboard_providers[i](user)) for i in indexes)


def _page_rows(
    *,
    user: User,
    show: str,
    before: Cursor | None,
    after: Cursor | None,
    size: int,
) -> list[DashboardMessage]:
    """The page's rows (`size + 1` of them, see `_page_query`), from the statement
    compiled for its shape when there is one."""
    alias = router.db_for_read(DashboardMessage)
    direction = "after" if after else "before" if before else "newest"
    providers = tuple(dashboard_providers)
    answers = _set_answers((alias, providers), user)
    shape = (alias, show, direction, size, providers, answers)
    if shape not in _statements:
        _statements[shape] = _compile(
            show=show, direction=direction, size=size, alias=alias
        )
    statement = _statements[shape]
    if statement is None:
        return list(
            _page_query(user=user, show=show, before=before, after=after, size=size)
        )
    cursor_at = after or before
    connection = connections[alias]
    values: dict[str, Any] = {_UserSlot: user.pk}
    if cursor_at is not None:
        values[_IdSlot] = cursor_at.pk
        values[_DateSlot] = connection.ops.adapt_datetimefield_value(
            cursor_at.created_at
        )
    params: list[Any] = list(statement.params)
    for i, slot in statement.slots:
        params[i] = values[slot]
    with connection.cursor() as db:
        db.execute(statement.sql, params)
        fetched = db.fetchall()
    compiler = statement.compiler
    converters = compiler.get_converters(  # type: ignore[attr-defined]
        [column for column, _sql, _alias in compiler.select]  # type: ignore[attr-defined]
    )
    if converters:
        fetched = list(compiler.apply_converters(fetched, converters))  # type: ignore[attr-defined]
    rows = []
    for row in fetched:
        message = DashboardMessage.from_db(alias, statement.attnames, row[:-1])
        message.is_read = row[-1]  # type: ignore[attr-defined]
        rows.append(message)
    return rows


def dashboard_message_page(
    *,
    user: User,
    show: str = "all",
    before: Cursor | None = None,
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> MessagePage:
    """One page of the person's messages by keyset: one query at any size.

    `before` gives the page of messages older than the cursor, `after` the page of
    messages newer than it (the "Newer" link); neither gives the newest page.
    `older` and `newer` are the cursors for the next links, None at either end.
    """
    if not user.is_authenticated:
        return MessagePage(messages=[], older=None, newer=None)
    show = show if show in SHOW_CHOICES else "all"
    if after is not None:
        before = None
    rows = _page_rows(user=user, show=show, before=before, after=after, size=size)
    if after is not None:
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return MessagePage(
            messages=rows,
            older=Cursor.of(rows[-1]) if rows else None,
            newer=Cursor.of(rows[0]) if rows and more_newer else None,
        )
    more_older = len(rows) > size
    rows = rows[:size]
    return MessagePage(
        messages=rows,
        older=Cursor.of(rows[-1]) if rows and more_older else None,
        newer=Cursor.of(rows[0]) if rows and before is not None else None,
    )


def dashboard_unread_count(*, user: User) -> int:
    """Unread messages, counted up to UNREAD_CAP so a big backlog is never scanned."""
    if not user.is_authenticated:
        return 0
    own, broadcasts = _parts(user=user)
    unread = (
        own.filter(is_read=False)
        .values("pk")
        .union(broadcasts.filter(is_read=False).values("pk"), all=True)
    )
    return unread[:UNREAD_CAP].count()


def unread_label(count: int) -> str:
    """ "3 unread", or "99+ unread" at the cap."""
    return f"{UNREAD_CAP - 1}+ unread" if count >= UNREAD_CAP else f"{count} unread"


def _unread_key(user_pk: int) -> str:
    return f"harp:dashboard:unread:{user_pk}"


def dashboard_unread_count_cached(*, user: User) -> int:
    """`dashboard_unread_count`, from the cache when nothing has changed since.

    Every signed-in page shows the count; the cache spares each of them the
    query. With the cache down, the count is read from the database.
    """
    if not user.is_authenticated:
        return 0
    return generation_cached(
        key=_unread_key(user.pk),
        generation_key=_BROADCAST_GENERATION,
        compute=lambda: dashboard_unread_count(user=user),
        timeout=UNREAD_CACHE_SECONDS,
    )


def _forget(user_pk: int) -> None:
    generation_forget(key=_unread_key(user_pk))


def _new_generation() -> None:
    generation_new(generation_key=_BROADCAST_GENERATION)


def dashboard_unread_forget(*, user_pk: int) -> None:
    """Once the caller commits, the person's cached count is recomputed."""
    transaction.on_commit(lambda: _forget(user_pk))


def dashboard_broadcast_changed() -> None:
    """Once the caller commits, every cached count is recomputed."""
    transaction.on_commit(_new_generation)
