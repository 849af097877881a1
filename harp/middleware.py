from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from harp.selectors import health_check


class HealthCheckMiddleware:
    """Answers `/healthz` before host checks, sessions and the HTTPS redirect.

    Load balancers probe by IP address over plain HTTP; they need a 200 when the
    database and cache answer and a 503 otherwise, not a 400 for an unknown host.
    """

    path = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.rstrip("/") != self.path:
            return self.get_response(request)
        results = health_check()
        healthy = all(value == "ok" for value in results.values())
        response = JsonResponse(
            {"status": "ok" if healthy else "unavailable", **results},
            status=200 if healthy else 503,
        )
        response["Cache-Control"] = "no-store"
        return response
