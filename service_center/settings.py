"""Settings for service_center, read from the environment and an optional .env file.

Every variable is listed, with a comment, in .env.example. See
https://docs.djangoproject.com/en/5.2/ref/settings/ for what each Django setting does.
"""

import decimal
import os
import sys
import urllib.parse
from email.utils import getaddresses
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=True) and (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

# General
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])


def _startup_problem(secret_key, allowed_hosts, debug):
    """Return a one-line description of a setting that makes the site unsafe to start, or None."""
    if debug:
        return None
    weak = (
        len(secret_key) < 50
        or len(set(secret_key)) < 5
        or secret_key.startswith("django-insecure")
        or secret_key.startswith("change-me")
    )
    if weak:
        return (
            "DJANGO_SECRET_KEY is missing or weak: set it to a random string of 50+ characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))'), or set DJANGO_DEBUG=on for local use."
        )
    if not allowed_hosts:
        return (
            "DJANGO_ALLOWED_HOSTS is empty: set it to the site's host names, comma-separated (e.g. shop.example.com)."
        )
    return None


_problem = _startup_problem(SECRET_KEY, ALLOWED_HOSTS, DEBUG)
if _problem:
    sys.exit(f"service_center cannot start: {_problem}")
if not SECRET_KEY:
    # DEBUG is on: a throw-away key keeps a bare checkout working; sessions end when the process restarts.
    from django.core.management.utils import get_random_secret_key

    SECRET_KEY = get_random_secret_key()

# Old keys after a change of SECRET_KEY: what they signed (sessions, status links) keeps working.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

SHOP_NAME = env("SHOP_NAME", default="Service Center")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Applications
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "service_center.apps.AdminConfig",  # django.contrib.admin with our AdminSite (service_center/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "phonenumber_field",
    "accounts",
    "customers",
    "core",
    "notifications",
    "billing",
    "maintenance",
]

MIDDLEWARE = [
    "service_center.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "service_center.middleware.AdminStylesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "service_center.middleware.PrivatePagesMiddleware",
    "service_center.middleware.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "service_center.urls"
WSGI_APPLICATION = "service_center.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "service_center.context_processors.shop",
            ],
        },
    },
]
# Our own field and form templates (Bootstrap markup) replace Django's default ones.
# https://docs.djangoproject.com/en/5.2/ref/forms/renderers/#templatessetting
FORM_RENDERER = "service_center.forms.BootstrapFormRenderer"

# Database
# ------------------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/service_center; by default a SQLite file here.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and IMMEDIATE transactions let concurrent writers wait for each other instead of failing with
    # "database is locked". https://docs.djangoproject.com/en/5.2/ref/databases/#database-is-locked-errors
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that tests with threads see one database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
else:
    # Keep connections open between requests, and check them before use so a restarted server is survived.
    # https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DATABASE_CONNECT_TIMEOUT", default=5)

# Cache and sessions
# ------------------------------------------------------------------------------
# REDIS_URL (e.g. redis://127.0.0.1:6379/0) shares the cache, the sessions and the login counters between app
# servers; without it each process keeps its own cache in memory and sessions live in the database.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "service_center",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Django's cache sessions, except that an unreachable Redis answers 503 instead of logging everyone out.
    SESSION_ENGINE = "service_center.sessions"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Background tasks
# ------------------------------------------------------------------------------
# Mail and other slow work leave the request: a view queues a task, the worker (`python -m service_center.worker`,
# which `make run` starts beside the development server) runs it. Django's Tasks API, from the django-tasks
# backport on Django 5.2. TASK_BACKEND: "database" (the default: a queue in the site's own database) or "rq"
# (RQ on Redis, for several app servers and workers). https://github.com/RealOrangeOne/django-tasks
TASK_BACKEND = env("TASK_BACKEND", default="database")
INSTALLED_APPS += ["django_tasks", "django_tasks_db"]
if TASK_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    if not (TASK_REDIS_URL := env("TASK_REDIS_URL", default=REDIS_URL)):
        sys.exit("service_center cannot start: TASK_BACKEND=rq needs REDIS_URL (or TASK_REDIS_URL).")
    RQ_QUEUES = {"default": {"URL": TASK_REDIS_URL, "DEFAULT_TIMEOUT": 300}}
    # django-tasks-rq's job class; without it RQ cannot call our tasks.
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
elif TASK_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    sys.exit(f"service_center cannot start: TASK_BACKEND must be 'database' or 'rq', not {TASK_BACKEND!r}.")
# A failed attempt is tried again after 30 s, 1, 2, 4 minutes...; then it is given up and marked failed.
TASK_MAX_ATTEMPTS = env.int("TASK_MAX_ATTEMPTS", default=5)
TASK_RETRY_SECONDS = env.int("TASK_RETRY_SECONDS", default=30)
# /readyz reports the worker as stalled when a task has waited longer than this.
TASK_STALL_SECONDS = env.int("TASK_STALL_SECONDS", default=60)
# Tasks the worker queues by itself, every so many seconds (each must be safe to run twice).
PERIODIC_TASKS = {
    # Reminders for items ready for pickup and not collected (notifications/tasks.py); hourly, safe to repeat.
    "notifications.tasks.send_pickup_reminders": 60 * 60,
    # Service reminders, once a day (maintenance/tasks.py; or cron: manage.py send_service_reminders).
    "maintenance.tasks.send_service_reminders": 24 * 60 * 60,
}

# Authentication
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.UsernameOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:index"
LOGOUT_REDIRECT_URL = "core:index"

# Argon2id first, at OWASP's floor (19 MiB, 2 passes, 1 lane); PBKDF2 and the others after it still verify
# older hashes, which Django re-hashes with Argon2id at the next login.
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#using-argon2-with-django
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# NIST SP 800-63B rev 4: at least 15 characters (a password is chosen before any second factor and outlives
# one turned off, so the single-factor minimum applies to every account), up to 128, no composition rules, and
# refused when it is common, breached, guessable or like the user's name (README, "Passwords").
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 15}},
    {"NAME": "accounts.validators.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.GuessablePasswordValidator"},
]
# A ticked "Remember me" keeps the session this long; unticked, it ends when the browser closes.
REMEMBER_ME_SECONDS = env.int("REMEMBER_ME_SECONDS", default=14 * 24 * 60 * 60)
SESSION_COOKIE_AGE = REMEMBER_ME_SECONDS
# Staff (anyone with logbook access, and admins) are logged out after this long without a request, and after
# this long in all, remembered or not. accounts/middleware.py.
STAFF_IDLE_SECONDS = env.int("STAFF_IDLE_SECONDS", default=30 * 60)
STAFF_SESSION_MAX_SECONDS = env.int("STAFF_SESSION_MAX_SECONDS", default=12 * 60 * 60)
# Password reset links work for an hour, and only once (the token changes with the password).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)
# Email confirmation links work this long.
EMAIL_CONFIRMATION_SECONDS = env.int("EMAIL_CONFIRMATION_SECONDS", default=3 * 24 * 60 * 60)
# Anyone may register (on) or only people a manager invites by email (off: the admin's "Invitations").
REGISTRATION_OPEN = env.bool("REGISTRATION_OPEN", default=True)
# Invitation links work this long.
INVITATION_SECONDS = env.int("INVITATION_SECONDS", default=7 * 24 * 60 * 60)
# Staff (anyone with access to the logbook or the admin) must set up two-factor authentication before they can
# use the site; self-registered accounts without access may. On unless turned off (README, "Two-factor").
REQUIRE_2FA_FOR_STAFF = env.bool("REQUIRE_2FA_FOR_STAFF", default=True)
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = SHOP_NAME
# Throttles, as (attempts, in seconds, then locked for seconds): failed logins per account from one client
# address, per client address, and per account from devices it never logged in from; reset and confirmation
# mails per IP, per user and per address. accounts/throttle.py.
THROTTLE_LOGIN_ACCOUNT = (5, 5 * 60, 5 * 60)
THROTTLE_LOGIN_IP = (20, 60, 60)
THROTTLE_LOGIN_UNTRUSTED = (50, 60 * 60, 15 * 60)
# A browser the account logged in from is one of its devices this long (a signed cookie): the lock on untrusted
# devices does not hold it up.
TRUSTED_DEVICE_SECONDS = env.int("TRUSTED_DEVICE_SECONDS", default=180 * 24 * 60 * 60)
THROTTLE_EMAIL_IP = (5, 15 * 60, 15 * 60)
THROTTLE_EMAIL_USER = (3, 15 * 60, 15 * 60)
# The customers' status page, per client address (notifications/views.py).
THROTTLE_STATUS_PAGE = (30, 60, 60)
# Messages sent again by staff, per customer (notifications/views.py): a customer is not flooded by resends.
THROTTLE_RESEND = (5, 60 * 60, 60 * 60)
# Reset and sign-up mails per address typed (ours or not): more are silently not sent, so the answer never differs.
THROTTLE_EMAIL_ADDRESS = (3, 15 * 60, 15 * 60)
# Sending the form behind a sign-up or invitation link (a username and a password), per client address and per
# link: a taken username is a field error there, so names cannot be tried fast.
THROTTLE_SIGN_UP = (10, 15 * 60, 15 * 60)
# How many proxies of ours stand in front of the app and append to X-Forwarded-For (0: use REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Email
# ------------------------------------------------------------------------------
# EMAIL_URL: consolemail:// prints mail (development), smtp+tls://user:password@host:587 sends it.
# filemail:///var/mail/shop writes each mail to a file in that folder (filemail://mail: mail/ in the project).
EMAIL_URL = env("EMAIL_URL", default="consolemail://")
vars().update(env.email_url_config(EMAIL_URL))
if EMAIL_URL.startswith("filemail:"):
    # django-environ drops the leading slash of an absolute folder.
    _url = urllib.parse.urlparse(EMAIL_URL)
    EMAIL_FILE_PATH = str(BASE_DIR / (_url.netloc + _url.path))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Service Center <noreply@localhost>")
# Seconds before a mail server that does not answer is given up (the task tries again later).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# People who get a mail with the traceback when a page fails: "Ann <ann@example.com>, Bo <bo@example.com>".
ADMINS = getaddresses([env("DJANGO_ADMINS", default="")])
# Look the domain up in DNS when someone registers (off by default: it needs a network).
EMAIL_CHECK_DELIVERABILITY = env.bool("EMAIL_CHECK_DELIVERABILITY", default=False)

# Security
# ------------------------------------------------------------------------------
# DJANGO_ENV=production turns on what only makes sense behind HTTPS: redirects, HSTS, Secure cookies.
# With it, `manage.py check --deploy --fail-level WARNING` reports nothing (CI checks that).
PRODUCTION = env("DJANGO_ENV", default="development") == "production"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# In production the cookies' names start with __Host-: the browser then takes them only over HTTPS, from this
# host itself (no Domain, Path=/), so a sibling subdomain cannot plant or overwrite them (ASVS 3.4.4).
SESSION_COOKIE_NAME = "__Host-sessionid" if PRODUCTION else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if PRODUCTION else "csrftoken"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
# Behind a proxy that terminates HTTPS and sets X-Forwarded-Proto.
if env.bool("BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The browser loads scripts, styles, images and fonts from this site only; nothing inline runs.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Internationalisation
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Static files
# ------------------------------------------------------------------------------
# WhiteNoise serves them from the app. With DEBUG off they are collected with hashed, compressed names and sent
# with far-future cache headers (`manage.py collectstatic` first). https://whitenoise.readthedocs.io/
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
# In development (and tests) WhiteNoise serves straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Errors and logging
# ------------------------------------------------------------------------------
CSRF_FAILURE_VIEW = "service_center.views.csrf_failure"
DEFAULT_EXCEPTION_REPORTER_FILTER = "service_center.logging.NoFormDataReporterFilter"
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# "json" for one JSON object a line (production, log collectors); "text" for people.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "service_center.logging.RequestIdFilter"},
        "redact_secret_paths": {"()": "service_center.logging.RedactSecretPathsFilter"},
        "not_an_outage": {"()": "service_center.logging.NotAnOutageFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "service_center.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id", "redact_secret_paths"],
            "formatter": LOG_FORMAT,
        },
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "redact_secret_paths", "not_an_outage"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"handlers": ["console", "mail_admins"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# The logbook
# ------------------------------------------------------------------------------
CONTROL_NUMBER_PREFIX = env("CONTROL_NUMBER_PREFIX", default="SC")
SHOP_CONTACT = env("SHOP_CONTACT", default="123 Harbour Road · +1 555 0100 · service@example.com")
CLAIM_SLIP_TERMS = env(
    "CLAIM_SLIP_TERMS",
    default="Bring this slip to collect your item. Items not collected within 90 days may be disposed of.",
)
LOGBOOK_PAGE_SIZE = 25

# Customers
# ------------------------------------------------------------------------------
# Phone numbers typed without a country code belong to this region (ISO 3166 code, e.g. US, GB, DE).
# https://django-phonenumber-field.readthedocs.io/en/latest/reference.html#settings
PHONENUMBER_DEFAULT_REGION = env("PHONE_REGION", default="US")
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# Messages to customers and the status page
# ------------------------------------------------------------------------------
# The shop's logo (a file under static/), shown in messages, on the status page and on claim slips.
SHOP_LOGO = env("SHOP_LOGO", default="img/logo.svg")
# A status link stops working this many days after its item is released (or cancelled).
STATUS_LINK_DAYS_AFTER_RELEASE = env.int("STATUS_LINK_DAYS_AFTER_RELEASE", default=30)
# Reminders for an item ready for pickup and not collected, after this many days (comma-separated).
PICKUP_REMINDER_DAYS = sorted(env.list("PICKUP_REMINDER_DAYS", cast=int, default=[7, 14, 30]))

# Billing
# ------------------------------------------------------------------------------
# One currency per shop: its ISO 4217 code, the symbol shown before amounts, its minor unit (decimal places: 2 for
# USD or EUR, 0 for JPY, 3 for BHD) and the rounding of every amount (a rounding name of Python's decimal module).
# Every total is computed in one place, billing/money.py.
CURRENCY = env("CURRENCY", default="USD")
# Read as it is: django-environ would take a value starting with "$" for a reference to another variable.
CURRENCY_SYMBOL = os.environ.get("CURRENCY_SYMBOL", "$")
CURRENCY_DECIMAL_PLACES = env.int("CURRENCY_DECIMAL_PLACES", default=2)
CURRENCY_ROUNDING = env("CURRENCY_ROUNDING", default="ROUND_HALF_UP")
# Whether the prices in the price list and on estimates include tax (a shop selling to consumers) or not.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=False)
# The tax rate, in percent, that new price list entries and free-text lines start with.
DEFAULT_TAX_RATE = env("DEFAULT_TAX_RATE", default="0")
# Printed on every invoice and credit note (copied onto each one when it is issued).
SHOP_LEGAL_NAME = env("SHOP_LEGAL_NAME", default=SHOP_NAME)
SHOP_TAX_ID = env("SHOP_TAX_ID", default="")
SHOP_ADDRESS = env("SHOP_ADDRESS", default="123 Harbour Road, Port Town")
INVOICE_PAYMENT_TERMS = env("INVOICE_PAYMENT_TERMS", default="Payable at pickup.")


def _billing_problem(currency, places, rounding, tax_rate):
    """A one-line description of a billing setting the site cannot work with, or None."""
    if not (len(currency) == 3 and currency.isascii() and currency.isalpha() and currency.isupper()):
        return f"CURRENCY must be an ISO 4217 code such as USD or EUR, not {currency!r}."
    if not 0 <= places <= 3:
        return f"CURRENCY_DECIMAL_PLACES must be 0, 1, 2 or 3, not {places}."
    if not (rounding.startswith("ROUND_") and hasattr(decimal, rounding)):
        return (
            f"CURRENCY_ROUNDING must be a rounding of Python's decimal module such as ROUND_HALF_UP, not {rounding!r}."
        )
    try:
        rate = decimal.Decimal(tax_rate)
    except decimal.InvalidOperation:
        return f"DEFAULT_TAX_RATE must be a percentage such as 19 or 7.5, not {tax_rate!r}."
    if not (rate.is_finite() and 0 <= rate <= 100):
        return f"DEFAULT_TAX_RATE must be a percentage from 0 to 100, not {tax_rate!r}."
    return None


if _problem := _billing_problem(CURRENCY, CURRENCY_DECIMAL_PLACES, CURRENCY_ROUNDING, DEFAULT_TAX_RATE):
    sys.exit(f"service_center cannot start: {_problem}")
DEFAULT_TAX_RATE = decimal.Decimal(DEFAULT_TAX_RATE)

# Service clocks and reminders (maintenance)
# ------------------------------------------------------------------------------
# Whose cylinder rules the preset plans follow: "US" (49 CFR 180.209) or "UK" (BS EN ISO 18119). README, 9.
SERVICE_PLAN_REGION = env("SERVICE_PLAN_REGION", default="US")
if SERVICE_PLAN_REGION not in ("US", "UK"):
    sys.exit(f"service_center cannot start: SERVICE_PLAN_REGION must be 'US' or 'UK', not {SERVICE_PLAN_REGION!r}.")
# The due list shows what falls due within this many weeks (and everything overdue) unless asked otherwise.
SERVICE_DUE_WEEKS = env.int("SERVICE_DUE_WEEKS", default=8)
# A customer is reminded of what falls due within this many days (and of what is overdue).
SERVICE_REMINDER_DAYS = env.int("SERVICE_REMINDER_DAYS", default=30)
# The bench's capacity: reminders of any seven days name at most this many pieces (the jobs they may bring).
SERVICE_JOBS_PER_WEEK = env.int("SERVICE_JOBS_PER_WEEK", default=40)
# Where a reminded customer books: a web page or a mailto: link; empty: they reply or call (SHOP_CONTACT).
SERVICE_BOOKING_URL = env("SERVICE_BOOKING_URL", default="")
# The gear's public page (from a sticker's QR code): requests per client address, in seconds, then locked for.
THROTTLE_GEAR_PAGE = (30, 60, 5 * 60)
