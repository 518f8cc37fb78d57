from django.contrib import admin

from realtime.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: notifications are written by realtime.services (once per recipient)."""

    list_display = ("id", "kind", "title", "user", "shop", "created_at", "read_at", "email_mode")
    list_filter = ("kind", "email_mode", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "dedupe_key", "user__email")
    raw_id_fields = ("user", "shop")
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
