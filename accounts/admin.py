from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.core.exceptions import ValidationError
from django.db import models

from pht_clinic import formfields

from .models import AuditEvent, Clinic, User


class SuperuserOnlyAdminSite(admin.AdminSite):
    site_header = "PHT Rehab Planner: operator"

    def has_permission(self, request):
        # The admin is for whoever hosts the app, never for clinic staff (issue 11).
        return bool(request.user.is_active and request.user.is_superuser)


admin.site.__class__ = SuperuserOnlyAdminSite


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "is_active"]
    # The operator's form too takes only the digits 0-9 (pht_clinic/formfields.py).
    formfield_overrides = {
        models.IntegerField: {"form_class": formfields.IntegerField},
    }


class OperatorUserChangeForm(UserChangeForm):
    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        # The permission is changed by the audited command only (shown read-only here). It
        # belongs to one clinic: granted there, it must not follow the person to another.
        if self.instance.clinical_lead and (
            cleaned.get("role") != User.Role.CLINIC_ADMIN
            or not cleaned.get("is_active")
            or cleaned.get("clinic") != self.instance.clinic
        ):
            raise ValidationError(
                "This person is clinical lead: first revoke it with "
                f"manage.py clinical_lead {self.instance.username} --revoke."
            )
        return cleaned


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = OperatorUserChangeForm
    list_display = ["username", "email", "role", "clinic", "is_active", "last_login"]
    list_filter = ["role", "clinic", "is_active"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Clinic", {"fields": ("clinic", "role", "clinical_lead")}),
    )
    readonly_fields = ["clinical_lead"]

    def has_delete_permission(self, request, obj=None):
        # SECURITY.md "clinical records": a person is deactivated, never deleted.
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "role", "clinic", "action", "outcome"]
    list_filter = ["action", "outcome"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
