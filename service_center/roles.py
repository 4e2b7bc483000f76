"""The staff groups: the whole site's access model.

A manager grants access by putting a user in one of these groups in the admin; each app grants its own
permissions to them in its migrations (core/migrations/0002_staff_groups.py, accounts/migrations/0003_...).
Migrations keep the names as literals: they are frozen history.
"""

FRONT_DESK = "Front desk"
TECHNICIANS = "Technicians"
MANAGERS = "Managers"
STAFF_GROUPS = (FRONT_DESK, TECHNICIANS, MANAGERS)


def is_manager(user) -> bool:
    """A superuser, or a member of the Managers group."""
    return user.is_superuser or user.groups.filter(name=MANAGERS).exists()


def is_staff_member(user) -> bool:
    """Anyone who works here: an admin user, or anyone granted a permission (staff groups grant them).

    A self-registered account has no permission. Django caches the permissions on the user object, so the
    views' own has_perm() checks that follow cost no further query.
    """
    return user.is_staff or user.is_superuser or bool(user.get_all_permissions())
