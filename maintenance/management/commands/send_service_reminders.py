"""Send today's service reminders: for cron or a systemd timer when the worker's periodic task is not used.

manage.py send_service_reminders            # once a day; running it again sends nothing twice
manage.py send_service_reminders --dry-run  # who would be reminded today, and who waits for room
"""

import datetime

from django.core.management.base import BaseCommand, CommandError

from maintenance import services


class Command(BaseCommand):
    help = "Remind each consenting customer, once, of their gear falling due (within the bench's weekly capacity)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say who would be reminded; send nothing.")
        parser.add_argument("--date", help="Plan as if today were this date (YYYY-MM-DD); with --dry-run only.")

    def handle(self, *args, dry_run=False, date=None, **options):
        day = None
        if date:
            if not dry_run:
                raise CommandError("--date plans only: use it with --dry-run.")
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError as error:
                raise CommandError(f"--date must look like 2026-11-27, not {date!r}.") from error
        run = services.send_service_reminders(day=day, dry_run=dry_run)
        verb = "would remind" if dry_run else "reminded"
        pieces = sum(plan.pieces for plan in run.sent)
        self.stdout.write(
            f"{run.day.isoformat()}: {verb} {len(run.sent)} customer(s) of {pieces} piece(s); "
            f"{run.waiting} customer(s) wait for room on the bench (SERVICE_JOBS_PER_WEEK)."
        )
        if dry_run and options["verbosity"] > 1:
            for plan in run.sent:
                self.stdout.write(f"  customer #{plan.customer.pk}: {len(plan.clocks)} clock(s)")
