"""The stage-4 week: plyometric days every third day, strength on other days (PROTOCOL 1.6).

Pure Python. Day 0 is the first day of the schedule; a plyometric day falls on every third
day (at least 72 h apart, PROTOCOL 3.2 PLYO_MIN_INTERVAL_H) and heavy slow resistance runs
twice a week [CFG] on days that are neither plyometric days nor next to each other.
"""

from __future__ import annotations

from dataclasses import dataclass

PLYO_EVERY_DAYS = 3  # "every third day" = 72 h apart [S, PROTOCOL 1.6]
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Day:
    index: int
    weekday: str
    kind: str  # "plyometric", "strength" or "rest"


def stage4_days(weeks: int = 2, strength_per_week: int = 2, start_weekday: int = 0) -> list[Day]:
    """Days of a stage-4 schedule, starting with a plyometric day on ``start_weekday``."""
    total = 7 * weeks
    plyo = {d for d in range(total) if d % PLYO_EVERY_DAYS == 0}
    strength: set[int] = set()
    for week in range(weeks):
        days = range(7 * week, 7 * week + 7)
        for day in days:
            if len([d for d in strength if d in days]) == strength_per_week:
                break
            # Strength on a non-plyometric day, never the day before a plyometric day (the
            # legs should be fresh for energy storage work) and not on consecutive days.
            if day in plyo or day + 1 in plyo or day - 1 in strength:
                continue
            strength.add(day)
        if len([d for d in strength if d in days]) < strength_per_week:
            # Few free days this week: allow the day before a plyometric day.
            for day in days:
                count = len([d for d in strength if d in days])
                if count == strength_per_week:
                    break
                if day not in plyo and day - 1 not in strength and day + 1 not in strength:
                    strength.add(day)
    return [
        Day(
            index=d,
            weekday=WEEKDAYS[(start_weekday + d) % 7],
            kind="plyometric" if d in plyo else "strength" if d in strength else "rest",
        )
        for d in range(total)
    ]


def weeks_of(days: list[Day]) -> list[list[Day]]:
    return [days[i : i + 7] for i in range(0, len(days), 7)]
