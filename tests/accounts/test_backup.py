"""manage.py backup / restore: every record comes back (SECURITY.md "restores are tested")."""

import os
import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing

import psycopg
import pytest
import redis
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import sql

from accounts import audit, backups
from accounts.models import Invitation
from rehab.models import RulesParameters

from ..factories import make_assessment, make_patient
from ..test_settings import ROOT
from .conftest import database_url

KEY_TABLES = [
    "accounts_clinic",
    "accounts_user",
    "accounts_auditevent",
    "accounts_invitation",
    "patients_patient",
    "patients_assessment",
    "rehab_rulesparameters",
    "rehab_stagedecision",
]


def tables():
    return sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})


def fingerprint(cursor):
    """Row count and a digest of every row, per table."""
    result = {}
    for table in tables():
        cursor.execute(
            sql.SQL(
                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                " FROM {} AS t"
            ).format(sql.Identifier(table))
        )
        result[table] = cursor.fetchone()
    return result


@pytest.fixture
def fresh_database(on_postgresql):
    db = connection.settings_dict
    name = f"pht_restore_test_{secrets.token_hex(4)}"
    params = {
        "host": db["HOST"],
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name, params
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def manage(*args, url, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_every_record_into_a_fresh_database(world, tmp_path, fresh_database):
    patient = make_patient(world.clinic, world.physio, last_name="Ødegård-Ünal")
    make_assessment(patient, world.physio, visit_date="2026-01-05")
    RulesParameters.objects.create(clinic=world.clinic, values={"MIN_DAYS": [7, 14, 21, 28]})
    Invitation.issue(world.colleague, world.admin)
    audit.record(None, "patient_viewed", actor=world.physio, patient=patient)
    dump = tmp_path / "pht.dump"

    call_command("backup", output=str(dump))
    assert dump.stat().st_mode & 0o777 == 0o600

    name, params = fresh_database
    fresh_url = database_url().rsplit("/", 1)[0] + f"/{name}"
    # A shared cache still holding the clinic's caseload figures is told to forget them.
    cache_url = "redis://127.0.0.1:6379/11"
    version = f"pht:1:caseload-version:{world.clinic.pk}"
    redis.Redis.from_url(cache_url).set(version, "before-the-restore")
    result = manage("restore", str(dump), "--no-input", url=fresh_url, CACHE_URL=cache_url)
    assert result.returncode == 0, result.stderr
    assert redis.Redis.from_url(cache_url).get(version) is None

    with connection.cursor() as cursor:
        original = fingerprint(cursor)
    with psycopg.connect(dbname=name, **params) as restored, restored.cursor() as cursor:
        copy = fingerprint(cursor)
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s", ["accounts_auditevent_append_only"]
        )
        assert cursor.fetchone() == (1,)
    assert all(original[table][0] > 0 for table in KEY_TABLES), original
    assert copy == original

    # A restore that fails half-way changes nothing: a view the backup does not know about
    # stops pg_restore from dropping accounts_clinic, after it has dropped other objects.
    with psycopg.connect(dbname=name, autocommit=True, **params) as restored:
        restored.execute("CREATE VIEW blocker AS SELECT id FROM accounts_clinic")
        with restored.cursor() as cursor:
            before = fingerprint(cursor)
    result = manage("restore", str(dump), "--no-input", url=fresh_url)
    assert result.returncode == 1 and "blocker" in result.stderr
    with psycopg.connect(dbname=name, **params) as restored, restored.cursor() as cursor:
        assert fingerprint(cursor) == before


def test_backup_refuses_to_overwrite_a_file(db, tmp_path):
    existing = tmp_path / "taken.dump"
    existing.write_text("keep me")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", output=str(existing))
    assert existing.read_text() == "keep me"


def test_restore_of_a_damaged_file_changes_nothing(world, tmp_path):
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(b"not a backup")
    with pytest.raises(CommandError):
        call_command("restore", str(damaged), interactive=False)
    assert world.clinic.__class__.objects.count() == 2


def test_sqlite_backup_and_restore_use_the_online_backup_api(tmp_path):
    live = tmp_path / "live.sqlite3"
    with closing(sqlite3.connect(live)) as db:
        db.execute("CREATE TABLE t (x)")
        db.executemany("INSERT INTO t VALUES (?)", [(1,), (2,), (3,)])
        db.commit()
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(live)}
    copy = tmp_path / "backups" / "copy.sqlite3"
    backups.backup(settings_dict, copy)
    assert copy.stat().st_mode & 0o777 == 0o600
    with closing(sqlite3.connect(live)) as db:
        db.execute("DELETE FROM t")
        db.commit()
    backups.restore(settings_dict, copy)
    with closing(sqlite3.connect(live)) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (3,)
