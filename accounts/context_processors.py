from django.conf import settings
from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, object]:
    """Navigation entries that fit the person's role (issue 2, item 7)."""
    user = request.user
    items: list[tuple[str, str]] = []
    if user.is_authenticated:
        role = getattr(user, "role", "")
        if role == "physio":
            items = [
                ("dashboard", "Dashboard"),
                ("rehab:caseload", "My caseload"),
                ("patients:list", "Patients"),
                ("rehab:exercises", "Exercises"),
                ("audit_log", "My activity"),
            ]
        elif role == "clinic_admin":
            items = [
                ("dashboard", "Dashboard"),
                ("rehab:caseload", "Caseload"),
                ("patients:list", "Patients"),
                ("rehab:exercises", "Exercises"),
                ("staff_list", "Staff"),
                ("clinic_settings", "Clinic settings"),
                ("audit_log", "Audit trail"),
            ]
        elif role == "patient":
            items = [("public:my_programmes", "My programme"), ("public:my_diary", "My diary")]
    return {
        "nav_items": items,
        "session_idle_seconds": settings.SESSION_IDLE_SECONDS,
        "session_warning_seconds": settings.SESSION_IDLE_WARNING_SECONDS,
    }
