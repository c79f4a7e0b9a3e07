"""gunicorn's access log without the secrets that some URLs carry.

Patient links, invitations and password resets put a token in the path; only its hash is
stored, so it must not be written in clear to a log either (SECURITY.md "patient links")."""

import re
from typing import Any

from gunicorn.glogging import Logger

TOKEN_IN_PATH = re.compile(r"/(p|d|invitation)/[^/\s?]+|/password-reset/[^/\s]+/[^/\s?]+")


def redact(text: str) -> str:
    return TOKEN_IN_PATH.sub(
        lambda m: (
            "/password-reset/[redacted]" if m.group(1) is None else f"/{m.group(1)}/[redacted]"
        ),
        text,
    )


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
