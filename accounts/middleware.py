import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from . import pending_form

Middleware = Callable[[HttpRequest], HttpResponse]


class SessionTimeoutMiddleware:
    """End a session after 15 minutes idle or 12 hours in all (SECURITY.md "sessions").

    A form posted after the idle timeout is kept (without passwords and the CSRF token)
    and offered again once the person has logged in.
    """

    LAST_SEEN = "_pht_last_seen"
    STARTED = "_pht_started"
    ENDED = "_pht_session_ended"  # True when a posted form was kept

    @classmethod
    def ended_message(cls, request: HttpRequest) -> str | None:
        """The notice for the login page after a timeout (once), or None."""
        if cls.ENDED not in request.session:
            return None
        kept = request.session.pop(cls.ENDED)
        return "Your session ended after a period without activity. Please log in again." + (
            " What you typed has been kept." if kept else ""
        )

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault(self.STARTED, now)
            last_seen = session.get(self.LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_SECONDS
            too_old = now - started > settings.SESSION_ABSOLUTE_SECONDS
            if idle or too_old:
                kept = pending_form.capture(request) if request.method == "POST" else None
                logout(request)
                if kept:
                    pending_form.stash(request, kept)
                # Told on the login page: the messages middleware comes after this one.
                request.session[self.ENDED] = bool(kept)
            elif self.LAST_SEEN not in session or now - last_seen >= 15:
                # Written at most every 15 s so that a page with many requests stays cheap.
                session[self.LAST_SEEN] = now
        return self.get_response(request)


class ClinicTimezoneMiddleware:
    """Dates are shown and checked in the clinic's time zone (UX.md "Everyone")."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        clinic = getattr(request.user, "clinic", None)
        if clinic is not None:
            timezone.activate(zoneinfo.ZoneInfo(clinic.time_zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages rendered by the app may hold patient data: browsers must not keep them."""

    def __init__(self, get_response: Middleware) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response
