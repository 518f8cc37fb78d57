from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from marketplace.accounts.models import Address, User


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ("full_name", "line1", "line2", "city", "postal_code", "country", "is_default")
    # Defaults move through the address services (one per person, row lock): read-only here.
    readonly_fields = ("is_default",)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "name", "is_staff", "is_active", "email_verified_at", "date_joined")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (
            "Dates",
            {"fields": ("last_login", "date_joined", "email_verified_at", "deactivated_at")},
        ),
    )
    readonly_fields = ("email_verified_at", "deactivated_at")
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = (AddressInline,)
