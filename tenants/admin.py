from django.contrib import admin

from tenants.models import Domain, Membership, Shop


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "status", "schema_name", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "slug")
    readonly_fields = ("schema_name", "slug", "created_at")
    inlines = [MembershipInline]


admin.site.register(Domain)
