"""The Pallof press (SUP-25) is drawn from the side, so the press straight out from the chest
can be seen (UX.md "Exercise drawings"): its alternative text says so.

Migration 0011 described the built-in drawings from library_v1.ILLUSTRATION_ALT_PLAIN, when
SUP-25's drawing was seen from the front; databases migrated since keep that description.
"""

from django.db import migrations

SEEN_FROM_THE_FRONT = (
    "Seen from the front: standing side-on to a band fixed at chest height, both hands hold "
    "the band at the chest. The hands push it straight out in front of the chest without "
    "letting the band turn the body, then bring it back slowly."
)


def _describe(apps, alt):
    Exercise = apps.get_model("rehab", "Exercise")
    Exercise.objects.filter(clinic=None, code="SUP-25").update(illustration_alt=alt)


# library_v1.ILLUSTRATION_ALT_PLAIN["SUP-25"] when this migration was written, kept here so
# that the migration does the same whatever the library says later.
SEEN_FROM_THE_SIDE = (
    "Seen from the side: standing with a band fixed at chest height to a post beside "
    "the body, both hands hold the band at the chest. The hands push it straight out in "
    "front of the chest without letting the band turn the body, then bring it back "
    "slowly."
)


def seen_from_the_side(apps, schema_editor):
    _describe(apps, SEEN_FROM_THE_SIDE)


def seen_from_the_front(apps, schema_editor):
    _describe(apps, SEEN_FROM_THE_FRONT)


class Migration(migrations.Migration):
    dependencies = [("rehab", "0014_history_change_reason_text")]

    operations = [migrations.RunPython(seen_from_the_side, seen_from_the_front)]
