"""/login/: django-allauth's sign-in, its empty form rendered once per worker."""

from __future__ import annotations

import functools
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm
from allauth.account.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from harp.page_cache import anonymous_template

# Stand-ins for what differs between visitors, put in when the page is served.
# Neither can come out of the template otherwise: the token is letters only, so
# escaping leaves it as it is, and the comment is passed in as safe HTML.
_CSRF_TOKEN = "harpsignincsrftokenstandin"  # noqa: S105 (not a secret)
_NEXT_FIELD = "<!-- harp sign-in next field -->"


@functools.cache
def _sign_in_content(form_class: type[LoginForm]) -> str:
    """The page's content for the form before anyone types: the same HTML for
    every visitor but for the CSRF token and the `next` field. Rendering the form
    (two fields through the widget templates, allauth's help texts) was most of
    the page's cost, once per request."""
    return render_to_string(
        "account/partials/sign_in.html",
        {
            "form": form_class(request=None),
            "csrf_token": _CSRF_TOKEN,
            "redirect_field": mark_safe(_NEXT_FIELD),  # noqa: S308 (a constant)
        },
    )


class SignInView(LoginView):
    """allauth's LoginView (ACCOUNT_FORMS["login"], the adapter's lockout and the
    second-factor stage all as before); only GET differs, serving the content
    rendered once instead of building and rendering the form each time. A form
    sent with errors is rendered in full by allauth, as before."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if get_adapter(request).is_ajax(request):
            return super().get(request, *args, **kwargs)
        next_url = request.GET.get(self.redirect_field_name, "")
        next_field = (
            format_html(
                '<input type="hidden" name="{}" value="{}">',
                self.redirect_field_name,
                next_url,
            )
            if next_url
            else ""
        )
        # The whole page, header and footer included, is the same for every
        # visitor not signed in: served from the cache, stand-ins filled in.
        page = anonymous_template(
            request,
            name="sign-in",
            params=(self.redirect_field_name,),
            render=lambda: self._page_with_stand_ins().rendered_content,
        )
        if page is not None:
            response = HttpResponse(_fill(page, request, next_field))
            add_never_cache_headers(response)
            return response
        return self.render_to_response(
            {
                "view": self,
                "sign_in": SafeString(
                    _fill(_sign_in_content(self.get_form_class()), request, next_field)
                ),
            }
        )

    def _page_with_stand_ins(self) -> Any:
        return self.render_to_response(
            {
                "view": self,
                "sign_in": SafeString(_sign_in_content(self.get_form_class())),
            }
        )


def _fill(html: str, request: HttpRequest, next_field: str) -> str:
    return html.replace(_CSRF_TOKEN, get_token(request)).replace(
        _NEXT_FIELD, next_field
    )
