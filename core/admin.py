from django.contrib import admin

from core.models import ServiceEvent, ServiceItem
from service_center.admin import ReadOnlyAdminMixin


class ServiceEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ServiceEvent
    fields = ("created_at", "actor", "kind", "changes", "note")
    readonly_fields = fields
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: every change goes through the logbook's pages, so the history never misses one."""

    list_display = (
        "control_number",
        "customer_name",
        "item",
        "brand",
        "serial_number",
        "status",
        "received_at",
        "assigned_to",
    )
    list_filter = ("status", "priority", "received_at", ("assigned_to", admin.RelatedOnlyFieldListFilter))
    search_fields = ("customer_name", "customer_phone", "serial_number", "item", "brand")
    list_select_related = ("assigned_to",)
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [ServiceEventInline]

    @admin.display(description="Control no.", ordering="id")
    def control_number(self, obj):
        return obj.control_number
