"""Every URL pattern of the app, for every persona (issue 8, item 4; SECURITY.md matrix).

Each route has an entry in EXPECTED giving the answer for each persona, and no response
shows anything of another clinic's patients. A new view without an entry fails the suite.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Invitation, User
from rehab import plans, programmes
from rehab.models import Exercise, PatientLink
from rehab.services import confirm

from ..conftest import client_for
from ..factories import make_assessment, make_patient, make_user
from ..urlwalk import app_routes

PERSONAS = (
    "physio",
    "colleague",
    "other_physio",
    "admin",
    "lead",
    "other_lead",
    "patient",
    "anonymous",
)
OUTSIDERS = ("other_physio", "other_lead")
OURS, THEIRS = "Quokkaclinica", "Wombatforeign"  # names that must not leak across clinics

# route: (method, {persona: status}); "*" is the answer for every persona not named.
L = 302  # redirect (to login for anonymous, or after a successful POST)
EXPECTED: dict[str, tuple[str, dict[str, int]]] = {}


def expect(name: str, method: str = "get", **codes: int) -> None:
    EXPECTED[name] = (method, codes)


# Personas: physio (treating), colleague (same clinic), other_physio (another clinic), admin
# (clinic admin), lead (a clinic admin with the clinical-lead permission), other_lead (one of
# another clinic), patient (the patient's own account), anonymous. F: forbidden for the role.
F, N, OK, NA = 403, 404, 200, 405
ALL_OK = {"star": OK, "anonymous": L}
STAFF = {"star": OK, "patient": F, "anonymous": L}  # any staff, in their own clinic
ADMIN = {"star": F, "admin": OK, "lead": OK, "other_lead": OK, "anonymous": L}
ADMIN_POST = {"star": F, "admin": L, "lead": L, "other_lead": L, "anonymous": L}
THEIR_PATIENT = {"other_physio": N, "other_lead": N}  # another clinic's patient or person
CLINICAL = {
    "physio": OK,
    "colleague": OK,
    "admin": F,
    "lead": F,  # the clinical-lead permission reads; it never writes
    "patient": F,
    "anonymous": L,
    **THEIR_PATIENT,
}
CLINICAL_POST = {**CLINICAL, "physio": L, "colleague": L}
CLINICAL_LEAD_READS = {**CLINICAL, "lead": OK}
PATIENT_ONLY = {"star": F, "patient": OK, "anonymous": L}
PUBLIC = {"star": OK}

expect("dashboard", **ALL_OK)
expect("healthz", **PUBLIC)
expect("login", star=L, anonymous=OK)  # logged-in people go to the dashboard
expect("logout", "post", star=L)
expect("session_keepalive", **ALL_OK)
expect("account", **ALL_OK)
expect("password_change", **ALL_OK)
expect("password_change_done", **ALL_OK)
expect("password_reset", **PUBLIC)
expect("password_reset_done", **PUBLIC)
expect("password_reset_confirm", star=L)  # a valid link moves on to the set-password form
expect("password_reset_complete", **PUBLIC)
expect("staff_list", **ADMIN)
expect("staff_invite", **ADMIN)
expect("staff_detail", **{**ADMIN, "other_lead": N})
expect("staff_deactivate", "post", **{**ADMIN_POST, "other_lead": N})
expect("staff_reactivate", "post", **{**ADMIN_POST, "other_lead": N})
# Tried on the lead: another admin may (an empty form changes nothing), the lead never.
expect("staff_clinical_lead", "post", **{**ADMIN_POST, "lead": F, "other_lead": N})
expect("invitation_accept", **PUBLIC)
expect("clinic_settings", **ADMIN)
expect("clinic_rules", **ADMIN)
expect("audit_log", **STAFF)  # physiotherapists see their own actions
expect("patients:list", **STAFF)
expect("patients:create", **STAFF)
expect("patients:detail", **{**STAFF, **THEIR_PATIENT, "patient": L})  # patients: dashboard
expect("patients:edit", **{**STAFF, **THEIR_PATIENT})
expect("patients:archive", **{**STAFF, **THEIR_PATIENT})  # the confirmation page
expect("patients:restore", "post", **{**STAFF, "star": L, **THEIR_PATIENT})
expect("patients:invite", "post", **CLINICAL_POST)
expect("patients:assessment_create", **CLINICAL)
expect("patients:assessment", **CLINICAL_LEAD_READS)
expect("patients:assessment_edit", **CLINICAL)
expect("rehab:decision_confirm", "post", **CLINICAL_POST)
expect("rehab:decision_override", **CLINICAL)
expect("rehab:plans", **{**STAFF, **THEIR_PATIENT})  # admins see which plan, not its content
expect("rehab:plan_create", "post", **CLINICAL_POST)
expect("rehab:plan", **CLINICAL)
expect("rehab:plan_save", "post", **CLINICAL_POST)
expect("rehab:plan_add", "post", **CLINICAL)  # an issued plan: the form is shown again
expect("rehab:plan_issue", "post", **CLINICAL_POST)
expect("rehab:plan_revise", "post", **CLINICAL_POST)
expect("rehab:programme_request", "post", **CLINICAL_POST)
expect("rehab:programme_status", **CLINICAL)
expect("rehab:programme_download", **CLINICAL_LEAD_READS)
expect("rehab:link_create", "post", **CLINICAL_POST)
expect("rehab:link_sheet", "post", **CLINICAL)  # answers with the handover sheet
expect("rehab:link_revoke", "post", **CLINICAL_POST)
expect("rehab:caseload", **STAFF)
expect("rehab:caseload_csv", **STAFF)
# An empty form: the errors are shown.
expect("rehab:reassign", "post", **{**ADMIN_POST, "admin": OK, "lead": OK, "other_lead": OK})
expect("rehab:exercises", **STAFF)
expect("rehab:exercise_create", **ADMIN)
expect("rehab:exercise_toggle", "post", **ADMIN_POST)
expect("public:programme", **PUBLIC)  # a valid link; invalid ones are tested with the links
expect("public:programme_file", **PUBLIC)
expect("public:diary", **PUBLIC)
expect("public:my_diary", **PATIENT_ONLY)
expect("public:my_programmes", **PATIENT_ONLY)
expect("public:my_programme_download", **PATIENT_ONLY)
expect("public:my_data", **PATIENT_ONLY)


@dataclass
class Scene:
    world: Any
    patient: Any
    theirs: Any
    assessment: Any
    plan: Any
    job: Any
    staff_target: User
    lead: User
    other_lead: User

    def args(self, route, persona: str) -> dict[str, str]:
        """Placeholder arguments, fresh objects where a request changes state."""
        values: dict[str, str] = {}
        for _, name in route.params:
            if name == "public_id":
                if route.name == "staff_clinical_lead":
                    values[name] = str(self.lead.public_id)
                elif route.name.startswith("staff_"):
                    values[name] = str(self.staff_target.public_id)
                else:
                    values[name] = str(self.patient.public_id)
            elif name == "assessment_id":
                values[name] = str(self.assessment.public_id)
            elif name == "plan_id":
                values[name] = str(self.plan.public_id)
            elif name == "job_id":
                values[name] = str(self.job.public_id)
            elif name == "link_id" and route.name == "rehab:link_sheet":
                link, _ = programmes.start_link(self.plan, self.world.physio)
                values[name] = str(link.pk)
            elif name == "link_id":
                link, _ = programmes.create_link(self.plan, self.world.physio)
                values[name] = str(link.pk)
            elif name == "pk":
                values[name] = str(Exercise.objects.get(clinic=None, code="S1-01").pk)
            elif name == "token" and route.name == "invitation_accept":
                invitee = make_user(self.world.clinic, User.Role.PHYSIO, is_active=False)
                values[name] = Invitation.issue(invitee, self.world.admin)
            elif name == "token" and route.name == "public:diary":
                values[name] = programmes.create_link(self.plan, None, PatientLink.Purpose.DIARY)[1]
            elif name == "token" and route.name.startswith("public:"):
                values[name] = programmes.create_link(self.plan, self.world.physio)[1]
            elif name in ("uidb64", "token"):
                values["uidb64"] = urlsafe_base64_encode(force_bytes(self.world.physio.pk))
                values["token"] = default_token_generator.make_token(self.world.physio)
        return values


@pytest.fixture
def scene(world, settings, tmp_path) -> Scene:
    settings.PROGRAMME_DIR = tmp_path
    account = make_user(world.clinic, User.Role.PATIENT, username="walkpatient")
    patient = make_patient(
        world.clinic, world.physio, last_name=OURS, user=account, email="p@example.org"
    )
    theirs = make_patient(world.other_clinic, world.other_physio, last_name=THEIRS)
    first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
    confirm(first.decision, world.physio)
    patient.refresh_from_db()
    assessment = make_assessment(patient, world.physio, visit_date="2026-01-20", G2_nprs="2")
    draft = plans.create_from_template(patient, patient.stage, world.physio)
    plan = plans.issue(draft, draft.lock_version, world.physio)
    job = programmes.request_render(plan, world.physio)
    # A ready job without the render's cost: access, not PDF content, is tested here.
    content = b"%PDF-1.7 test"
    job.file_name = programmes.programme_path(job).name
    programmes.write_atomically(programmes.programme_path(job), content)
    job.status, job.sha256 = "ready", hashlib.sha256(content).hexdigest()
    job.save()
    other_first = make_assessment(theirs, world.other_physio, visit_date="2026-01-05")
    confirm(other_first.decision, world.other_physio)
    target = make_user(world.clinic, User.Role.PHYSIO, username="walktarget")
    lead = make_user(world.clinic, User.Role.CLINIC_ADMIN, username="walklead", clinical_lead=True)
    other_lead = make_user(
        world.other_clinic, User.Role.CLINIC_ADMIN, username="walkotherlead", clinical_lead=True
    )
    return Scene(world, patient, theirs, assessment, plan, job, target, lead, other_lead)


def user_for(scene: Scene, persona: str) -> User | None:
    if persona == "anonymous":
        return None
    if persona == "patient":
        return scene.patient.user
    if persona in ("lead", "other_lead"):
        return getattr(scene, persona)
    return getattr(scene.world, persona)


def answers(scene: Scene, route) -> dict[str, int]:
    method = EXPECTED.get(route.name, ("get", {}))[0]
    codes = {}
    for persona in PERSONAS:
        client = client_for(user_for(scene, persona))
        response = getattr(client, method)(route.url(**scene.args(route, persona)))
        codes[persona] = response.status_code
        body = b"".join(response.streaming_content) if response.streaming else response.content
        foreign = OURS if persona in OUTSIDERS else THEIRS
        assert foreign.encode() not in body, (route.name, persona)
    return codes


ROUTES = app_routes()


def test_every_route_has_an_entry():
    names = {r.name for r in ROUTES}
    assert names == set(EXPECTED), {
        "missing": names - set(EXPECTED),
        "stale": set(EXPECTED) - names,
    }


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_answers_every_persona_as_expected(scene, route):
    _method, codes = EXPECTED[route.name]
    wanted = {p: codes.get(p, codes.get("star", 0)) for p in PERSONAS}
    assert answers(scene, route) == wanted
