"""How urgent a clinician's own referral is: a StageDecision field, empty unless the decision
was overridden to REFER (the override form then requires it).

Referrals overridden before this migration keep an empty urgency: nobody recorded one, and
guessing it here would put a clinical judgement in a migration. They sort last in the
referral queue, as before.
"""

from django.db import migrations, models

URGENCY_CHOICES = [
    ("EMERGENCY", "Emergency (same day)"),
    ("URGENT", "Urgent"),
    ("ROUTINE", "Routine"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("rehab", "0009_times_per_day"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalstagedecision",
            name="override_urgency",
            field=models.CharField(blank=True, choices=URGENCY_CHOICES, max_length=10),
        ),
        migrations.AddField(
            model_name="stagedecision",
            name="override_urgency",
            field=models.CharField(blank=True, choices=URGENCY_CHOICES, max_length=10),
        ),
        migrations.AddConstraint(
            model_name="stagedecision",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("override_urgency", ""),
                    models.Q(
                        ("final_action", "REFER"),
                        ("override_urgency__in", ["EMERGENCY", "URGENT", "ROUTINE"]),
                        ("status", "overridden"),
                    ),
                    _connector="OR",
                ),
                name="decision_override_urgency_with_referral",
            ),
        ),
    ]
