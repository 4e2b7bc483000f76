"""Accounts whose password hash is older than the site's (PBKDF2 from before Argon2id), and retiring them.

Such a hash is re-made with Argon2id at the account's next login, but until then a wrong password for it takes
the old hasher's time (PBKDF2 with a million iterations: several times Argon2id's), which tells an attacker that
the account exists (review F13). `--retire` ends those passwords: the account cannot log in with it any more
(a wrong or right password then costs what an unknown name costs), its sessions end, and the user is told by
mail to choose a new one with the reset link (a manager sets one for an address that is not confirmed).
"""

from django.contrib.auth.hashers import get_hasher, identify_hasher
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import audit, services
from accounts.models import AuditEvent, User


class Command(BaseCommand):
    help = "List (or with --retire, end) passwords hashed with an older hasher than the preferred one."

    def add_arguments(self, parser):
        parser.add_argument("--retire", action="store_true", help="End those passwords and tell their users.")

    def handle(self, *args, retire=False, **options):
        preferred = get_hasher().algorithm
        legacy = [user for user in User.objects.order_by("pk") if self._is_legacy(user.password, preferred)]
        for user in legacy:
            self.stdout.write(f"{user.username} ({identify_hasher(user.password).algorithm})")
            if retire:
                self._retire(user)
        verb = "retired" if retire else "found"
        self.stdout.write(f"{len(legacy)} older password hash(es) {verb}.")

    @staticmethod
    def _is_legacy(encoded, preferred):
        if not encoded or encoded.startswith("!"):
            return False
        try:
            return identify_hasher(encoded).algorithm != preferred
        except ValueError:
            return True

    @staticmethod
    @transaction.atomic
    def _retire(user):
        user.set_unusable_password()
        user.save(update_fields=["password"])
        services.end_sessions(user=user)
        audit.record(AuditEvent.Kind.PASSWORD_RESET, user=user, reason="older hash retired")
        services.queue_notice(template="password_retired", user=user)
