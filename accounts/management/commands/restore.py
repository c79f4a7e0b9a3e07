"""manage.py restore FILE: replace the database's contents with a backup.

Stop the web server and the worker first: a restore waits for their locks.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from accounts import backups


class Command(BaseCommand):
    help = "Restore the database from a file written by manage.py backup."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file.")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        db = connections["default"].settings_dict
        path = Path(options["file"])
        if options["interactive"]:
            answer = input(
                f"This replaces everything in the database {db['NAME']} with {path}. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            backups.restore(db, path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        # A shared cache (CACHE_URL) still holds the caseload figures of the replaced data.
        from accounts.models import Clinic
        from rehab.caseload import figures_changed

        for clinic_id in Clinic.objects.values_list("pk", flat=True):
            figures_changed(clinic_id)
        self.stdout.write(f"Restored {db['NAME']} from {path}.")
