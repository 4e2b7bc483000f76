from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import audit, services, throttle
from accounts.forms import InvitationForm, UserAdminChangeForm, UserAdminCreationForm
from accounts.models import AuditEvent, Invitation, LoginLockout, User
from service_center.admin import ReadOnlyAdminMixin


class AuditAccessChangesMixin:
    """Records changes of groups and permissions made in the admin, with who made them."""

    audited_relations = ()

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        before = {
            name: set(getattr(obj, name).values_list("pk", flat=True)) if obj.pk else set()
            for name in self.audited_relations
        }
        super().save_related(request, form, formsets, change)
        for name in self.audited_relations:
            related = getattr(obj, name)
            after = set(related.values_list("pk", flat=True))
            if after == before[name]:
                continue
            model = related.model
            added = [str(item) for item in model.objects.filter(pk__in=after - before[name])]
            removed = [str(item) for item in model.objects.filter(pk__in=before[name] - after)]
            audit.record(
                AuditEvent.Kind.ACCESS_CHANGED,
                request=request,
                user=obj if isinstance(obj, User) else None,
                username=str(obj),
                actor=request.user,
                field=name,
                added=added,
                removed=removed,
            )


@admin.register(User)
class UserAdmin(AuditAccessChangesMixin, DjangoUserAdmin):
    audited_relations = ("groups", "user_permissions")
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "group_names",
        "is_staff",
        "is_active",
        "date_joined",
        "last_login",
    )
    fieldsets = tuple(
        (name, {**options, "fields": (*options["fields"], "email_verified", "pending_email")})
        if "email" in options["fields"]
        else (name, options)
        for name, options in DjangoUserAdmin.fieldsets
    )
    list_filter = ("is_staff", "is_active", "is_superuser", "groups")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    actions = ("activate_users", "deactivate_users")

    def has_change_permission(self, request, obj=None):
        # Otherwise a manager could set a superuser's password and become one.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # Confirmation is the user's to give, by opening the link: the admin shows it, and the address waiting.
        readonly = (*super().get_readonly_fields(request, obj), "email_verified", "pending_email")
        if request.user.is_superuser:
            return readonly
        # A manager grants access through groups; only a superuser hands out admin or superuser rights.
        return (*readonly, "is_staff", "is_superuser", "user_permissions", "last_login", "date_joined")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("groups"))
    def group_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"

    @admin.action(description=_("Activate selected users"), permissions=["change"])
    def activate_users(self, request, queryset):
        self._set_active(request, queryset, active=True)

    @admin.action(description=_("Deactivate selected users"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, _("You can’t deactivate your own account."), messages.ERROR)
            return
        self._set_active(request, queryset, active=False)

    def _set_active(self, request, queryset, *, active):
        """Each user in turn, with the same per-object check as the change form (a manager may not change a
        superuser), its sessions ended when deactivated, an audit event and an admin log entry each."""
        changed = refused = 0
        for user in queryset.exclude(is_active=active).order_by("pk"):
            if not self.has_change_permission(request, user):
                refused += 1
                continue
            with transaction.atomic():
                services.set_active(user=user, active=active, actor=request.user, request=request)
                self.log_change(request, user, [{"changed": {"fields": ["Active"]}}])
            changed += 1
        message = (
            ngettext("%d user was activated.", "%d users were activated.", changed)
            if active
            else ngettext("%d user was deactivated.", "%d users were deactivated.", changed)
        )
        self.message_user(request, message % changed, messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%d superuser was left as it was: only a superuser can change one.",
                    "%d superusers were left as they were: only a superuser can change them.",
                    refused,
                )
                % refused,
                messages.WARNING,
            )

    def save_model(self, request, obj, form, change):
        """A change made here goes through the same flows as on the site: a new address must be confirmed (and
        the old one is told), deactivation ends the sessions, and the audit trail says who did it."""
        if not change:
            super().save_model(request, obj, form, change)
            audit.record(AuditEvent.Kind.REGISTERED, request=request, user=obj, actor=request.user, by="admin")
            return
        before = User.objects.get(pk=obj.pk)
        new_email = obj.email
        if "email" in form.changed_data:
            obj.email = before.email
        super().save_model(request, obj, form, change)
        if "email" in form.changed_data:
            services.change_email(user=obj, new_email=new_email, request=request, actor=request.user)
        if before.is_active != obj.is_active:
            obj.is_active = before.is_active
            services.set_active(user=obj, active=not before.is_active, actor=request.user, request=request)
        flags = [name for name in ("is_staff", "is_superuser") if getattr(before, name) != getattr(obj, name)]
        for name in flags:
            audit.record(
                AuditEvent.Kind.ACCESS_CHANGED,
                request=request,
                user=obj,
                actor=request.user,
                field=name,
                value=getattr(obj, name),
            )

    def user_change_password(self, request, id, form_url=""):
        """Django's "set password" page; a password set here is a changed password like any other."""
        user = self.get_object(request, unquote(id))
        before = user.password if user is not None else None
        response = super().user_change_password(request, id, form_url)
        if user is not None and request.method == "POST":
            user.refresh_from_db(fields=["password"])
            if user.password != before:
                services.password_changed(user=user, request=request, actor=request.user)
        return response


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Managers invite people by email; the link in the mail lets them choose a username and a password."""

    form = InvitationForm
    list_display = ("email", "invited_by", "created_at", "accepted_at", "user")
    list_filter = ("accepted_at", "created_at")
    search_fields = ("email",)
    list_select_related = ("invited_by", "user")
    fields = ("email", "groups")
    filter_horizontal = ("groups",)
    actions = ("send_again",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ("email", "groups", "invited_by", "created_at", "accepted_at", "user") if obj else ()

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) or self.fields

    def save_model(self, request, obj, form, change):
        form.instance = services.invite(
            email=form.cleaned_data["email"],
            groups=form.cleaned_data["groups"],
            invited_by=request.user,
            request=request,
        )

    def save_related(self, request, form, formsets, change):
        pass  # invite() set the groups

    @admin.action(description=_("Send the selected invitations again"), permissions=["add"])
    def send_again(self, request, queryset):
        count = 0
        for invitation in queryset.filter(accepted_at__isnull=True):
            services.resend_invitation(invitation=invitation)
            count += 1
        self.message_user(request, ngettext("%d invitation sent again.", "%d invitations sent again.", count) % count)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditAccessChangesMixin, DjangoGroupAdmin):
    audited_relations = ("permissions",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "username", "actor", "ip")
    list_filter = ("kind", "created_at")
    search_fields = ("username", "ip")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)
    readonly_fields = ("created_at", "kind", "user", "username", "actor", "ip", "details")
    fields = readonly_fields

    @admin.display(description=_("detail"))
    def details(self, obj):
        """The event's facts as a list ("added: Front desk"), not raw JSON."""
        if not obj.detail:
            return "—"
        rows = (
            (key.replace("_", " "), ", ".join(map(str, value)) if isinstance(value, list) else value)
            for key, value in sorted(obj.detail.items())
        )
        return format_html_join("\n", "<div><strong>{}:</strong> {}</div>", ((k, v or "—") for k, v in rows))


@admin.register(LoginLockout)
class LoginLockoutAdmin(admin.ModelAdmin):
    list_display = ("account", "scope", "locked_until", "created_at")
    date_hierarchy = "locked_until"
    list_filter = ("scope",)
    search_fields = ("key",)
    actions = ("clear_lockouts",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("account or address"), ordering="key")
    def account(self, obj):
        return throttle.describe_key(obj.key)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("Clear the selected lockouts (they may try again at once)"), permissions=["delete"])
    def clear_lockouts(self, request, queryset):
        count = 0
        for lockout in queryset:
            limit = throttle.THROTTLES.get(lockout.scope)
            if limit:
                limit.clear(lockout.key)
            lockout.delete()
            count += 1
        self.message_user(request, ngettext("%d lockout cleared.", "%d lockouts cleared.", count) % count)
