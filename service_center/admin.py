"""Admin parts every app uses. A plain module: service_center is not an installed app, so nothing autodiscovers it."""


class ReadOnlyAdminMixin:
    """An admin that shows and never writes: what it lists changes only through the site's own pages."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
