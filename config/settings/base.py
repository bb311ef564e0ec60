"""Settings shared by every environment. Everything that varies comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parents[2]
SRC_DIR = BASE_DIR / "src" / "manassa"
VAR_DIR = Path(os.environ.get("MANASSA_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Demo accounts with documented passwords exist only when this is on.
MANASSA_DEMO_MODE = env_bool("MANASSA_DEMO_MODE", False)
MANASSA_SITE_URL = os.environ.get("MANASSA_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "manassa.core",
    "manassa.audit",
    "manassa.entities",
    "manassa.accounts",
    "manassa.accounts.uaepass",
    "manassa.catalog",
    "manassa.worktime",
    "manassa.applications",
    "manassa.notifications",
    "manassa.certificates",
    "manassa.integrations",
    "manassa.complaints",
    "manassa.surveys",
    "manassa.payments",
    "manassa.bills",
]

MIDDLEWARE = [
    "manassa.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "manassa.accounts.middleware.StaffMfaRequiredMiddleware",
    "manassa.core.middleware.ApplicationErrorMiddleware",
    "manassa.core.middleware.MetricsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "manassa.core.context_processors.portal",
            ],
        },
    }
]

# The embedded default is a SQLite file under var/; production sets DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'manassa.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes writers queue at BEGIN instead of failing mid-transaction,
    # which keeps the audit hash chain strictly ordered.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # One process's memory: rendered pages and fragments of the whole catalog fit.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 20000}}}

SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
SITE_ID = 1

# --- django-allauth -------------------------------------------------------
ACCOUNT_ADAPTER = "manassa.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "manassa.accounts.adapters.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = os.environ.get("MANASSA_HTTP_PROTOCOL", "http")
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_ADAPTER = "manassa.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Manassa"
MFA_PASSKEY_LOGIN_ENABLED = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False
# Identity providers come from the environment (see manassa.accounts.oidc).
from manassa.accounts.oidc import socialaccount_providers_from_env  # noqa: E402

SOCIALACCOUNT_PROVIDERS = socialaccount_providers_from_env(os.environ)

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Dubai"
FORMAT_MODULE_PATH = ["manassa.core.formats"]
LANGUAGE_COOKIE_NAME = "manassa_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [SRC_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # People's documents: private, no URL; served only through views that check access.
    "documents": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                  "OPTIONS": {"location": VAR_DIR / "documents", "base_url": None}},
}

# --- Background tasks (django-tasks, database backend) -------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "outbox"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Manassa <no-reply@manassa.local>")

# --- Security -----------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Behind a TLS-terminating proxy set MANASSA_HTTPS=1: HSTS and secure cookies.
MANASSA_HTTPS = env_bool("MANASSA_HTTPS", False)
if MANASSA_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Scripts only from this origin: no inline script, no eval, no outside host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- API ----------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50

# --- Logging: one JSON object per line on stderr ------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "manassa.core.logging.RequestContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.server": {"level": "WARNING"},
    },
}
MANASSA_METRICS_TOKEN = os.environ.get("MANASSA_METRICS_TOKEN", "")
MANASSA_TRUSTED_PROXIES = int(os.environ.get("MANASSA_TRUSTED_PROXIES", "0"))
MANASSA_AUDIT_DB_GUARD = env_bool("MANASSA_AUDIT_DB_GUARD", True)
MANASSA_REFERENCE_PREFIX = os.environ.get("MANASSA_REFERENCE_PREFIX", "SHJ")
# Periodic jobs run by `manassa scheduler` (started by `manassa serve`): (name, seconds between runs, callable).
# Every job must be safe to run twice and from two schedulers at once.
MANASSA_PERIODIC_JOBS = [
    # Domain events told after the commit (notifications, webhooks): the outbox of core/events.py.
    ("events-dispatch", float(os.environ.get("MANASSA_EVENTS_DISPATCH_SECONDS", "1")),
     "manassa.core.events.events_dispatch"),
    ("sla-sweep", int(os.environ.get("MANASSA_SLA_SWEEP_SECONDS", "300")),
     "manassa.applications.services.application_sla_sweep"),
    ("case-sla-sweep", int(os.environ.get("MANASSA_CASE_SLA_SWEEP_SECONDS", "300")),
     "manassa.complaints.services.case_sla_sweep"),
    # Deliveries whose worker died mid-send get a fresh task (see docs/notifications.md).
    ("notifications-recover", 60, "manassa.notifications.services.deliveries_recover"),
    # Gateways' notifications, stored by the callback view, settled in batches (docs/payments.md).
    ("payments-inbox", float(os.environ.get("MANASSA_PAYMENTS_INBOX_SECONDS", "0.2")),
     "manassa.payments.services.payments_inbox_settle"),
    # Payments whose gateway never called back are settled by asking it; unpaid invoices expire.
    ("payments-settle", int(os.environ.get("MANASSA_PAYMENTS_SETTLE_SECONDS", "60")),
     "manassa.payments.services.payments_settle_pending"),
    # Bill postings whose task was lost (a worker killed mid-run) get a new one (docs/bills.md).
    ("bill-postings-recover", 300, "manassa.bills.services.bill_postings_recover"),
    ("invoices-expire", int(os.environ.get("MANASSA_INVOICES_EXPIRE_SECONDS", "900")),
     "manassa.payments.services.invoices_expire"),
    # Yesterday's ledger against each gateway's settlement report; a re-run replaces the day's report.
    ("payments-reconcile", int(os.environ.get("MANASSA_PAYMENTS_RECONCILE_SECONDS", "86400")),
     "manassa.payments.reconciliation.payments_reconcile"),
]
# The address gateways send people back to and call back (the platform's public address).
MANASSA_PAYMENTS_BASE_URL = os.environ.get("MANASSA_PAYMENTS_BASE_URL", MANASSA_SITE_URL)

# Bill providers (docs/bills.md): {code: {"class": adapter, "entity": entity code, "label": {"ar", "en"},
# "account_length": [min, max], **adapter options}}. Demo mode pays SEWA's bills at the sandbox biller.
MANASSA_BILL_PROVIDERS = {
    "sewa": {"class": "manassa.bills.providers.sandbox.SandboxBillProvider", "entity": "SEWA",
             "label": {"ar": "هيئة كهرباء ومياه وغاز الشارقة", "en": "Sharjah Electricity, Water and Gas Authority"},
             "account_length": [10, 10]},
} if MANASSA_DEMO_MODE else {}
# The sandbox billers under /sandbox-billers/ (default: on in demo mode), their signing key (default: derived
# from SECRET_KEY), the address the sandbox adapter calls (default: MANASSA_SITE_URL).
MANASSA_SANDBOX_BILLERS = env_bool("MANASSA_SANDBOX_BILLERS", MANASSA_DEMO_MODE)
MANASSA_SANDBOX_BILLERS_SECRET = os.environ.get("MANASSA_SANDBOX_BILLERS_SECRET", "")
MANASSA_SANDBOX_BILLERS_URL = os.environ.get("MANASSA_SANDBOX_BILLERS_URL", "")
MANASSA_BILL_INVOICE_HOURS = int(os.environ.get("MANASSA_BILL_INVOICE_HOURS", "24"))
