from django.urls import path

from . import caseload_views, views

app_name = "rehab"

urlpatterns = [
    path(
        "patients/<uuid:public_id>/assessments/<uuid:assessment_id>/decision/confirm/",
        views.decision_confirm,
        name="decision_confirm",
    ),
    path(
        "patients/<uuid:public_id>/assessments/<uuid:assessment_id>/decision/override/",
        views.decision_override,
        name="decision_override",
    ),
    path("patients/<uuid:public_id>/plans/", views.plan_list, name="plans"),
    path("patients/<uuid:public_id>/plans/new/", views.plan_create, name="plan_create"),
    path("patients/<uuid:public_id>/plans/<uuid:plan_id>/", views.plan_detail, name="plan"),
    path("patients/<uuid:public_id>/plans/<uuid:plan_id>/save/", views.plan_save, name="plan_save"),
    path("patients/<uuid:public_id>/plans/<uuid:plan_id>/add/", views.plan_add, name="plan_add"),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/issue/",
        views.plan_issue,
        name="plan_issue",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/revise/",
        views.plan_revise,
        name="plan_revise",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/programme/",
        views.programme_request,
        name="programme_request",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/programme/<uuid:job_id>/status/",
        views.programme_status,
        name="programme_status",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/programme/<uuid:job_id>/download/",
        views.programme_download,
        name="programme_download",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/links/",
        views.link_create,
        name="link_create",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/links/<int:link_id>/sheet/",
        views.link_sheet,
        name="link_sheet",
    ),
    path(
        "patients/<uuid:public_id>/plans/<uuid:plan_id>/links/<int:link_id>/revoke/",
        views.link_revoke,
        name="link_revoke",
    ),
    path("caseload/", caseload_views.caseload_page, name="caseload"),
    path("caseload/export.csv", caseload_views.caseload_csv, name="caseload_csv"),
    path("caseload/reassign/", caseload_views.reassign, name="reassign"),
    path("exercises/", views.exercise_library, name="exercises"),
    path("exercises/new/", views.exercise_create, name="exercise_create"),
    path("exercises/<int:pk>/toggle/", views.exercise_toggle, name="exercise_toggle"),
]
