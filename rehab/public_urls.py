from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("p/<str:token>/", public_views.programme_page, name="programme"),
    path("p/<str:token>/programme.pdf", public_views.programme_file, name="programme_file"),
    path("d/<str:token>/", public_views.diary_by_link, name="diary"),
    path("my/diary/", public_views.my_diary, name="my_diary"),
    path("my/programmes/", public_views.my_programmes, name="my_programmes"),
    path("my/data.zip", public_views.my_data, name="my_data"),
    path(
        "my/programmes/<uuid:plan_id>/download/",
        public_views.my_programme_download,
        name="my_programme_download",
    ),
]
