"""VISA-H scoring (PROTOCOL 5). Pure Python.

Items 1-6 score 0-10 each (10 = best), item 7 scores 0, 4, 7 or 10, and item 8 is answered
in exactly one of three branches whose points are fixed by the VISA design. The total
(0-100) exists only when every item is answered: no imputation [CFG, PROTOCOL 5].

The questionnaire wording is copyrighted, so the app ships topic labels only; a clinic admin
can load the licensed wording (``Clinic.visah_wording``).
"""

from __future__ import annotations

from collections.abc import Mapping

ITEM_MAX = 10  # items 1-6
ITEM7_POINTS = (0, 4, 7, 10)
# PROTOCOL 5, item 8: A no pain during sport, B some pain that does not stop sport,
# C pain that stops training. The item maximum is 30.
ITEM8_POINTS: Mapping[str, tuple[int, ...]] = {
    "A": (0, 7, 14, 21, 30),
    "B": (0, 4, 10, 14, 20),
    "C": (0, 2, 5, 7, 10),
}
# PROTOCOL 5: default to the VISA-A bands until a clinic loads its licensed form's bands
# ("put the bands in configuration and copy them from the licensed form"): a clinic's own
# are kept with its wording (``Clinic.visah_wording["8_bands"]``), shortest first. The
# points of each band are the branch's (ITEM8_POINTS), in the same order.
DEFAULT_ITEM8_BANDS = ("nil", "1-10 min", "11-20 min", "21-30 min", ">30 min")
BANDS_KEY = "8_bands"


def item8_bands(wording: Mapping[str, object] | None) -> tuple[str, ...]:
    """The clinic's item-8 duration bands, or the default ones."""
    bands = (wording or {}).get(BANDS_KEY)
    if isinstance(bands, list) and len(bands) == len(DEFAULT_ITEM8_BANDS):
        return tuple(str(band) for band in bands)
    return DEFAULT_ITEM8_BANDS


# Own topic labels (PROTOCOL 5 "Item topics"): no item wording is shipped.
TOPIC_LABELS = {
    1: "Item 1: buttock pain with sitting",
    2: "Item 2: pain with a daily task that flexes the hip",
    3: "Item 3: pain with stairs",
    4: "Item 4: pain in a stretching-type position",
    5: "Item 5: pain with lunging or squatting",
    6: "Item 6: pain with hopping or running",
    7: "Item 7: participation in sport or activity",
    8: "Item 8: how long the patient can train or play",
}
ITEM8_BRANCH_LABELS = {
    "A": "A: no pain during sport",
    "B": "B: some pain, but it does not stop sport",
    "C": "C: pain stops training",
}


def total(
    items_1_to_6: tuple[int | None, ...], item7: int | None, branch: str, item8: int | None
) -> int | None:
    """The VISA-H total, or None unless all eight items are answered validly."""
    if len(items_1_to_6) != 6 or any(v is None for v in items_1_to_6):
        return None
    if item7 is None or branch not in ITEM8_POINTS or item8 is None:
        return None
    if any(not 0 <= v <= ITEM_MAX for v in items_1_to_6):  # type: ignore[operator]
        raise ValueError("items 1-6 score 0-10")
    if item7 not in ITEM7_POINTS:
        raise ValueError("item 7 scores 0, 4, 7 or 10")
    if item8 not in ITEM8_POINTS[branch]:
        raise ValueError(f"item 8{branch} scores one of {ITEM8_POINTS[branch]}")
    return sum(items_1_to_6) + item7 + item8  # type: ignore[arg-type]
