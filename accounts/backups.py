"""Backups of the whole database (``make backup`` / ``make restore FILE=...``).

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --no-owner`` in
one transaction (a failed restore changes nothing). The connection comes from
settings.DATABASES through libpq's environment variables, so the password never appears on a
command line. SQLite (development): the sqlite3 online-backup API.

A backup holds health data: it is created readable by its owner only (mode 0600).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path
from typing import Any

_LIBPQ_ENV = {
    "HOST": "PGHOST",
    "PORT": "PGPORT",
    "USER": "PGUSER",
    "PASSWORD": "PGPASSWORD",
    "NAME": "PGDATABASE",
}


class BackupError(Exception):
    pass


def vendor(db: dict[str, Any]) -> str:
    engine = db["ENGINE"]
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {engine}.")


def _libpq_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in _LIBPQ_ENV.items():
        if db.get(key):
            env[variable] = str(db[key])
    if sslmode := (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    return env


def _run(program: str, args: list[str], db: dict[str, Any], **kwargs: Any) -> None:
    executable = shutil.which(program)
    if executable is None:
        raise BackupError(
            f"{program} is not installed (Debian: apt-get install postgresql-client)."
        )
    # Fixed arguments and the operator's own file name; no shell is involved.
    result = subprocess.run(  # noqa: S603
        [executable, "--no-password", *args],
        env=_libpq_env(db),
        stderr=subprocess.PIPE,
        check=False,
        **kwargs,
    )
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.decode(errors='replace').strip()}")


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def backup(db: dict[str, Any], path: Path) -> None:
    """Write a backup of the database to ``path``, which must not exist yet."""
    kind = vendor(db)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} exists already; choose another file name.") from None
    try:
        with os.fdopen(fd, "wb") as out:
            if kind == "postgresql":
                _run("pg_dump", ["--format=custom"], db, stdout=out)
        if kind == "sqlite":
            _sqlite_copy(db["NAME"], path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def restore(db: dict[str, Any], path: Path) -> None:
    """Replace the database's contents with the backup in ``path``."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    if vendor(db) == "postgresql":
        _run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={db['NAME']}",
                str(path),
            ],
            db,
        )
    else:
        try:
            with closing(sqlite3.connect(path)) as check:
                sound = check.execute("PRAGMA quick_check").fetchone() == ("ok",)
        except sqlite3.DatabaseError:
            sound = False
        if not sound:
            raise BackupError(f"{path} is not a sound SQLite database.")
        _sqlite_copy(path, db["NAME"])
