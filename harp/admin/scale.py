"""The admin at a million rows: a count that stops, and no counts nobody asked for.

Django's changelist counts every row that matches (`paginator.count`) to show one
page of 100, and offers facet counts that count again for every filter choice. On
a table of a million users or five million enrollments each count reads the whole
table or index (issue 12: 1.6 s to 29 s a page). `CappedCountPaginator` counts at
most `COUNT_CAP` rows past the page asked for, in one
`SELECT COUNT(*) FROM (SELECT ... LIMIT n)`, so the cost follows the page, not the
table. When it stops before the end, the total it reports is a `CappedCount`: it
reads "1,000+" wherever the admin's templates print the count ("1,000+ users",
"Select all 1,000+ users", "1,000+ results"), and the page links end in "…", so
no number on the page claims more than was counted. Every page number shown
exists; the next ones appear as the reader moves on.

`BigTableAdmin` is the mixin every changelist over a table that grows with its
people uses: the capped count, no second count of the whole table, and no facet
counts. The rest of what a big table needs is each admin's own: an ordering an
index serves, `list_select_related`, raw-id widgets for foreign keys to users and
organizations, and search only where an index can answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR, SEARCH_VAR
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

# Rows counted past the start of the page asked for; a multiple of the admin's 100
# rows a page, so the last page a capped count promises is a full one.
COUNT_CAP = 1000
# A search's matches are counted less far: a common name ("smith", 1% of a
# million accounts) spreads its matches over the table, and counting 1,000 of
# them read 50,000 rows. Never at or below `list_max_show_all` (200): Django's
# changelist shows every match on one page when the count is that small.
SEARCH_COUNT_CAP = 300


class CappedCount(int):
    """A count that stopped: at least this many rows match, and more besides."""

    def __str__(self) -> str:
        return f"{int(self):,}+"

    __repr__ = __str__


def requested_page(request: HttpRequest) -> int:
    """The page the changelist will show (read as `ChangeList` reads it)."""
    try:
        return max(1, int(request.GET.get(PAGE_VAR, 1)))
    except ValueError:
        return 1


class CappedCountPaginator(Paginator):
    """Counts up to `cap` rows past the start of `page`, never the whole table."""

    def __init__(
        self,
        object_list: Any,
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
        *,
        page: int = 1,
        cap: int = COUNT_CAP,
    ) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        per = int(self.per_page)
        # The rows before the page, plus `cap` rounded up to whole pages.
        self.count_limit = (page - 1) * per + math.ceil(cap / per) * per

    @cached_property
    def count(self) -> int:
        object_list = self.object_list
        if not isinstance(object_list, QuerySet):
            return super().count
        # The order does not change a count, and without it the database need not
        # sort what it counts.
        counted = object_list.order_by()[: self.count_limit + 1].count()
        if counted > self.count_limit:
            return CappedCount(self.count_limit)
        return counted

    @property
    def is_capped(self) -> bool:
        return isinstance(self.count, CappedCount)

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not self.is_capped:
            return super().page(number)
        # More rows follow the last counted one: never shorten the last page to
        # the count (Paginator folds orphans into the last page it knows).
        bottom = (number - 1) * self.per_page
        return Page(self.object_list[bottom : bottom + self.per_page], number, self)

    def get_elided_page_range(
        self, number: int | float | str = 1, *, on_each_side: int = 3, on_ends: int = 2
    ) -> Iterator[Any]:
        yield from super().get_elided_page_range(
            number, on_each_side=on_each_side, on_ends=on_ends
        )
        if self.is_capped:
            yield self.ELLIPSIS


class BigTableAdmin:
    """A changelist over a table that grows with the people the portal serves."""

    # No second count of the whole table for "N total".
    show_full_result_count = False
    # Facets count every filter choice over the whole filtered table.
    show_facets = admin.ShowFacets.NEVER
    paginator: type[Paginator] = CappedCountPaginator
    list_max_show_all: int  # ModelAdmin's

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> CappedCountPaginator:
        return CappedCountPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            page=requested_page(request),
            cap=(
                max(SEARCH_COUNT_CAP, self.list_max_show_all + per_page)
                if request.GET.get(SEARCH_VAR)
                else COUNT_CAP
            ),
        )


SKIP_SCAN = (
    "WITH RECURSIVE v (value) AS ("
    " (SELECT {column} FROM {table} WHERE {column} IS NOT NULL"
    " ORDER BY {column} LIMIT 1)"
    " UNION ALL"
    " SELECT (SELECT {column} FROM {table} WHERE {column} > v.value"
    " ORDER BY {column} LIMIT 1) FROM v WHERE v.value IS NOT NULL"
    ") SELECT value FROM v WHERE value IS NOT NULL"
)
SKIP_SCAN_NULL = (
    " UNION ALL SELECT NULL WHERE EXISTS (SELECT 1 FROM {table} WHERE {column} IS NULL)"
)


class IndexedValuesListFilter(admin.AllValuesFieldListFilter):
    """The values a column holds, read by skipping through its B-tree index.

    Django's `AllValuesFieldListFilter` asks for `SELECT DISTINCT col` over the
    whole table: on PostgreSQL, a scan of every row or index entry for the dozen
    values of an audit event's action. Here PostgreSQL walks the index from one
    value to the next (a recursive query, one index probe per value), so the cost
    follows the number of values. The column must lead a B-tree index; elsewhere
    (SQLite) the plain DISTINCT is kept. The choices offered are the same.
    """

    def __init__(
        self,
        field: Any,
        request: HttpRequest,
        params: Any,
        model: Any,
        model_admin: Any,
        field_path: str,
    ) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        if connection.vendor != "postgresql":
            return
        # Names from the model's own options, quoted: no input reaches the SQL.
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(field.column)
        sql = SKIP_SCAN.format(table=table, column=column)
        if field.null:
            sql += SKIP_SCAN_NULL.format(table=table, column=column)
        self.lookup_choices = _SkipScan(sql)  # type: ignore[assignment]


class _SkipScan:
    """The values of one recursive query, read once, when first iterated."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self._values: list[Any] | None = None

    def __iter__(self) -> Iterator[Any]:
        if self._values is None:
            with connection.cursor() as cursor:
                cursor.execute(self.sql)
                self._values = [row[0] for row in cursor.fetchall()]
        return iter(self._values)


class RelatedLabelListFilter(admin.RelatedFieldListFilter):
    """A foreign key's filter that reads its choices as (id, label) pairs.

    Django's filter loads every related row whole to print `str()` of each: for
    the 2,000 courses of an enrollment's filter, each with its description. A
    subclass names the column `str()` prints (`label_field`); the choices, their
    order and the links are the same.
    """

    label_field = "pk"

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> Any:
        ordering = self.field_admin_ordering(field, request, model_admin)
        queryset = field.related_model._default_manager.complex_filter(
            field.get_limit_choices_to()
        )
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [
            (pk, str(label))
            for pk, label in queryset.values_list("pk", self.label_field)
        ]
