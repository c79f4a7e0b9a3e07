"""Every URL pattern of the app, with placeholder arguments, for access tests."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

_PLACEHOLDER = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": str(uuid.UUID(int=1)),
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    pattern: str  # the route as written, e.g. "patients/<uuid:public_id>/"
    params: tuple[tuple[str, str], ...]  # (converter, argument name)

    def url(self, **values: str) -> str:
        def fill(match: re.Match[str]) -> str:
            converter, arg = match.group(1) or "str", match.group(2)
            return values.get(arg, _PLACEHOLDER.get(converter, "x"))

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.pattern)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}".strip(":") if ns else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            pattern = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}".strip(":") if entry.name else pattern
            params = tuple(
                (m.group(1) or "str", m.group(2))
                for m in re.finditer(r"<(?:(\w+):)?(\w+)>", pattern)
            )
            yield Route(name=name, pattern=pattern, params=params)


def app_routes() -> list[Route]:
    """The app's own routes (the operator's Django admin is tested separately)."""
    return [
        r
        for r in _walk(get_resolver().url_patterns)
        if not r.pattern.startswith(settings.ADMIN_URL)
    ]
