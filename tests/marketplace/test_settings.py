"""Settings from the environment: production refuses to start without its secrets."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from marketplace import env

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_SECRETS = {
    "SECRET_KEY": secrets.token_urlsafe(50),  # 67 random characters
    "STRIPE_SECRET_KEY": "sk_live_0123456789abcdef",
    "STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdef",
    # Never contacted: `check` does not open a database connection.
    "DATABASE_URL": "postgres://marketplace:secret@127.0.0.1:1/marketplace",
    "ALLOWED_HOSTS": "shop.example",
}


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only the given project variables (nothing from this test run)."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if name not in env._BY_NAME and not name.startswith(("DJANGO_", "PYTEST_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "marketplace.settings", **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


# --- production start-up (subprocess) ---------------------------------------------------


def test_production_without_secrets_refuses_to_start():
    result = manage("check", "--deploy", MARKETPLACE_ENV="production")

    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: Production needs these environment "
        "variables set: ALLOWED_HOSTS, DATABASE_URL, SECRET_KEY, STRIPE_SECRET_KEY, "
        "STRIPE_WEBHOOK_SECRET"
    )
    assert result.stdout == ""


def test_production_names_only_what_is_missing():
    environment = {**PRODUCTION_SECRETS, "STRIPE_WEBHOOK_SECRET": ""}
    del environment["SECRET_KEY"]

    result = manage("check", "--deploy", MARKETPLACE_ENV="production", **environment)

    assert result.returncode == 1
    assert last_line(result.stderr) == (
        "django.core.exceptions.ImproperlyConfigured: Production needs these environment "
        "variables set: SECRET_KEY, STRIPE_WEBHOOK_SECRET"
    )


def test_production_with_its_secrets_passes_the_deploy_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", MARKETPLACE_ENV="production",
        **PRODUCTION_SECRETS,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"
    assert result.stderr == ""


def test_a_weak_secret_key_fails_the_deploy_checks():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", MARKETPLACE_ENV="production",
        **{**PRODUCTION_SECRETS, "SECRET_KEY": "too-short"},
    )  # fmt: skip

    assert result.returncode == 1
    assert "(security.W009)" in result.stderr
    assert "System check identified 1 issue (0 silenced)." in result.stderr


def test_development_starts_with_the_offline_defaults():
    result = manage("check", MARKETPLACE_ENV="development")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "System check identified no issues (0 silenced).\n"


# --- marketplace.env --------------------------------------------------------------------


def test_get_returns_the_variable_or_its_declared_default(monkeypatch):
    monkeypatch.setenv("KAFKA_TOPIC_PREFIX", "prod.")
    monkeypatch.delenv("LOG_LEVEL", raising=False)

    assert env.get("KAFKA_TOPIC_PREFIX") == "prod."
    assert env.get("LOG_LEVEL") == "INFO"


def test_every_variable_must_be_declared(monkeypatch):
    monkeypatch.setenv("NOT_DECLARED_ANYWHERE", "1")

    with pytest.raises(KeyError):
        env.get("NOT_DECLARED_ANYWHERE")


def test_get_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example, b.example,, ,")

    assert env.get_list("ALLOWED_HOSTS") == ["a.example", "b.example"]

    monkeypatch.setenv("ALLOWED_HOSTS", "")
    assert env.get_list("ALLOWED_HOSTS") == []


def test_get_int_parses_integers(monkeypatch):
    monkeypatch.setenv("SHOP_SCHEMA_POOL_SIZE", " 25 ")
    monkeypatch.delenv("SESSION_COOKIE_AGE", raising=False)

    assert env.get_int("SHOP_SCHEMA_POOL_SIZE") == 25
    assert env.get_int("SESSION_COOKIE_AGE") == 1209600


@pytest.mark.parametrize("value", ["two weeks", "1.5", ""])
def test_get_int_names_the_variable_and_the_bad_value(monkeypatch, value):
    monkeypatch.setenv("SESSION_COOKIE_AGE", value)

    with pytest.raises(ImproperlyConfigured) as error:
        env.get_int("SESSION_COOKIE_AGE")

    assert str(error.value) == f"SESSION_COOKIE_AGE must be an integer, got {value!r}"


@pytest.mark.parametrize("value", ["development", "test", "production"])
def test_environment_accepts_the_three_known_ones(monkeypatch, value):
    monkeypatch.setenv("MARKETPLACE_ENV", value)

    assert env.environment() == value


def test_environment_defaults_to_development(monkeypatch):
    monkeypatch.delenv("MARKETPLACE_ENV")

    assert env.environment() == "development"


@pytest.mark.parametrize("value", ["staging", "Production", ""])
def test_an_unknown_environment_is_refused(monkeypatch, value):
    monkeypatch.setenv("MARKETPLACE_ENV", value)

    with pytest.raises(ImproperlyConfigured) as error:
        env.environment()

    assert str(error.value) == "MARKETPLACE_ENV must be development, test or production"


def _production_environment(monkeypatch, **overrides: str | None) -> None:
    for name, value in {**PRODUCTION_SECRETS, **overrides}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


def test_check_production_secrets_passes_when_all_are_set(monkeypatch):
    _production_environment(monkeypatch)

    env.check_production_secrets()


@pytest.mark.parametrize(
    ("overrides", "missing"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev-insecure-secret-key-change-me"}, "SECRET_KEY"),  # the dev default
        ({"STRIPE_SECRET_KEY": "sk_test_local_emulator"}, "STRIPE_SECRET_KEY"),
        ({"STRIPE_SECRET_KEY": ""}, "STRIPE_SECRET_KEY"),  # left empty in an env file
        ({"STRIPE_WEBHOOK_SECRET": "  "}, "STRIPE_WEBHOOK_SECRET"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": ""}, "DATABASE_URL"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"SECRET_KEY": None, "ALLOWED_HOSTS": None}, "ALLOWED_HOSTS, SECRET_KEY"),
    ],
)
def test_check_production_secrets_names_what_is_missing(monkeypatch, overrides, missing):
    _production_environment(monkeypatch, **overrides)

    with pytest.raises(ImproperlyConfigured) as error:
        env.check_production_secrets()

    assert str(error.value) == f"Production needs these environment variables set: {missing}"
