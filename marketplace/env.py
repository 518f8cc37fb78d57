"""The one place that reads the process environment.

Every setting the project takes from outside is declared here with its offline dev
default, so README's configuration table and this file say the same thing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

PRODUCTION = "production"
DEVELOPMENT = "development"
TEST = "test"


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    help: str
    secret: bool = False  # production refuses to start while it still has the dev default


VARIABLES: tuple[Variable, ...] = (
    Variable("MARKETPLACE_ENV", DEVELOPMENT, "development, test or production"),
    Variable("SECRET_KEY", "dev-insecure-secret-key-change-me", "Django secret key", secret=True),
    Variable("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "comma-separated host names"),
    Variable("CSRF_TRUSTED_ORIGINS", "", "comma-separated origins, e.g. https://shop.example"),
    Variable(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marketplace", "PostgreSQL database"
    ),
    Variable("REDIS_URL", "redis://127.0.0.1:6379/0", "Redis for cache and channel layer"),
    Variable("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", "Kafka brokers"),
    Variable("KAFKA_TOPIC_PREFIX", "marketplace.", "prefix of every topic name"),
    Variable("STRIPE_SECRET_KEY", "sk_test_local_emulator", "Stripe API key", secret=True),
    Variable("STRIPE_WEBHOOK_SECRET", "whsec_local_emulator", "Stripe webhook secret", secret=True),
    Variable("STRIPE_API_BASE", "", "Stripe API base URL (empty: Stripe itself)"),
    Variable("CLOUDINARY_URL", "", "cloudinary://key:secret@cloud (empty: local media files)"),
    Variable("CLOUDINARY_API_BASE", "", "Cloudinary API origin (empty: Cloudinary itself)"),
    Variable(
        "CLOUDINARY_DELIVERY_URL", "", "origin images are delivered from (empty: Cloudinary's CDN)"
    ),
    Variable("EMAIL_URL", "console://", "smtp://user:pass@host:port, or console://"),
    Variable("DEFAULT_FROM_EMAIL", "Marketplace <noreply@localhost>", "sender of our emails"),
    Variable("SITE_URL", "http://localhost:8000", "public origin of the site, for links in emails"),
    Variable("SHOP_SCHEMA_POOL_SIZE", "10", "ready shop schemas kept in the warm pool"),
    Variable("SESSION_COOKIE_AGE", "1209600", "session lifetime in seconds"),
    Variable("LOG_LEVEL", "INFO", "root log level"),
    # Social sign-in: a provider's button appears only when its client id is set.
    Variable("GOOGLE_CLIENT_ID", "", "Google OAuth client id (empty: no Google sign-in)"),
    Variable("GOOGLE_CLIENT_SECRET", "", "Google OAuth client secret"),
    Variable(
        "GOOGLE_OIDC_URL",
        "https://accounts.google.com",
        "OpenID Connect issuer for Google sign-in (dev/tests: the local provider)",
    ),
    Variable("GITHUB_CLIENT_ID", "", "GitHub OAuth app client id (empty: no GitHub sign-in)"),
    Variable("GITHUB_CLIENT_SECRET", "", "GitHub OAuth app client secret"),
    Variable(
        "GITHUB_URL",
        "",
        "GitHub base URL (empty: github.com; GitHub Enterprise or the local provider)",
    ),
)
_BY_NAME = {variable.name: variable for variable in VARIABLES}


def get(name: str) -> str:
    """The variable's value, or its declared default."""
    return os.environ.get(name, _BY_NAME[name].default)


def get_list(name: str) -> list[str]:
    return [item.strip() for item in get(name).split(",") if item.strip()]


def get_int(name: str) -> int:
    value = get(name)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def environment() -> str:
    value = get("MARKETPLACE_ENV")
    if value not in (PRODUCTION, DEVELOPMENT, TEST):
        raise ImproperlyConfigured("MARKETPLACE_ENV must be development, test or production")
    return value


def check_production_secrets() -> None:
    """Refuse to run production on a dev default or with a missing secret."""
    # An empty value (`STRIPE_SECRET_KEY=` left in an env file) counts as missing.
    missing = [
        variable.name
        for variable in VARIABLES
        if variable.secret
        and os.environ.get(variable.name, variable.default).strip() in ("", variable.default)
    ]
    for required in ("DATABASE_URL", "ALLOWED_HOSTS"):
        if not os.environ.get(required, "").strip():
            missing.append(required)
    if missing:
        raise ImproperlyConfigured(
            "Production needs these environment variables set: " + ", ".join(sorted(missing))
        )
