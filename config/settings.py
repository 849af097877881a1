"""The portal's one settings module, read from the environment.

With nothing set it runs the embedded default: SQLite, Celery tasks run eagerly
in-process, email printed to the console, DEBUG on. Setting `DJANGO_DEBUG=0` with
`SECRET_KEY`, `ALLOWED_HOSTS`, `DATABASE_URL`, `CELERY_BROKER_URL` and `EMAIL_URL`
gives the production form, which `manage.py check --deploy` passes. Every variable is
listed with its default in the README.
"""

import datetime
import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_INSECURE_DEV_KEY = "django-insecure-embedded-default-only-never-in-production"
SECRET_KEY = env("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_DEBUG=0.")

# Fernet keys for personal data at rest (harp.encryption), newest first.
_DEV_FIELD_KEY = "ZGV2ZWxvcG1lbnQtb25seS1maWVsZC1rZXktMzJieXQ="
FIELD_ENCRYPTION_KEY = env(
    "FIELD_ENCRYPTION_KEY", default=_DEV_FIELD_KEY if DEBUG else ""
)
if not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DJANGO_DEBUG=0.")
# Keys the SSN fingerprint that finds a second account for the same person. Changing
# it makes every stored fingerprint unmatchable, so it is kept apart from SECRET_KEY.
SSN_FINGERPRINT_KEY = env(
    "SSN_FINGERPRINT_KEY",
    default="development-only-ssn-fingerprint-key" if DEBUG else "",
)
if not SSN_FINGERPRINT_KEY:
    raise ImproperlyConfigured("SSN_FINGERPRINT_KEY must be set when DJANGO_DEBUG=0.")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

PORTAL_NAME = env("PORTAL_NAME", default="Identity & Training Hub")
HELP_DESK_EMAIL = env("HELP_DESK_EMAIL", default="helpdesk@example.org")
# 555-01xx numbers are reserved for fiction, so the default rings nobody.
HELP_DESK_PHONE = env("HELP_DESK_PHONE", default="1-800-555-0100")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_email",
    "allauth",
    "allauth.account",
    "harp",
    "proofing",
    "iqies_roles",
    "qsep",
]

MIDDLEWARE = [
    # First, so load balancers reach /healthz without a Host header from
    # ALLOWED_HOSTS and without the HTTPS redirect.
    "harp.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, so it sees the OTP-verified user: nothing but finishing two-factor
    # set-up is reachable until a user who needs a second factor has one.
    "harp.middleware.TwoFactorRequiredMiddleware",
    # After two-factor set-up: a surveyor due for the annual profile review sees
    # only the review page until they confirm it.
    "qsep.middleware.ProfileReviewRequiredMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "harp.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Find by Learner's name index covers more columns on PostgreSQL (INCLUDE);
    # SQLite builds it without them, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "harp.redis_cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hub",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    # Sessions are read from Redis, written to both: a page is one query fewer,
    # and with Redis down Django reads and writes them in the database alone.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "harp.User"
AUTHENTICATION_BACKENDS = [
    # First: answers permission questions from the cache and signs in no one.
    "harp.backends.PermissionCacheBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST SP 800-63B: length and lists of known-bad passwords, no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "harp.passwords.BreachedPatternValidator"},
    {"NAME": "harp.passwords.MaximumLengthValidator"},
]

# django-allauth does accounts, sign-in and email confirmation; harp's adapter adds
# lockout and the second-factor login stage (harp.stages), its forms the HARP rules.
ACCOUNT_ADAPTER = "harp.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "harp.forms.SignInForm",
    "reset_password_from_key": "harp.forms.PasswordResetFromKeyForm",
    "user_token": "harp.forms.PasswordResetUserTokenForm",
    "add_email": "harp.forms.AddEmailForm",
}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = env.int("EMAIL_CONFIRMATION_DAYS", default=3)
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_USERNAME_MIN_LENGTH = 6
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PORTAL_NAME}] "
# harp.lockout counts failed sign-ins itself, with one message for every failure.
# Reset links: per client address and per typed address (allauth's rate syntax).
ACCOUNT_RATE_LIMITS = {
    "login_failed": None,
    "reset_password": env(
        "PASSWORD_RESET_RATE_LIMIT", default="20/m/ip,5/m/key,10/h/key"
    ),
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("NUM_PROXIES", default=0)
# Email the person about each security change (password, email addresses).
ACCOUNT_EMAIL_NOTIFICATIONS = True
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/profile/"
LOGOUT_REDIRECT_URL = "/"

# Lockout after repeated failures, for passwords and second-factor codes alike.
LOCKOUT_FAILURES = env.int("LOCKOUT_FAILURES", default=5)
LOCKOUT_WINDOW = env.int("LOCKOUT_WINDOW", default=15 * 60)
LOCKOUT_DURATION = env.int("LOCKOUT_DURATION", default=30 * 60)
# Before the lock: after this many failures for a user ID, each further one makes
# that user ID wait LOCKOUT_SLOWDOWN_SECONDS, doubled at each failure (0: no wait).
LOCKOUT_SLOWDOWN_AFTER = env.int("LOCKOUT_SLOWDOWN_AFTER", default=3)
LOCKOUT_SLOWDOWN_SECONDS = env.int("LOCKOUT_SLOWDOWN_SECONDS", default=30)
# Failed sign-ins from one client address (any user IDs) that lock that address.
LOCKOUT_CLIENT_FAILURES = env.int("LOCKOUT_CLIENT_FAILURES", default=20)
# Lockout emails to one account at most, per window in seconds (the lock still holds).
LOCKOUT_NOTICE_LIMIT = env.int("LOCKOUT_NOTICE_LIMIT", default=3)
LOCKOUT_NOTICE_WINDOW = env.int("LOCKOUT_NOTICE_WINDOW", default=24 * 3600)
# Days a browser that signed in with both factors stays a known device, which passes
# locks and waits that failures from elsewhere put on its own user ID.
KNOWN_DEVICE_DAYS = env.int("KNOWN_DEVICE_DAYS", default=90)
# Seconds a re-authentication (password and code) allows security changes for.
REAUTH_WINDOW = env.int("REAUTH_WINDOW", default=5 * 60)
# Wrong challenge answers that end one password reset link; wrong answers across
# links that stop password reset for the account for RESET_ACCOUNT_WINDOW seconds.
RESET_ANSWER_FAILURES = env.int("RESET_ANSWER_FAILURES", default=3)
RESET_ANSWER_DAILY_FAILURES = env.int("RESET_ANSWER_DAILY_FAILURES", default=6)
RESET_ACCOUNT_WINDOW = env.int("RESET_ACCOUNT_WINDOW", default=24 * 3600)
# How long an ended reset link is remembered: at least a reset link's life.
RESET_KEY_WINDOW = env.int("RESET_KEY_WINDOW", default=3 * 24 * 3600)
# Forgot user ID, new confirmation link and registration notices: emails per typed
# address and per client address in RECOVERY_EMAIL_WINDOW seconds, for each kind.
RECOVERY_EMAILS_PER_ADDRESS = env.int("RECOVERY_EMAILS_PER_ADDRESS", default=3)
RECOVERY_EMAILS_PER_CLIENT = env.int("RECOVERY_EMAILS_PER_CLIENT", default=20)
RECOVERY_EMAIL_WINDOW = env.int("RECOVERY_EMAIL_WINDOW", default=3600)

# Second factors (django-otp). SMS_GATEWAY sends text and voice codes; the console
# gateway logs them, so with DJANGO_DEBUG=0 the portal refuses to start with it (or
# with console email) unless ALLOW_CONSOLE_DELIVERY=1 (a trial on one machine).
SMS_GATEWAY = env("SMS_GATEWAY", default="harp.gateways.ConsoleGateway")
ALLOW_CONSOLE_DELIVERY = env.bool("ALLOW_CONSOLE_DELIVERY", default=False)
# harp.gateways.TwilioGateway: account, secret and the number codes come from.
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", default="")
# Empty keeps the library's own API host; tests point it at a local fake.
TWILIO_API_BASE_URL = env("TWILIO_API_BASE_URL", default="")
TWILIO_TIMEOUT = env.float("TWILIO_TIMEOUT", default=10.0)
# Codes sent by email, text or call (harp.code_limits): seconds between two sends and
# sends per day, per account and per phone number, at set-up and at sign-in alike.
CODE_SEND_COOLDOWN = env.int("CODE_SEND_COOLDOWN", default=60)
CODE_SEND_DAILY_LIMIT = env.int("CODE_SEND_DAILY_LIMIT", default=10)
CODE_SEND_NUMBER_COOLDOWN = env.int("CODE_SEND_NUMBER_COOLDOWN", default=60)
CODE_SEND_NUMBER_DAILY_LIMIT = env.int("CODE_SEND_NUMBER_DAILY_LIMIT", default=5)
CODE_SEND_WINDOW = env.int("CODE_SEND_WINDOW", default=24 * 3600)
# harp.code_limits keeps the cool-down between email codes; django-otp's own would
# only refuse a send with a second, different message.
OTP_EMAIL_COOLDOWN_DURATION = 0
OTP_TOTP_ISSUER = PORTAL_NAME
# harp.lockout counts wrong codes across all of a user's devices and locks after
# LOCKOUT_FAILURES; django-otp's per-device doubling delay on top of it would only
# refuse right codes with a misleading message.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_EMAIL_THROTTLE_FACTOR = 0
OTP_PHONE_THROTTLE_FACTOR = 0
OTP_BACKUP_CODE_THROTTLE_FACTOR = 0
OTP_EMAIL_SUBJECT = f"[{PORTAL_NAME}] Your sign-in code"
OTP_EMAIL_BODY_TEMPLATE_PATH = "harp/email/otp_code.txt"
OTP_EMAIL_TOKEN_VALIDITY = 600
OTP_PHONE_TOKEN_VALIDITY = 600
BACKUP_CODE_COUNT = 10

# Identity proofing. The Experian stub is for development and tests only: with
# DJANGO_DEBUG=0 the portal refuses to start with it unless PROOFING_ALLOW_STUB=1.
PROOFING_VENDOR = env(
    "PROOFING_VENDOR", default="proofing.vendors.experian_stub.ExperianStub"
)
PROOFING_ALLOW_STUB = env.bool("PROOFING_ALLOW_STUB", default=False)
PROOFING_MAX_ATTEMPTS = env.int("PROOFING_MAX_ATTEMPTS", default=3)
PROOFING_ATTEMPT_WINDOW = env.int("PROOFING_ATTEMPT_WINDOW", default=24 * 3600)
PROOFING_QUESTION_TIMEOUT = env.int("PROOFING_QUESTION_TIMEOUT", default=10 * 60)
# Manual proofing documents: kept outside MEDIA_ROOT, deleted after the decision.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private-media")
PROOFING_UPLOAD_MAX_BYTES = env.int(
    "PROOFING_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024
)
PROOFING_DOCUMENT_RETENTION_DAYS = env.int(
    "PROOFING_DOCUMENT_RETENTION_DAYS", default=30
)
# Most documents one manual-proofing case may hold at a time.
PROOFING_MAX_DOCUMENTS_PER_CASE = env.int("PROOFING_MAX_DOCUMENTS_PER_CASE", default=10)
# A case never submitted and idle this many days is deleted with its files.
PROOFING_IDLE_CASE_DAYS = env.int("PROOFING_IDLE_CASE_DAYS", default=30)
# Uploads larger than this go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Security officials are reminded of requests pending this many days, once a week.
ROLE_REQUEST_REMINDER_DAYS = env.int("ROLE_REQUEST_REMINDER_DAYS", default=7)

# Annual profile review: from this day each year ("MM-DD"), State, Federal and
# contract surveyors are emailed to confirm their employment and provider/survey
# types, and sent to that page at sign-in until they do (qsep.review_cycle).
PROFILE_REVIEW_DATE = env("PROFILE_REVIEW_DATE", default="01-15")
try:
    if not re.fullmatch(r"\d\d-\d\d", PROFILE_REVIEW_DATE):
        raise ValueError(PROFILE_REVIEW_DATE)
    # 2001 is not a leap year, so February 29 is refused: it does not come every year.
    datetime.date(2001, *(int(part) for part in PROFILE_REVIEW_DATE.split("-")))
except ValueError as _error:
    raise ImproperlyConfigured(
        "PROFILE_REVIEW_DATE must be a month and day that come every year, written "
        f'MM-DD (for example "01-15"), not "{PROFILE_REVIEW_DATE}".'
    ) from _error

# Coordinators' reports: rows per page, and rows a CSV export reads per statement.
QSEP_REPORT_PAGE_SIZE = env.int("QSEP_REPORT_PAGE_SIZE", default=50)
QSEP_REPORT_EXPORT_BATCH = env.int("QSEP_REPORT_EXPORT_BATCH", default=2000)

# The steps of /register/, in order: each a dotted path to a harp.registration.Step.
REGISTRATION_STEPS = [
    "harp.registration.ProfileStep",
    "harp.registration.CredentialsStep",
    "proofing.registration.ProofingStep",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("uswds", BASE_DIR / "node_modules" / "@uswds" / "uswds" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "/media/"

# Email: every message is written to the outbox (harp.outbox) in the caller's
# transaction; a Celery task hands it to the delivery backend below.
EMAIL_BACKEND = "harp.outbox.OutboxEmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@example.org")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default="")
if env("EMAIL_URL", default=""):
    _email = env.email_url("EMAIL_URL")
    OUTBOX_DELIVERY_BACKEND = _email.pop("EMAIL_BACKEND")
    globals().update(_email)
elif env("EMAIL_HOST", default=""):
    OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
    EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
elif EMAIL_FILE_PATH:
    OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# A pending message is re-sent by the beat task this many seconds after its last try.
OUTBOX_RETRY_AFTER = env.int("OUTBOX_RETRY_AFTER", default=60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# A message claimed by a worker that died before finishing is tried again after this.
OUTBOX_CLAIM_TIMEOUT = env.int("OUTBOX_CLAIM_TIMEOUT", default=600)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks never reach a broker; the in-memory transport keeps kombu quiet.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "outbox-resend-pending": {
        "task": "harp.tasks.outbox_resend_pending_task",
        "schedule": env.float("OUTBOX_RESEND_INTERVAL", default=60.0),
    },
    "role-requests-remind-pending": {
        "task": "iqies_roles.tasks.role_requests_remind_pending_task",
        "schedule": 6 * 3600.0,
    },
    "proofing-documents-delete-expired": {
        "task": "proofing.tasks.proofing_documents_delete_expired_task",
        "schedule": 3600.0,
    },
    "proofing-cases-purge-idle": {
        "task": "proofing.tasks.proofing_cases_purge_idle_task",
        "schedule": 3600.0,
    },
    # Daily: it does nothing before PROFILE_REVIEW_DATE or once everyone due has
    # been emailed, and catches people who become surveyors later in the year.
    "profile-review-emails": {
        "task": "qsep.tasks.profile_review_emails_task",
        "schedule": 24 * 3600.0,
    },
}

# Number of reverse proxies in front of the portal whose X-Forwarded-For entries are
# trusted when audit events record the client's address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}
