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
]
