"""Demo data: two clinics and their staff with known passwords. Safe to run again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Clinic, User

DEMO_PASSWORD = "demo-pht-2026!"  # noqa: S105 - printed by `make run`, demo only

CLINICS = {
    "riverside": {
        "name": "Riverside Physiotherapy",
        "address": "12 River Lane, Riverside, RV1 2AB",
        "phone": "+44 20 7946 0123",
        "time_zone": "Europe/London",
    },
    "northside": {
        "name": "Northside Sports Clinic",
        "address": "3 Harbour Street, Northside, NS4 5CD",
        "phone": "+44 161 496 0456",
        "time_zone": "Europe/Dublin",
    },
}

STAFF = [
    ("alex.physio", "Alex", "Morgan", "riverside", User.Role.PHYSIO),
    ("sam.physio", "Sam", "Okafor", "riverside", User.Role.PHYSIO),
    ("jo.admin", "Jo", "Lindqvist", "riverside", User.Role.CLINIC_ADMIN),
    ("kim.physio", "Kim", "Tanaka", "northside", User.Role.PHYSIO),
    ("lee.admin", "Lee", "Moreau", "northside", User.Role.CLINIC_ADMIN),
]
#: A physiotherapist who has left Riverside (deactivated) with patients not yet reassigned:
#: the clinic admin's caseload lists them under "No active physiotherapist".
LEAVER = ("chris.physio", "Chris", "Adeyemi")
LEAVERS_PATIENTS = 3


class Command(BaseCommand):
    help = "Create or refresh the demo clinics, staff and patients (idempotent)."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        clinics = {}
        for key, fields in CLINICS.items():
            clinic, _ = Clinic.objects.update_or_create(name=fields["name"], defaults=fields)
            clinics[key] = clinic
        for username, first, last, clinic_key, role in STAFF:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@example.org"
            user.clinic, user.role = clinics[clinic_key], role
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
        from patients.demo import seed_patient_account, seed_patients

        leaver = self._leaver(clinics["riverside"])
        for key, count in (("riverside", 40), ("northside", 6)):
            physios = list(
                User.objects.filter(
                    clinic=clinics[key], role=User.Role.PHYSIO, is_active=True
                ).order_by("username")
            )
            created = seed_patients(clinics[key], physios, count)
            if created:
                self.stdout.write(f"Added {created} demo patients to {clinics[key].name}.")
            if created and key == "riverside":
                # Only with the demo's own patients: a later run leaves a reassignment alone.
                left = clinics[key].patients.filter(status="active").order_by("-pk")
                for patient in left[:LEAVERS_PATIENTS]:
                    patient.physio = leaver
                    patient.save(update_fields=["physio", "updated_at"])
        seed_patient_account(clinics["riverside"], "pat.patient", DEMO_PASSWORD)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _leaver(self, clinic: Clinic) -> User:
        username, first, last = LEAVER
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = first, last, f"{username}@example.org"
        user.clinic, user.role, user.is_active = clinic, User.Role.PHYSIO, False
        user.set_unusable_password()
        user.save()
        return user
