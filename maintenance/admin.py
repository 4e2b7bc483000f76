from django.contrib import admin

from maintenance.models import EquipmentClock, Reminder, ServiceClock, ServiceRecord
from service_center.admin import ReadOnlyAdminMixin


@admin.register(ServiceClock)
class ServiceClockAdmin(admin.ModelAdmin):
    """Managers edit the plans here. Saving a clock brings every piece of its type up to date (in the
    background); SERVICE_PLAN_REGION decides which regions' clocks are in force."""

    list_display = ("equipment_type", "name", "interval_months", "outcome", "region", "position")
    list_filter = ("region", "outcome", "equipment_type")
    list_select_related = ("equipment_type",)
    search_fields = ("name", "equipment_type__name")
    fields = ("equipment_type", "name", "interval_months", "outcome", "region", "source", "position")


@admin.register(EquipmentClock)
class EquipmentClockAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: own intervals and service dates change on the piece's page, so due dates stay true."""

    list_display = ("equipment", "clock", "interval_months", "last_done_on", "next_due_on")
    list_filter = ("clock",)
    list_select_related = ("equipment__kind", "clock__equipment_type")
    search_fields = ("equipment__serial_number", "equipment__brand")
    show_full_result_count = False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("done_on", "equipment", "clock", "source", "done_by", "recorded_by")
    list_filter = ("source", "clock")
    list_select_related = ("equipment__kind", "clock__equipment_type", "recorded_by")
    date_hierarchy = "done_on"


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("sent_on", "customer", "equipment_clock", "due_on")
    list_select_related = ("customer", "equipment_clock__equipment__kind", "equipment_clock__clock__equipment_type")
    date_hierarchy = "sent_on"
