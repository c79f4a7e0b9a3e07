"""manage.py create_clinic: a new clinic with its first admin, invited by a printed link."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.forms import CreateClinicForm

OPTION = {
    "name": "--name",
    "time_zone": "--time-zone",
    "admin_email": "--admin-email",
    "first_name": "--admin-first-name",
    "last_name": "--admin-last-name",
}


class Command(BaseCommand):
    help = "Create a clinic and an inactive clinic admin with a 72-hour invitation link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The clinic's name (unique).")
        parser.add_argument("--time-zone", required=True, help="e.g. Europe/London")
        parser.add_argument("--admin-email", required=True, help="The first clinic admin.")
        parser.add_argument("--admin-first-name", default="")
        parser.add_argument("--admin-last-name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        form = CreateClinicForm(
            {
                "name": options["name"],
                "time_zone": options["time_zone"],
                "admin_email": options["admin_email"],
                "first_name": options["admin_first_name"],
                "last_name": options["admin_last_name"],
            }
        )
        if not form.is_valid():
            problems = "; ".join(
                f"{OPTION[field]}: {' '.join(map(str, errors))}"
                for field, errors in form.errors.items()
            )
            raise CommandError(f"Nothing was created. {problems}")
        data = form.cleaned_data
        clinic, admin, token = services.create_clinic(
            name=data["name"],
            time_zone=data["time_zone"],
            admin_email=data["admin_email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
        )
        link = services.invitation_link(token)
        services.send_invitation(admin, link)
        self.stdout.write(f"Created clinic {clinic.name} (id {clinic.pk}, {clinic.time_zone}).")
        self.stdout.write(f"Invitation for {admin.email} (valid 72 hours, emailed too):")
        self.stdout.write(link)
