"""VISA-H scoring over the whole table of item values (PROTOCOL 5)."""

import itertools

import pytest

from patients import visah

ALL_TENS = (10, 10, 10, 10, 10, 10)


@pytest.mark.parametrize(("item", "value"), list(itertools.product(range(6), range(11))))
def test_each_of_items_1_to_6_adds_its_points(item, value):
    items = list(ALL_TENS)
    items[item] = value
    assert visah.total(tuple(items), 10, "A", 30) == 50 + value + 10 + 30


@pytest.mark.parametrize(
    ("item7", "branch", "item8"),
    [
        (p7, branch, p8)
        for p7 in (0, 4, 7, 10)
        for branch, points in (
            ("A", (0, 7, 14, 21, 30)),
            ("B", (0, 4, 10, 14, 20)),
            ("C", (0, 2, 5, 7, 10)),
        )
        for p8 in points
    ],
)
def test_items_7_and_8_add_their_points(item7, branch, item8):
    assert visah.total((5,) * 6, item7, branch, item8) == 30 + item7 + item8


def test_range_is_0_to_100():
    assert visah.total((0,) * 6, 0, "C", 0) == 0
    assert visah.total(ALL_TENS, 10, "A", 30) == 100


@pytest.mark.parametrize(
    ("items", "item7", "branch", "item8"),
    [
        ((None, 10, 10, 10, 10, 10), 10, "A", 30),
        (ALL_TENS, None, "A", 30),
        (ALL_TENS, 10, "", 30),
        (ALL_TENS, 10, "A", None),
        ((10, 10, 10, 10, 10), 10, "A", 30),
    ],
)
def test_total_stays_empty_unless_every_item_is_answered(items, item7, branch, item8):
    assert visah.total(items, item7, branch, item8) is None


@pytest.mark.parametrize(
    ("items", "item7", "branch", "item8"),
    [
        ((11, 10, 10, 10, 10, 10), 10, "A", 30),
        ((-1, 10, 10, 10, 10, 10), 10, "A", 30),
        (ALL_TENS, 5, "A", 30),
        (ALL_TENS, 10, "B", 30),  # 30 exists only in branch A
        (ALL_TENS, 10, "C", 4),
    ],
)
def test_values_outside_the_scale_are_refused(items, item7, branch, item8):
    with pytest.raises(ValueError):
        visah.total(items, item7, branch, item8)
