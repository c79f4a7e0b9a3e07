import time

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pht_clinic.celery import app as celery_app

from . import audit
from .middleware import SessionTimeoutMiddleware


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        now = int(time.time())
        # login() has already rotated the session id; start both session clocks afresh.
        self.request.session[SessionTimeoutMiddleware.STARTED] = now
        self.request.session[SessionTimeoutMiddleware.LAST_SEEN] = now
        audit.record(self.request, "login")
        return response

    def form_invalid(self, form):
        audit.record(
            self.request,
            "login_failed",
            outcome="failed",
            label=str(form.data.get("username", ""))[:150],
        )
        return super().form_invalid(form)


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/dashboard.html", {})


def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", {"account": request.user})


@require_GET
def keepalive(request: HttpRequest) -> JsonResponse:
    """Called by the idle-timeout warning's "stay logged in" button."""
    return JsonResponse({"idle_seconds": settings.SESSION_IDLE_SECONDS})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Whether the database and the broker answer; nothing else (no data, no versions)."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)
