"""manage.py deactivate_clinic: close a clinic; its people can no longer log in."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import Clinic


class Command(BaseCommand):
    help = "Deactivate a clinic (by id or exact name) and its users, ending their sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("clinic", help="The clinic's id or its exact name.")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["clinic"]
        matches = (
            Clinic.objects.filter(pk=int(key))
            if key.isascii() and key.isdigit()
            else Clinic.objects.none()
        )
        if not matches:
            matches = Clinic.objects.filter(name=key)
        if len(matches) != 1:
            found = "No clinic" if not matches else f"{len(matches)} clinics"
            raise CommandError(f"{found} with the id or exact name {key!r}; nothing was changed.")
        clinic = matches[0]
        if not clinic.is_active:
            self.stdout.write(f"{clinic.name} (id {clinic.pk}) is already deactivated.")
            return
        count = services.deactivate_clinic(clinic)
        self.stdout.write(
            f"Deactivated {clinic.name} (id {clinic.pk}) and its {count} user account(s); "
            "their sessions have ended. Nothing was deleted."
        )
