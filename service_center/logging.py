"""Log formatting: one line per event, JSON in production, each with the request id."""

import datetime
import json
import logging
import re

from django.views.debug import SafeExceptionReporterFilter

from service_center.middleware import request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class SecretPathFilter(logging.Filter):
    """Paths that carry a secret (a customer's status link, an unsubscribe link) lose it in every log line: Django's
    own request and CSRF warnings write the path of any refused request, and such a path is a working link."""

    SECRET_PATHS = re.compile(r"/(status|messages/unsubscribe)/[^/\s\"']+")

    def filter(self, record):
        message = record.getMessage()
        redacted = self.SECRET_PATHS.sub(r"/\1/…", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class NoFormDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports (the log, mails to ADMINS) never carry what was typed into a form: customers' data stays out."""

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)
