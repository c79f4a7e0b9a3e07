"""Keep a form that was posted after the session timed out, and offer it again after login."""

from django.http import HttpRequest, QueryDict

KEY = "_pht_pending_form"
_NEVER_KEPT = ("csrfmiddlewaretoken", "password")


def capture(request: HttpRequest) -> dict[str, object] | None:
    """The posted form (without passwords and the CSRF token), tied to its author: on a
    shared computer it is offered back only to the person who typed it."""
    data = {
        key: request.POST.getlist(key)
        for key in request.POST
        if not any(word in key.lower() for word in _NEVER_KEPT)
    }
    return {"path": request.path, "data": data, "user": request.user.pk} if data else None


def stash(request: HttpRequest, kept: dict[str, object]) -> None:
    request.session[KEY] = kept


def pop(request: HttpRequest) -> QueryDict | None:
    """The kept form data for this page, if any (removed from the session once taken)."""
    kept = request.session.get(KEY)
    if not kept:
        return None
    if kept.get("user") != request.user.pk:
        del request.session[KEY]  # someone else logged in on this browser: never show it
        return None
    if kept.get("path") != request.path:
        return None
    del request.session[KEY]
    data = QueryDict(mutable=True)
    for key, values in kept["data"].items():
        data.setlist(key, values)
    return data
