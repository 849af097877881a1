"""The portal's URLs plus two yardsticks for `bench/pages.py`:

- `/bench/trivial/`: the cheapest Django view there is, through the same
  middleware as every page;
- `/bench/allauth-login/`: django-allauth's own login view and template, the
  figure `/login/` is compared with.
"""

from allauth.account.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/allauth-login/", LoginView.as_view()),
    *portal_urlpatterns,
]
