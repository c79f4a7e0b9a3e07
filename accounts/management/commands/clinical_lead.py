"""manage.py clinical_lead: grant or revoke a clinic admin's clinical-lead permission.

The clinic's first clinical lead, or a clinic with a single admin: on the staff page nobody
changes their own permission and only a clinical lead grants it (accounts.access
may_grant_clinical_lead). Audited as the operator's.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = (
        "Grant or revoke a clinic admin's clinical-lead permission (reading the clinic's "
        "assessments and downloading its printed programmes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The clinic admin's username.")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--grant", action="store_true", help="Make them clinical lead.")
        action.add_argument("--revoke", action="store_true", help="Take the permission away.")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        member = User.objects.select_related("clinic").filter(username=username).first()
        if member is None:
            raise CommandError(f"No user with the username {username!r}; nothing was changed.")
        grant = bool(options["grant"])
        try:
            changed = services.set_clinical_lead(None, member, grant, label="operator")
        except services.NotClinicAdmin:
            raise CommandError(
                f"{username} is not an active clinic admin; nothing was changed."
            ) from None
        where = f" of {member.clinic.name}" if member.clinic else ""
        if not changed:
            state = "is clinical lead already" if grant else "is not clinical lead"
            self.stdout.write(f"{username}{where} {state}; nothing was changed.")
        elif grant:
            self.stdout.write(
                f"{username}{where} is now clinical lead: they can read the clinic's "
                "assessments and download its printed programmes."
            )
        else:
            self.stdout.write(f"{username}{where} is no longer clinical lead.")
