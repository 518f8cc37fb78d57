from django.contrib import admin
from django.http import HttpRequest

from sellers.promotions.models import PlatformPromotion, ScheduledDiscount


@admin.register(PlatformPromotion)
class PlatformPromotionAdmin(admin.ModelAdmin):
    """For support work; create and change promotions at /platform/promotions/, whose
    services keep listings in step."""

    list_display = ("id", "name", "shop", "kind", "value", "starts_at", "ends_at", "deleted_at")
    list_filter = ("kind", "scope", "is_draft")
    readonly_fields = [field.name for field in PlatformPromotion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ScheduledDiscount)
class ScheduledDiscountAdmin(admin.ModelAdmin):
    list_display = ("shop", "discount_id", "starts_at", "ends_at", "version", "due_at")
    readonly_fields = [field.name for field in ScheduledDiscount._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
