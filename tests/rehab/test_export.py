"""A patient's copy of their own data contains exactly their records (issue 11)."""

import io
import json
import zipfile

from django.urls import reverse

from accounts.models import AuditEvent, User
from rehab import diary, plans, programmes, tasks
from rehab.services import confirm

from ..conftest import client_for
from ..factories import make_assessment, make_patient, make_user


def test_the_zip_holds_exactly_the_patients_own_records(world, settings, tmp_path):
    settings.PROGRAMME_DIR = tmp_path
    account = make_user(world.clinic, User.Role.PATIENT, username="exporter")
    mine = make_patient(
        world.clinic, world.physio, first_name="Mine", last_name="Own", user=account
    )
    other = make_patient(world.clinic, world.physio, first_name="Someone", last_name="Else")
    for patient in (mine, other):
        first = make_assessment(patient, world.physio, visit_date="2026-01-05", G1_nprs="2")
        confirm(first.decision, world.physio)
        patient.refresh_from_db()
        draft = plans.create_from_template(patient, patient.stage, world.physio)
        plan = plans.issue(draft, draft.lock_version, world.physio)
        tasks.render_programme(programmes.request_render(plan, world.physio).pk)
        diary.record(
            patient, plan, plan.issued_at.date(), {"session_done": True, "exercise_pain": 2}, "link"
        )
    response = client_for(account).get(reverse("public:my_data"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [
        "assessments.json", "diary.json", "patient.json", "programmes/programme-v1.pdf",
    ]  # fmt: skip
    record = json.loads(archive.read("patient.json"))
    assert record["last_name"] == "Own" and record["stage"] == 2
    assert [a["visit_date"] for a in json.loads(archive.read("assessments.json"))] == ["2026-01-05"]
    assert len(json.loads(archive.read("diary.json"))) == 1
    everything = b"".join(
        archive.read(name) for name in archive.namelist() if name.endswith(".json")
    )
    assert b"Else" not in everything and b"Someone" not in everything
    assert archive.read("programmes/programme-v1.pdf").startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="patient_data_exported", patient_ref=mine.public_id
    ).exists()
    assert client_for(world.physio).get(reverse("public:my_data")).status_code == 403
