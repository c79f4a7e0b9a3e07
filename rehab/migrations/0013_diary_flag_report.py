"""The pains that flagged a diary day (rehab.models.DiaryEntry.flag_report).

A day flagged before this migration is reported with the pains it holds now: its earlier
versions are in its history, and it was flagged with these unless the patient changed it.
"""

from django.db import migrations, models


def report_flagged_days(apps, schema_editor):
    from rehab.models import pains_reported

    DiaryEntry = apps.get_model("rehab", "DiaryEntry")
    for entry in DiaryEntry.objects.filter(flagged=True, flag_report=""):
        entry.flag_report = pains_reported(
            entry.exercise_pain, entry.next_morning_pain, entry.usual_morning_pain
        )
        entry.save(update_fields=["flag_report"])


class Migration(migrations.Migration):
    dependencies = [("rehab", "0012_patient_link_token_given")]

    operations = [
        migrations.AddField(
            model_name="diaryentry",
            name="flag_report",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddField(
            model_name="historicaldiaryentry",
            name="flag_report",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.RunPython(report_flagged_days, migrations.RunPython.noop),
    ]
