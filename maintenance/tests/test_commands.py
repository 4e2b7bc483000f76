import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from maintenance.models import Reminder
from maintenance.tests.factories import consenting_customer, piece

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("send_service_reminders", *args, stdout=out)
    return out.getvalue()


def test_a_dry_run_says_who_would_be_reminded_and_sends_nothing(settings):
    settings.SERVICE_JOBS_PER_WEEK = 1
    for name in ("Ann", "Bo"):
        piece(owner=consenting_customer(name=name), purchased_on=datetime.date(2025, 12, 1))
    out = run("--dry-run", "--date", "2026-11-27")
    assert out == (
        "2026-11-27: would remind 1 customer(s) of 1 piece(s); "
        "1 customer(s) wait for room on the bench (SERVICE_JOBS_PER_WEEK).\n"
    )
    assert "Ann" not in out  # customers' names stay out of logs
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("args", "error"),
    [(["--date", "2026-11-27"], "with --dry-run"), (["--dry-run", "--date", "27/11/2026"], "must look like")],
)
def test_bad_arguments_are_refused_with_a_clear_message(args, error):
    with pytest.raises(CommandError, match=error):
        run(*args)
