from django.db import migrations

from patients.search import searched


def recompute(apps, schema_editor):
    """Every patient's search_name as Patient.save now sets it: with the spelled-out form of
    a name that has ä, ö, ü, å or ø ("anna muller anna mueller")."""
    Patient = apps.get_model("patients", "Patient")
    rows = Patient.objects.values_list("pk", "first_name", "last_name")
    Patient.objects.bulk_update(
        [Patient(pk=pk, search_name=searched(f"{first} {last}")) for pk, first, last in rows],
        ["search_name"],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_patient_search_name"),
    ]

    operations = [
        migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True),
    ]
