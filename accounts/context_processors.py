from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    """Navigation entries that fit the person's role (issue 2, item 7)."""
    user = request.user
    items: list[tuple[str, str]] = []
    if user.is_authenticated:
        role = getattr(user, "role", "")
        if role == "physio" or role == "clinic_admin":
            items = [("dashboard", "Dashboard")]
        elif role == "patient":
            items = [("dashboard", "My programme")]
    return {
        "nav_items": items,
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.SESSION_IDLE_WARNING_SECONDS,
    }
