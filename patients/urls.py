from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:public_id>/", views.patient_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:public_id>/archive/", views.patient_archive, name="archive"),
    path("<uuid:public_id>/restore/", views.patient_restore, name="restore"),
    path("<uuid:public_id>/invite/", views.patient_invite, name="invite"),
    path("<uuid:public_id>/assessments/new/", views.assessment_create, name="assessment_create"),
    path(
        "<uuid:public_id>/assessments/<uuid:assessment_id>/",
        views.assessment_detail,
        name="assessment",
    ),
    path(
        "<uuid:public_id>/assessments/<uuid:assessment_id>/edit/",
        views.assessment_edit,
        name="assessment_edit",
    ),
]
