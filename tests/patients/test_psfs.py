"""The Patient-Specific Functional Scale (PROTOCOL 4.2): 3 to 5 activities, scored by their
mean to one decimal, with the change since the first score set against the MID."""

from decimal import Decimal

import pytest
from django.urls import reverse

from patients import psfs
from patients.models import Assessment
from rehab.services import confirm

from ..conftest import client_for
from ..factories import assessment_post, make_assessment


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([3, 4, 5], Decimal("4.0")),
        ([1, 2, 2, 2], Decimal("1.8")),  # 1.75
        ([1, 1, 1, 2], Decimal("1.3")),  # 1.25: halves up, not to even
        ([0, 0, 0], Decimal("0.0")),
        ([10, 10, 10, 10, 10], Decimal("10.0")),
        ([2, 3, 3], Decimal("2.7")),  # 2.666...
    ],
)
def test_the_score_is_the_mean_to_one_decimal(scores, expected):
    assert psfs.score(scores) == expected


@pytest.mark.parametrize("scores", [[], [5], [5, 6], [1, 2, 3, 4, 5, 6]])
def test_fewer_than_three_or_more_than_five_activities_have_no_score(scores):
    assert psfs.score(scores) is None


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("0.0", "below the smallest important change (1.3)"),
        ("-1.2", "below the smallest important change (1.3)"),
        ("1.3", "a small change"),
        ("-2.6", "a small change"),
        ("2.7", "a large change"),
        ("-4.0", "a large change"),
    ],
)
def test_a_change_is_weighed_against_the_minimal_important_difference(change, words):
    assert psfs.change_words(Decimal(change)) == words


def activities(*scores):
    data = {}
    for i, score in enumerate(scores, start=1):
        data[f"psfs_{i}_activity"] = f"Activity number {i}"
        data[f"psfs_{i}_score"] = str(score)
    return data


@pytest.mark.parametrize("count", [1, 2])
def test_one_or_two_activities_are_refused_beside_the_next_empty_one(world, patient, count):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="initial", visit_date="2026-01-05", **activities(*[5] * count)
    )
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [f"psfs_{count + 1}_activity"]
    assert errors[f"psfs_{count + 1}_activity"] == [
        f"The PSFS takes 3 to 5 activities: add {3 - count} more, or clear the {count} entered "
        "to leave the scale out."
    ]
    assert not Assessment.objects.exists()


def test_a_red_flag_referral_does_not_wait_for_the_scale(world, patient):
    url = reverse("patients:assessment_create", args=[patient.public_id])
    data = assessment_post(
        visit_type="initial", visit_date="2026-01-05", red_flags_none=None,
        red_flags=["RF_CAUDA_EQUINA"], **activities(4),
    )  # fmt: skip
    response = client_for(world.physio).post(url, data)
    assert response.status_code == 302
    assert Assessment.objects.get().psfs_items.count() == 1


def test_the_visit_shows_its_score_and_the_change_since_the_first(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", **activities(2, 3, 3))
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    later = make_assessment(
        patient, world.physio, visit_date="2026-02-02", **activities(5, 6, 6, 5)
    )
    url = reverse("patients:assessment", args=[patient.public_id, later.public_id])
    body = client_for(world.physio).get(url).content.decode()
    assert "PSFS score 5.5/10, the mean of 4 activities." in body
    assert "Since 5 Jan 2026 (2.7): +2.8, a large change." in body


def test_a_signed_visit_with_one_or_two_activities_can_still_be_amended(world, patient):
    """Visits signed before the count was checked, or under a red flag, may have one or two
    activities: an amendment that leaves them as they were goes through; one that changes
    them is held to the count."""
    from patients.models import PsfsItem

    visit = make_assessment(patient, world.physio, visit_date="2026-01-05")
    PsfsItem.objects.bulk_create(
        [PsfsItem(assessment=visit, position=1, activity="Sitting", score=3),
         PsfsItem(assessment=visit, position=2, activity="Running", score=4)]
    )  # fmt: skip
    url = reverse("patients:assessment_edit", args=[patient.public_id, visit.public_id])
    kept = {"psfs_1_activity": "Sitting", "psfs_1_score": "3",
            "psfs_2_activity": "Running", "psfs_2_score": "4"}  # fmt: skip
    client = client_for(world.physio)
    data = assessment_post(visit_type="initial", visit_date="2026-01-05", notes="Typo fixed")
    changed = client.post(url, {**data, **kept, "psfs_2_score": "5", "reason": "Misheard"})
    assert changed.status_code == 200
    assert "psfs_3_activity" in changed.context["form"].errors
    response = client.post(url, {**data, **kept, "reason": "Notes corrected"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.notes == "Typo fixed" and visit.psfs_items.count() == 2


def test_a_change_over_other_activities_is_said_to_compare_different_tasks(world, patient):
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", **activities(2, 3, 3))
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    same = {"psfs_1_activity": "ACTIVITY  number 1", "psfs_2_activity": "Activity number 2",
            "psfs_3_activity": "Activity number 3"}  # fmt: skip
    later = make_assessment(
        patient, world.physio, visit_date="2026-02-02", **{**activities(5, 6, 6), **same}
    )
    client = client_for(world.physio)
    body = client.get(reverse("patients:assessment", args=[patient.public_id, later.public_id]))
    assert "compares different tasks" not in body.content.decode()  # case and spaces aside
    confirm(later.decision, world.physio)
    patient.refresh_from_db()
    other = make_assessment(
        patient, world.physio, visit_date="2026-03-02",
        **{**activities(7, 7, 7), "psfs_3_activity": "Lifting the grandchildren"},
    )  # fmt: skip
    body = client.get(reverse("patients:assessment", args=[patient.public_id, other.public_id]))
    text = body.content.decode()
    assert "Since 5 Jan 2026 (2.7): +4.3, a large change." in text
    assert "The activities are not all those scored then, so the change compares different" in text
