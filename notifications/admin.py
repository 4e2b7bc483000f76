from django.contrib import admin

from notifications.forms import MessageTemplateAdminForm
from notifications.models import Message, MessageTemplate, StatusLink
from service_center.admin import ReadOnlyAdminMixin


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """The same checks as the managers' page (/messages/templates/), which also previews a draft."""

    form = MessageTemplateAdminForm
    list_display = ("__str__", "enabled", "subject", "updated_at", "updated_by")
    list_editable = ("enabled",)
    readonly_fields = ("event", "updated_at", "updated_by")
    fields = ("event", "enabled", "subject", "body_text", "body_html", "updated_at", "updated_by")

    def has_add_permission(self, request):
        return False  # one per event, made by the migration

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The outbox, read-only: messages are written by the site, resent from the job's page."""

    list_display = ("created_at", "event", "channel", "status", "attempts", "item", "customer")
    list_filter = ("status", "event", "channel")
    list_select_related = ("item", "customer")
    date_hierarchy = "created_at"
    show_full_result_count = False
    # What was sent, with the customer's links as [redacted] stand-ins: the outbox keeps no working link.
    exclude = ("body_html",)
    readonly_fields = ("rendered_at",)


@admin.register(StatusLink)
class StatusLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Links exist as hashes only: the admin cannot show a working link, and revoking is a button on the job."""

    list_display = ("item", "created_at", "expires_at", "revoked_at", "revoked_by")
    list_select_related = ("item", "revoked_by")
    exclude = ("nonce", "token_hash")
