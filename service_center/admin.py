"""Admin parts every app uses. A plain module: service_center is not an installed app, so nothing autodiscovers it."""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _


class ReadOnlyAdminMixin:
    """An admin that shows and never writes: what it lists changes only through the site's own pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EdgeSafeChangeListMixin:
    """A change list whose filters and actions cannot fail: a date at the calendar's end in the date hierarchy
    (the year after 9999) or a date filter that overflows when moved to UTC answers like any other bad filter,
    with the admin's "?e=1" redirect; an action on selected rows that are no rows ("abc" for an id) says so.
    Django's own change list answers both with a 500."""

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except (OverflowError, ValueError) as error:
            raise IncorrectLookupParameters(error) from error

    def response_action(self, request, queryset):
        try:
            for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
                self.model._meta.pk.to_python(value)
        except ValidationError:
            self.message_user(request, _("Those are not items of this list."), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class AdminSite(admin.AdminSite):
    """The admin site: every model admin registered here, ours and other packages', gets the safe change list."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, EdgeSafeChangeListMixin):
            admin_class = type(
                admin_class.__name__, (EdgeSafeChangeListMixin, admin_class), {"__module__": admin_class.__module__}
            )
        return super().register(model_or_iterable, admin_class, **options)
