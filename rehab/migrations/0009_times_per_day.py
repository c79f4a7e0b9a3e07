"""How many times a day: a field on exercises and plan items, set on the built-in isometrics.

PROTOCOL 1.3 doses the stage-1 isometrics "1–2 times a day" [D: Rio 2015], and 1.1 gives
"Isometrics 1–2×/day, daily (≥5 days/wk)" [D: Rio 2015; CFG]; the library rows S1-01 and
S1-02 (2.1) say "1–2×/day, 5–7 d/wk", S1-03 to S1-06 "daily" under the same stage dose
(library_v1 frequency "1–2×/day, daily"). As library_v1 does for every range, the default is
the lower end: once a day. The codes and the value are written out here, not read from a
module, so that the migration does the same thing whenever it runs. Clinic-made exercises
and existing plan items are left as they are.
"""

from django.db import migrations, models

# PROTOCOL 1.3 / 2.1 rows S1-01 to S1-06: 1–2 times a day, lower end.
STAGE1_ISOMETRICS = ("S1-01", "S1-02", "S1-03", "S1-04", "S1-05", "S1-06")
STAGE1_TIMES_PER_DAY = 1


def set_builtin_defaults(apps, schema_editor):
    Exercise = apps.get_model("rehab", "Exercise")
    Exercise.objects.filter(clinic=None, code__in=STAGE1_ISOMETRICS).update(
        times_per_day=STAGE1_TIMES_PER_DAY
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_auditevent_append_only_trigger'),
        ('rehab', '0008_exercise_patient_name'),
    ]

    operations = [
        migrations.AddField(
            model_name='exercise',
            name='times_per_day',
            field=models.PositiveSmallIntegerField(blank=True, help_text='1 to 5. Empty: not said; the printout then gives only the days a week.', null=True, verbose_name='times a day'),
        ),
        migrations.AddField(
            model_name='historicalexercise',
            name='times_per_day',
            field=models.PositiveSmallIntegerField(blank=True, help_text='1 to 5. Empty: not said; the printout then gives only the days a week.', null=True, verbose_name='times a day'),
        ),
        migrations.AddField(
            model_name='historicalplanitem',
            name='times_per_day',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='times a day'),
        ),
        migrations.AddField(
            model_name='planitem',
            name='times_per_day',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='times a day'),
        ),
        migrations.AddConstraint(
            model_name='exercise',
            constraint=models.CheckConstraint(condition=models.Q(('times_per_day__isnull', True), models.Q(('times_per_day__gte', 1), ('times_per_day__lte', 5)), _connector='OR'), name='exercise_times_per_day_1_5'),
        ),
        migrations.AddConstraint(
            model_name='planitem',
            constraint=models.CheckConstraint(condition=models.Q(('times_per_day__isnull', True), models.Q(('times_per_day__gte', 1), ('times_per_day__lte', 5)), _connector='OR'), name='item_times_per_day_1_5'),
        ),
        # Backwards the field goes away with its values: nothing to undo.
        migrations.RunPython(set_builtin_defaults, migrations.RunPython.noop),
    ]
