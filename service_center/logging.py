"""Log formatting: one line per event, JSON in production, each with the request id."""

import datetime
import json
import logging
import re
from http import HTTPStatus

from django.views.debug import SafeExceptionReporterFilter

from service_center.http import redact_paths
from service_center.middleware import request_id_var


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class RedactSecretPathsFilter(logging.Filter):
    """Takes mailed links' tokens out of the paths that Django's own log lines carry ("Bad Request: /path" from
    django.request, the development server's request lines), as the access line does."""

    # Django's own request lines ("GET /customers/?q=Rosa HTTP/1.1" from the development server) lose their query
    # strings too: a search typed at the counter is a customer's name or phone number.
    QUERY_STRING = re.compile(r"\?[^\s\"]*")
    REQUEST_LOGGERS = ("django.server", "django.request")

    def filter(self, record):
        def clean(text):
            text = redact_paths(text)
            return self.QUERY_STRING.sub("?[query]", text) if record.name in self.REQUEST_LOGGERS else text

        if isinstance(record.args, tuple):
            record.args = tuple(clean(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str) and not record.args:
            record.msg = clean(record.msg)
        return True


class NotAnOutageFilter(logging.Filter):
    """Keeps 503s (the database or the cache unreachable) out of the mails to ADMINS: an outage would otherwise
    send one mail per request. Each is still in the log, and /readyz says what is down."""

    def filter(self, record):
        return getattr(record, "status_code", None) != HTTPStatus.SERVICE_UNAVAILABLE


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
