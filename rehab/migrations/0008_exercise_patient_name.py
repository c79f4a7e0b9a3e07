"""The plain name printed for the patient (UX.md), set on the built-in exercises."""

from django.db import migrations, models

HELP = (
    "Plain words printed on the programme (no abbreviations); "
    "the name above is printed when this is empty."
)


def name_builtins(apps, schema_editor):
    from rehab import library_v1

    Exercise = apps.get_model("rehab", "Exercise")
    for code, name in library_v1.PATIENT_NAMES.items():
        Exercise.objects.filter(clinic=None, code=code).update(patient_name=name)


class Migration(migrations.Migration):
    dependencies = [("rehab", "0007_decision_pause_on_referral")]

    operations = [
        migrations.AddField(
            model_name=model,
            name="patient_name",
            field=models.CharField(
                blank=True, help_text=HELP, max_length=120, verbose_name="name for the patient"
            ),
        )
        for model in ("exercise", "historicalexercise")
    ] + [migrations.RunPython(name_builtins, migrations.RunPython.noop)]
