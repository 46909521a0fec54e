from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Glassbook", {"fields": ("display_name", "is_instructor")}))  # type: ignore[misc]
    list_display = ("username", "display_name", "email", "is_instructor", "is_staff")
    list_filter = ("is_instructor", "is_staff", "is_active")
