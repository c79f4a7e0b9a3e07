"""The drawings of the built-in exercises described in plain words (UX.md "Patients").

Migration 0003 loaded library_v1.ILLUSTRATION_ALT, which said trunk, split stance, hinged,
hamstrings and degrees; library_v1.ILLUSTRATION_ALT_PLAIN says the same in the patient's
words. Clinic-made exercises keep the text their clinic gave them.
"""

from django.db import migrations


def _describe_builtins(apps, texts):
    Exercise = apps.get_model("rehab", "Exercise")
    for code, alt in texts.items():
        Exercise.objects.filter(clinic=None, code=code).update(illustration_alt=alt)


def describe_builtins_plainly(apps, schema_editor):
    from rehab import library_v1

    _describe_builtins(apps, library_v1.ILLUSTRATION_ALT_PLAIN)


def describe_builtins_as_before(apps, schema_editor):
    from rehab import library_v1

    _describe_builtins(apps, library_v1.ILLUSTRATION_ALT)


class Migration(migrations.Migration):
    dependencies = [("rehab", "0010_decision_override_urgency")]

    operations = [migrations.RunPython(describe_builtins_plainly, describe_builtins_as_before)]
