"""Who a My Dashboard broadcast reaches: audience keys and their registry.

A broadcast names one audience key instead of a recipient: "all" (every signed-in
account), "learners", "state:MD" (the learners of the Maryland State Agency),
"role:<role code>" (the holders of a role). harp knows only "all"; the apps that
stand on harp register the rest in their AppConfig.ready, as they do for My
Profile's sections, so harp imports none of them.

An audience provider answers which keys one person belongs to. It may return a
plain set, or a lazy `values_list(..., flat=True)` queryset of keys: the message
selectors then use it as a subquery, so the dashboard and the header's unread
count cost one query each whatever the number of providers, and `audience_keys`
evaluates it (one query per provider) when a caller wants the set itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import QuerySet

from harp.models import User

ALL = "all"

AudienceKeys = set[str] | QuerySet
AudienceProvider = Callable[[User], AudienceKeys]
AudienceChoices = Callable[[], Iterable[tuple[str, str]]]

_providers: list[AudienceProvider] = []
_choice_providers: list[AudienceChoices] = []


def audience_provider_register(provider: AudienceProvider) -> AudienceProvider:
    """Add a provider of the audience keys a person belongs to."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def audience_choices_register(provider: AudienceChoices) -> AudienceChoices:
    """Add a provider of (key, label) pairs that the broadcast forms offer."""
    if provider not in _choice_providers:
        _choice_providers.append(provider)
    return provider


def _everyone(user: User) -> set[str]:
    return {ALL}


def _everyone_choices() -> list[tuple[str, str]]:
    return [(ALL, "Everyone with an account")]


audience_provider_register(_everyone)
audience_choices_register(_everyone_choices)


def audience_sources(*, user: User) -> list[AudienceKeys]:
    """Each provider's answer for a signed-in person, unevaluated (see module doc)."""
    if not user.is_authenticated:
        return []
    return [provider(user) for provider in _providers]


def audience_keys(*, user: User) -> set[str]:
    """Every audience key the person belongs to; none for an anonymous visitor."""
    keys: set[str] = set()
    for source in audience_sources(user=user):
        keys.update(source)
    return keys


def audience_choices() -> list[tuple[str, str]]:
    """Every audience a broadcast may name, as (key, label), in registry order."""
    choices: list[tuple[str, str]] = []
    for provider in _choice_providers:
        choices.extend(provider())
    return choices


def audience_label(key: str) -> str:
    """The label of an audience key for pages and the admin; the key if unknown."""
    return dict(audience_choices()).get(key, key)
