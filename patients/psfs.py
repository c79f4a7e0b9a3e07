"""Patient-Specific Functional Scale scoring (PROTOCOL 4.2). Pure Python.

The patient names 3 to 5 activities they find hard and scores each from 0 (unable) to 10
(able as before the injury); the PSFS score is the mean, to one decimal [S Stratford 1995].
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

MIN_ACTIVITIES = 3  # PROTOCOL 4.2: psfs_activities[3..5]
MAX_ACTIVITIES = 5
# PROTOCOL 4.2: minimal important difference ~1.3 (small) to 2.7 (large) points [S JOSPT 2014].
MID_SMALL = Decimal("1.3")
MID_LARGE = Decimal("2.7")


def score(scores: Sequence[int]) -> Decimal | None:
    """The mean of the activities' scores to one decimal (halves rounded up, as by hand), or
    None unless 3 to 5 activities were scored."""
    if not MIN_ACTIVITIES <= len(scores) <= MAX_ACTIVITIES:
        return None
    return (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def change_words(change: Decimal) -> str:
    """How a change of the score compares with the minimal important difference."""
    size = abs(change)
    if size >= MID_LARGE:
        return "a large change"
    if size >= MID_SMALL:
        return "a small change"
    return f"below the smallest important change ({MID_SMALL})"


def activities(names: Iterable[str]) -> set[str]:
    """The activities scored, compared without case or extra spaces ("Stairs" = "stairs ")."""
    return {" ".join(name.split()).casefold() for name in names}
