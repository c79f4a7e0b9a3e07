from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("patients/", include("patients.urls")),
    path("", include("rehab.urls")),
    path("", include("rehab.public_urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

handler403 = "accounts.errors.forbidden"
handler404 = "accounts.errors.not_found"
handler500 = "accounts.errors.server_error"
