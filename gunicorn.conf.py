"""gunicorn settings for `make serve` and production. Every value can be set from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# The usual rule for synchronous workers: two per core, plus one.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Django writes the access lines itself (with the request id and without query strings): see core/middleware.py.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Recycle workers now and then so that a slow leak can never grow without bound.
max_requests = 5000
max_requests_jitter = 500
