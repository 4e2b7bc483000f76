"""The admin for customers and their gear. The site's pages are where customers are merged, exported and erased and
where pieces change hands; here managers correct details and keep the list of equipment types. What the admin
saves is told to the other apps (search text, customers.signals) and written in the customer's history, as the
pages' services do."""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers import search, signals
from customers.models import Customer, CustomerEvent, CustomerPhone, Equipment, EquipmentType, Ownership
from service_center.admin import ReadOnlyAdminMixin


class CustomerPhoneForm(forms.ModelForm):
    class Meta:
        model = CustomerPhone
        fields = ("as_typed", "label", "position")

    def clean_as_typed(self):
        as_typed = " ".join(self.cleaned_data["as_typed"].split())
        e164 = search.parse_phone(as_typed)
        if e164 is None:
            raise forms.ValidationError(_("This is not a phone number we can read: type it with its area code."))
        taken = CustomerPhone.objects.filter(number=e164).exclude(pk=self.instance.pk).select_related("customer")
        if phone := taken.first():
            raise forms.ValidationError(
                _("This number is taken by customer #%(pk)s."), params={"pk": phone.customer_id}, code="taken"
            )
        self.instance.number = e164
        return as_typed


class CustomerPhoneInline(admin.TabularInline):
    model = CustomerPhone
    form = CustomerPhoneForm
    fields = ("as_typed", "number", "label", "position")
    readonly_fields = ("number",)
    extra = 0


class EquipmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Equipment
    fields = ("kind", "brand", "model", "serial_number", "purchased_on")
    readonly_fields = fields
    show_change_link = True
    extra = 0


class CustomerEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CustomerEvent
    fields = ("created_at", "actor", "kind", "changes", "note")
    readonly_fields = fields
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "preferred_channel", "consent", "created_at", "erased_at")
    list_filter = ("consent", "preferred_channel", ("erased_at", admin.EmptyFieldListFilter))
    search_fields = ("name",)  # shows the search box; the search itself is the site's (get_search_results)
    search_help_text = _("A name, a phone number in any formatting, an email, a serial number, a job…")
    readonly_fields = ("consent_at", "created_by", "created_at", "updated_at", "erased_at")
    fields = (
        "name",
        "email",
        "address",
        "notes",
        "preferred_channel",
        "consent",
        "consent_method",
        *readonly_fields,
    )
    show_full_result_count = False
    inlines = [CustomerPhoneInline, EquipmentInline, CustomerEventInline]

    def get_search_results(self, request, queryset, search_term):
        return queryset.search(search_term), False

    def has_delete_permission(self, request, obj=None):
        # A customer is erased (privacy) or merged (a duplicate) on the site's pages, never deleted.
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_erased:
            return self.fields
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if "consent" in form.changed_data:
            obj.consent_at = timezone.now() if obj.consent else None
            if not obj.consent:
                obj.consent_method = ""
        if change:
            obj.version += 1  # a form opened on the site before this save is stale now
        else:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            customer = form.instance
            changed = list(form.changed_data) + [
                str(formset.model._meta.verbose_name_plural) for formset in formsets if formset.has_changed()
            ]
            if changed or not change:
                CustomerEvent.objects.create(
                    customer=customer,
                    actor=request.user,
                    kind=CustomerEvent.Kind.EDITED if change else CustomerEvent.Kind.CREATED,
                    note=_("In the admin: %(what)s.") % {"what": ", ".join(changed) or "-"},
                )
            customer.refresh_search_document()
            signals.customer_changed.send(sender=Customer, customer=customer)


@admin.register(EquipmentType)
class EquipmentTypeAdmin(admin.ModelAdmin):
    """The list of equipment types offered at take-in: managers keep it here (rename, order, retire)."""

    list_display = ("name", "active", "position")
    list_editable = ("active", "position")
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        # Pieces keep their type (PROTECT): a type no longer offered is made inactive.
        return False


class OwnershipInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Ownership
    fields = ("customer", "started_at", "ended_at")
    readonly_fields = fields
    extra = 0


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("__str__", "serial_number", "owner")
    list_filter = ("kind",)
    search_fields = ("serial_number", "brand", "model")
    list_select_related = ("owner", "kind")
    raw_id_fields = ("owner",)
    inlines = [OwnershipInline]

    def get_readonly_fields(self, request, obj=None):
        # A piece changes hands on its transfer page, which keeps who owned it when.
        return ("owner",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if not change:
                Ownership.objects.create(equipment=obj, customer=obj.owner, started_at=obj.created_at)
            obj.owner.refresh_search_document()
            signals.equipment_changed.send(sender=Equipment, equipment=obj)
