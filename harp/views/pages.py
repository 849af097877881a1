from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from harp import selectors
from harp.page_cache import anonymous_page
from harp.selectors import system_component_list


@method_decorator(anonymous_page(), name="get")
class HomeView(TemplateView):
    template_name = "harp/home.html"


@method_decorator(anonymous_page(), name="get")
class StatusView(TemplateView):
    template_name = "harp/status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["components"] = list(system_component_list())
        return context


class ProfileView(LoginRequiredMixin, TemplateView):
    """My Profile: identity, proofing, second factors, and other apps' sections."""

    template_name = "harp/profile.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # Only the names are shown: one query for every kind of device.
        context["device_names"] = selectors.device_names(user=user)  # type: ignore[arg-type]
        context["sections"] = selectors.profile_sections(request=self.request)
        return context
