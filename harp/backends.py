"""Permission checks from the cache.

Every signed-in page asks what the person may do (the header's links, the
views' permission mixins), which costs Django's ModelBackend two queries a
request: the person's own permissions and their groups'. `PermissionCacheBackend`
answers the same sets from the cache (harp.generational_cache), and checks no
password: sign-in stays with ModelBackend and allauth.

A change to a person (a save: superuser status, groups through the admin) forgets
their entry; a change to any group or permission starts a new generation for
everyone. Should the cache be unreachable at the moment of a change, the stale
entry lives at most PERMISSION_CACHE_SECONDS.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from harp.generational_cache import (
    generation_cached,
    generation_forget,
    generation_new,
    now_and_after_commit,
)

PERMISSION_CACHE_SECONDS = 120
GENERATION_KEY = "harp:permissions:generation"


def _key(user_pk: object) -> str:
    return f"harp:permissions:{user_pk}"


class PermissionCacheBackend(ModelBackend):
    def authenticate(
        self,
        request: Any,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Passwords are ModelBackend's to check, once. A session may still name
        # this backend (Django's force_login picks the first), so it loads users
        # as ModelBackend does.
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = generation_cached(
                key=_key(user_obj.pk),
                generation_key=GENERATION_KEY,
                compute=lambda: set(ModelBackend.get_all_permissions(self, user_obj)),
                timeout=PERMISSION_CACHE_SECONDS,
            )
        return user_obj._perm_cache


def permissions_forget(*, user_pk: object) -> None:
    """Forget now, and again once the caller commits: a request that read the
    old set in between would otherwise keep it."""
    now_and_after_commit(lambda: generation_forget(key=_key(user_pk)))


def permissions_forget_everyone() -> None:
    now_and_after_commit(lambda: generation_new(generation_key=GENERATION_KEY))


def connect() -> None:
    """Forget cached permissions whenever what they are made of changes."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import m2m_changed, post_delete, post_save

    user_model = get_user_model()

    def user_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        permissions_forget(user_pk=instance.pk)

    def membership_changed(
        sender: Any, instance: Any, reverse: bool, pk_set: Any, **kwargs: Any
    ) -> None:
        if isinstance(instance, user_model):
            permissions_forget(user_pk=instance.pk)
        else:  # a group's members or a permission's holders changed
            permissions_forget_everyone()

    def everyone_changed(sender: Any, **kwargs: Any) -> None:
        permissions_forget_everyone()

    post_save.connect(user_changed, sender=user_model, weak=False)
    post_delete.connect(user_changed, sender=user_model, weak=False)
    m2m_changed.connect(
        membership_changed, sender=user_model.groups.through, weak=False
    )
    m2m_changed.connect(
        membership_changed, sender=user_model.user_permissions.through, weak=False
    )
    m2m_changed.connect(everyone_changed, sender=Group.permissions.through, weak=False)
    for model in (Group, Permission):
        post_save.connect(everyone_changed, sender=model, weak=False)
        post_delete.connect(everyone_changed, sender=model, weak=False)
