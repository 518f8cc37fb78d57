from django.contrib import admin

from tenants.models import Domain, Invitation, Membership, Shop


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "country", "schema_name", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug")
    # Suspension goes through /platform/shops/ (reason, event); logos through the
    # validating upload of the dashboard. Neither is edited here.
    readonly_fields = (
        "schema_name",
        "slug",
        "created_at",
        "logo",
        "status",
        "suspended_at",
        "suspension_reason",
    )
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = (
        "email",
        "shop",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "shop__name", "shop__slug")
    # The token hash is useless to people and stays out of the admin.
    exclude = ("token_hash",)
    readonly_fields = (
        "shop",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


admin.site.register(Domain)
