"""When a patient link's token left the server (rehab.models.PatientLink.token_given_at).

Every link made before this migration gave its token when it was made (in the handover
sheet or the printed programme), so it is marked given then and keeps working.
"""

from django.db import migrations, models


def given_when_made(apps, schema_editor):
    PatientLink = apps.get_model("rehab", "PatientLink")
    PatientLink.objects.filter(token_given_at__isnull=True).update(
        token_given_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("rehab", "0011_plain_illustration_alt")]

    operations = [
        migrations.AddField(
            model_name="patientlink",
            name="token_given_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(given_when_made, migrations.RunPython.noop),
    ]
