from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import UserAdminChangeForm, UserAdminCreationForm
from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
