"""Django settings. Values from outside come through marketplace.env only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url

from marketplace import env
from marketplace.media.configuration import storage_setting as media_storage_setting
from marketplace.social.configuration import providers_setting

BASE_DIR = Path(__file__).resolve().parent.parent
ENVIRONMENT = env.environment()
PRODUCTION = ENVIRONMENT == env.PRODUCTION
TESTING = ENVIRONMENT == env.TEST
if PRODUCTION:
    env.check_production_secrets()

SECRET_KEY = env.get("SECRET_KEY")
DEBUG = False
ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS")

# --- Tenancy: shared (public schema) versus per-shop (tenant schema) apps -------------
SHARED_APPS = [
    "django_tenants",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django.contrib.postgres",
    "django_htmx",
    # Listed so the API docs page serves Swagger UI from our static files, not a CDN.
    "ninja",
    "channels",
    "marketplace",
    "marketplace.accounts",
    # Before allauth, so our templates for its pages win.
    "marketplace.social",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.github",
    "allauth.socialaccount.providers.openid_connect",
    "marketplace.apitokens",
    "marketplace.events",
    "marketplace.platform",
    "tenants",
    "sellers",
    "sellers.listings",
    "sellers.promotions",
    "storefront",
    "storefront.follows",
    "payouts",
    "realtime",
]
TENANT_APPS = [
    "sellers.catalog",
    "sellers.discounts",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Shop"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
SHOP_TEMPLATE_SCHEMA = "shop_template"

# One marketplace, one currency: a cart spans shops and is paid with one charge, so every
# price is in this currency (each amount still carries its code). docs/decisions.md.
MARKETPLACE_CURRENCY = "EUR"
SHOP_SCHEMA_POOL_SIZE = env.get_int("SHOP_SCHEMA_POOL_SIZE")
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Send `SET search_path` only when the schema changes, not before every cursor (it was half
# of every page's queries). django-tenants 4.0.1 forgets the cached path on rollback and
# savepoint rollback, where PostgreSQL undoes the SET.
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After auth so error pages know the user; before every view.
    "tenants.middleware.ShopRoutingMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "marketplace.api.middleware.ApiMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.site",
            ],
        },
    }
]

# --- Data stores ------------------------------------------------------------------------
# conn_max_age=0: under ASGI every request may run on another thread of the pool, and
# persistent connections per thread exhausted PostgreSQL's 100 connections at 16
# concurrent clients (bench/http_load.py). Put a session-mode pooler in front in production.
DATABASES = {"default": dj_database_url.parse(env.get("DATABASE_URL"), conn_max_age=0)}
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.get("REDIS_URL")
CACHES = {
    "default": {
        # A Redis outage is a cache miss (marketplace/cache.py): pages keep working.
        "BACKEND": "marketplace.cache.ResilientRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mp",
        "TIMEOUT": 300,
    }
}
CHANNEL_LAYERS = {
    "default": {
        # Pub/sub layer: ~5x faster group fan-out than the list layer here (FIELD-NOTES).
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [REDIS_URL], "prefix": "mp"},
    }
}

# --- Kafka ------------------------------------------------------------------------------
KAFKA_BOOTSTRAP_SERVERS = env.get("KAFKA_BOOTSTRAP_SERVERS")
KAFKA_TOPIC_PREFIX = env.get("KAFKA_TOPIC_PREFIX")
# Tansu (dev/test) lets a consumer group join only after the rebalance timeout, which
# librdkafka takes from max.poll.interval.ms: keep it short outside production.
KAFKA_CONSUMER_TIMEOUTS = (
    {"max.poll.interval.ms": 300000, "session.timeout.ms": 45000}
    if PRODUCTION
    else {"max.poll.interval.ms": 7000, "session.timeout.ms": 6000}
)

# --- Integrations -----------------------------------------------------------------------
STRIPE_SECRET_KEY = env.get("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env.get("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env.get("STRIPE_API_BASE")
CLOUDINARY_URL = env.get("CLOUDINARY_URL")
# Empty: Cloudinary itself. Dev and tests point both at marketplace.devtools.cloudinary_emulator.
CLOUDINARY_API_BASE = env.get("CLOUDINARY_API_BASE")
CLOUDINARY_DELIVERY_URL = env.get("CLOUDINARY_DELIVERY_URL")


def _email_settings(url: str) -> dict[str, object]:
    parsed = urlparse(url)
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme in ("smtp", "smtps", "smtp+tls"):
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or 25,
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        }
    raise ValueError(f"EMAIL_URL scheme {parsed.scheme!r} is not supported")


globals().update(_email_settings(env.get("EMAIL_URL")))
DEFAULT_FROM_EMAIL = env.get("DEFAULT_FROM_EMAIL")
# Links in emails are built from this origin (requests may arrive under another host name).
SITE_URL = env.get("SITE_URL")

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "storefront:home"
LOGOUT_REDIRECT_URL = "storefront:home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env.get_int("SESSION_COOKIE_AGE")
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Password reset links are single-use (the token hashes the password) and last an hour.
PASSWORD_RESET_TIMEOUT = 3600
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# --- Social sign-in (django-allauth, used for Google and GitHub only) --------------------
# Our own pages do email/password sign-in, registration, verification and reset; allauth
# runs the OAuth flows (mounted at /accounts/oauth/) and nothing else.
SOCIALACCOUNT_ONLY = True
SOCIALACCOUNT_ADAPTER = "marketplace.social.adapter.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = providers_setting(
    github_client_id=env.get("GITHUB_CLIENT_ID"),
    github_secret=env.get("GITHUB_CLIENT_SECRET"),
    github_url=env.get("GITHUB_URL"),
    google_client_id=env.get("GOOGLE_CLIENT_ID"),
    google_secret=env.get("GOOGLE_CLIENT_SECRET"),
    google_server_url=env.get("GOOGLE_OIDC_URL"),
)
SOCIALACCOUNT_QUERY_EMAIL = True
# A provider-verified email that belongs to an existing user signs in as that user and
# links the provider account; an unverified one never does (marketplace.social.adapter).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# Verification is ours (User.email_verified_at); allauth sends no mail of its own.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_UNIQUE_EMAIL = True

# --- API authentication and throttling (marketplace.apitokens, marketplace.api) ----------
# JWTs are signed with a key derived from SECRET_KEY (marketplace.apitokens.tokens).
API_ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
API_REFRESH_TOKEN_LIFETIME = timedelta(days=14)
# "<requests>/<s|min|h|day>" per window: "auth" per client IP on the /auth/ endpoints,
# "write" per user (per IP when anonymous) on every other POST/PUT/PATCH/DELETE.
API_THROTTLE_RATES = {"auth": "20/min", "write": "120/min"}

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {
    # Cloudinary when CLOUDINARY_URL is set, else files under MEDIA_ROOT (marketplace.media).
    "default": media_storage_setting(
        cloudinary_url=CLOUDINARY_URL,
        api_base=CLOUDINARY_API_BASE,
        delivery_url=CLOUDINARY_DELIVERY_URL,
    ),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Outside production WhiteNoise serves straight from the app folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = ENVIRONMENT == env.DEVELOPMENT

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.get("LOG_LEVEL")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

if TESTING:
    # Argon2 is deliberately slow; tests create many users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every test client calls from 127.0.0.1 and the session-wide users write from many
    # tests; throttling tests set the real rates with override_settings.
    API_THROTTLE_RATES = {"auth": "100000/min", "write": "100000/min"}
