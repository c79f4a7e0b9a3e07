"""Every new accounts view tried by every persona (STYLE.md 13; SECURITY.md "users")."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent

from ..conftest import client_for
from .conftest import PERSONAS, persona_user


def urls(member):
    m = member.public_id
    return {
        "staff_list": ("get", reverse("staff_list")),
        "staff_invite": ("get", reverse("staff_invite")),
        "staff_detail": ("get", reverse("staff_detail", args=[m])),
        "staff_deactivate": ("post", reverse("staff_deactivate", args=[m])),
        "staff_reactivate": ("post", reverse("staff_reactivate", args=[m])),
        "clinic_settings": ("get", reverse("clinic_settings")),
        "clinic_rules": ("get", reverse("clinic_rules")),
        "audit_log": ("get", reverse("audit_log")),
    }


# Expected status per view and persona; the member is the colleague (same clinic).
EXPECTED = {
    #                 physio colleague other admin patient anonymous
    "staff_list": (403, 403, 403, 200, 403, 302),
    "staff_invite": (403, 403, 403, 200, 403, 302),
    "staff_detail": (403, 403, 403, 200, 403, 302),
    "staff_deactivate": (403, 403, 403, 302, 403, 302),
    "staff_reactivate": (403, 403, 403, 302, 403, 302),
    "clinic_settings": (403, 403, 403, 200, 403, 302),
    "clinic_rules": (403, 403, 403, 200, 403, 302),
    "audit_log": (200, 200, 200, 200, 403, 302),
}


@pytest.mark.parametrize("view", list(EXPECTED))
@pytest.mark.parametrize("persona", PERSONAS)
def test_accounts_views_answer_each_persona_as_the_matrix_says(
    world, patient_account, view, persona
):
    method, url = urls(world.colleague)[view]
    response = getattr(client_for(persona_user(world, patient_account, persona)), method)(url)
    expected = EXPECTED[view][PERSONAS.index(persona)]
    assert response.status_code == expected, (view, persona)
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))
    if expected == 403:
        assert AuditEvent.objects.filter(action="access_denied", outcome="denied").exists()
    world.colleague.refresh_from_db()
    if view == "staff_deactivate" and persona != "admin":
        assert world.colleague.is_active


@pytest.mark.parametrize("view", ["staff_detail", "staff_deactivate", "staff_reactivate"])
def test_another_clinics_admin_gets_404_with_nothing_of_the_person(world, view):
    method, url = urls(world.colleague)[view]
    response = getattr(client_for(world.other_admin), method)(url)
    assert response.status_code == 404
    body = response.content.decode()
    assert world.colleague.username not in body and world.colleague.last_name not in body
    world.colleague.refresh_from_db()
    assert world.colleague.is_active
    assert AuditEvent.objects.filter(actor=world.other_admin, action="access_denied").exists()


def test_a_patient_account_is_not_a_staff_member_for_the_admin(world, patient_account):
    client = client_for(world.admin)
    for view in ("staff_detail", "staff_deactivate"):
        method, url = urls(patient_account)[view]
        assert getattr(client, method)(url).status_code == 404, view
    patient_account.refresh_from_db()
    assert patient_account.is_active


def test_state_changes_need_post(world):
    client = client_for(world.admin)
    for view in ("staff_deactivate", "staff_reactivate"):
        assert client.get(urls(world.colleague)[view][1]).status_code == 405
    world.colleague.refresh_from_db()
    assert world.colleague.is_active


def test_navigation_offers_the_admin_pages_to_the_admin_only(world):
    admin_page = client_for(world.admin).get(reverse("dashboard")).content.decode()
    physio_page = client_for(world.physio).get(reverse("dashboard")).content.decode()
    for name in ("staff_list", "clinic_settings", "audit_log"):
        assert f'href="{reverse(name)}"' in admin_page
    for name in ("staff_list", "clinic_settings"):
        assert f'href="{reverse(name)}"' not in physio_page
