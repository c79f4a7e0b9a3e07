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
