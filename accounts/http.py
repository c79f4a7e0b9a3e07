from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a logged-in view (LoginRequiredMiddleware guarantees the user)."""

    user: User
