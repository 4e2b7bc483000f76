from django.contrib import admin

from billing.models import DiscountLimit, Estimate, EstimateLine, Invoice, InvoiceLine, Payment, PriceItem
from service_center.admin import ReadOnlyAdminMixin

# Read-only: money changes through the site's pages, which keep the job's timeline and the audit trail.


class EstimateLineInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = EstimateLine
    fields = ("kind", "code", "description", "quantity", "unit_price", "discount_percent", "tax_rate")
    readonly_fields = fields
    extra = 0


class InvoiceLineInline(EstimateLineInline):
    model = InvoiceLine
    fields = (*EstimateLineInline.fields, "amount")
    readonly_fields = fields


@admin.register(PriceItem)
class PriceItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "kind", "unit_price", "tax_rate", "stock", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")


@admin.register(DiscountLimit)
class DiscountLimitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("group", "max_percent")


@admin.register(Estimate)
class EstimateAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "status", "gross", "sent_at", "decided_at", "decided_via")
    list_filter = ("status",)
    list_select_related = ("item",)
    inlines = [EstimateLineInline]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "kind", "issued_at", "gross", "issued_by")
    list_filter = ("kind", "year")
    search_fields = ("number",)
    inlines = [InvoiceLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("received_at", "item", "kind", "method", "amount", "reference", "received_by")
    list_filter = ("kind", "method", "received_at")
    list_select_related = ("item", "received_by")
