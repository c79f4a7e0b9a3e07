"""Error pages that show no internals (issue 2, item 7)."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from . import audit


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.user.is_authenticated:
        audit.record(request, "access_denied", outcome="denied")
    return HttpResponse(render_to_string("403.html", request=request), status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the failure may have come from it.
    return HttpResponse(render_to_string("500.html"), status=500)
