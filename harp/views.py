from typing import Any

from django.views.generic import TemplateView

from harp.selectors import system_component_list


class HomeView(TemplateView):
    template_name = "harp/home.html"


class StatusView(TemplateView):
    template_name = "harp/status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["components"] = list(system_component_list())
        return context
