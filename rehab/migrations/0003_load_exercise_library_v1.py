"""Load the 26 built-in exercises of PROTOCOL section 2 (rehab/library_v1.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from rehab import library_v1

    Exercise = apps.get_model("rehab", "Exercise")
    for spec in library_v1.LIBRARY:
        Exercise.objects.update_or_create(
            code=spec.code,
            clinic=None,
            defaults={
                "name": spec.name,
                "stage_min": spec.stage_min,
                "stage_max": spec.stage_max,
                "hip_flexion_min_deg": spec.hip_flexion_min_deg,
                "hip_flexion_max_deg": spec.hip_flexion_max_deg,
                "hip_flexion_text": spec.hip_flexion_text,
                "dose_type": spec.dose_type,
                "sets_min": spec.sets_min,
                "sets_max": spec.sets_max,
                "reps_min": spec.reps_min,
                "reps_max": spec.reps_max,
                "hold_s_min": spec.hold_s_min,
                "hold_s_max": spec.hold_s_max,
                "rest_s": spec.rest_s,
                "rest_s_max": spec.rest_s_max,
                "tempo": spec.tempo,
                "load_guidance": spec.load_guidance,
                "days_per_week": spec.days_per_week,
                "frequency": spec.frequency,
                "min_hours_between_sessions": spec.min_hours_between_sessions,
                "progression_steps": list(spec.progression_steps),
                "patient_text": spec.patient_text,
                "mistakes": list(spec.mistakes),
                "supporting": spec.supporting,
                "plyometric": spec.plyometric,
                "illustration": f"exercises/{spec.code}.svg",
                "illustration_alt": library_v1.ILLUSTRATION_ALT[spec.code],
            },
        )


def unload(apps, schema_editor):
    apps.get_model("rehab", "Exercise").objects.filter(clinic=None).delete()


class Migration(migrations.Migration):
    dependencies = [("rehab", "0002_exercise_library_and_plans")]

    operations = [migrations.RunPython(load, unload)]
