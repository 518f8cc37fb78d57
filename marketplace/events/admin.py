from django.contrib import admin

from marketplace.events.models import OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "key", "occurred_at", "published_at", "attempts")
    list_filter = ("type", ("published_at", admin.EmptyFieldListFilter))
    readonly_fields = [field.name for field in OutboxEvent._meta.fields]
