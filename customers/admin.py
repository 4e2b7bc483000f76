from django.contrib import admin

from customers.models import Customer, CustomerPhone, Equipment, EquipmentType


class CustomerPhoneInline(admin.TabularInline):
    model = CustomerPhone
    fields = ("as_typed", "number", "label", "position")
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "preferred_channel", "consent", "created_at")
    list_filter = ("consent", "preferred_channel")
    search_fields = ("name", "email", "phones__as_typed")
    inlines = [CustomerPhoneInline]


@admin.register(EquipmentType)
class EquipmentTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "position")
    list_editable = ("active", "position")


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "serial_number", "owner")
    list_filter = ("kind",)
    search_fields = ("serial_number", "brand", "model")
    list_select_related = ("owner", "kind")
    raw_id_fields = ("owner",)
