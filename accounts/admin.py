from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import audit, throttle
from accounts.forms import UserAdminChangeForm, UserAdminCreationForm
from accounts.models import AuditEvent, LoginLockout, User
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
        "is_staff",
        "is_active",
        "date_joined",
        "last_login",
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
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        # A manager grants access through groups; only a superuser hands out admin or superuser rights.
        return (*readonly, "is_staff", "is_superuser", "user_permissions", "last_login", "date_joined")

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
        count = queryset.exclude(is_active=active).update(is_active=active)
        message = (
            ngettext("%d user was activated.", "%d users were activated.", count)
            if active
            else ngettext("%d user was deactivated.", "%d users were deactivated.", count)
        )
        self.message_user(request, message % count, messages.SUCCESS)


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
    readonly_fields = ("created_at", "kind", "user", "username", "actor", "ip", "detail")


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
