from django.urls import path

from . import views

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
    path("exercises/", views.exercise_library, name="exercises"),
    path("exercises/new/", views.exercise_create, name="exercise_create"),
    path("exercises/<int:pk>/toggle/", views.exercise_toggle, name="exercise_toggle"),
]
