"""manage.py backup [--output FILE]: the whole database in one file (see accounts/backups.py)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils import timezone

from accounts import backups


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or an SQLite copy)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="The file to write (it must not exist yet).")

    def handle(self, *args: Any, **options: Any) -> None:
        db = connections["default"].settings_dict
        try:
            suffix = "dump" if backups.vendor(db) == "postgresql" else "sqlite3"
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = Path(options["output"] or settings.BACKUP_DIR / f"pht-{stamp}.{suffix}")
            backups.backup(db, path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backup written to {path} ({path.stat().st_size} bytes).")
