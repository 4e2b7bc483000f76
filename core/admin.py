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
        "customer",
        "equipment",
        "status",
        "received_at",
        "assigned_to",
    )
    list_filter = ("status", "priority", "received_at", ("assigned_to", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("assigned_to", "customer", "equipment__kind")
    date_hierarchy = "received_at"
    show_full_result_count = False
    inlines = [ServiceEventInline]

    def get_search_results(self, request, queryset, search_term):
        # The logbook's own search: control number, name, phone in any formatting, serial, brand, fault words.
        return queryset.search(search_term), False

    @admin.display(description="Control no.", ordering="id")
    def control_number(self, obj):
        return obj.control_number
