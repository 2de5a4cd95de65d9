"""Operators get one clear line for a bad configuration, never a traceback."""

import os
import subprocess
import sys

import pytest

from core.settings import SettingsError, load_settings

STRONG = "Zr8_pQ2-vLx7NwK4sT9bYc3HmA6eJ1uGdF5oRiE0"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="SECRET_KEY is required"):
        load_settings({"TREMPLIN_ENV": "production", "TREMPLIN_VAR_DIR": str(tmp_path)})


@pytest.mark.parametrize("weak", ["changeme", "short", "a" * 40])
def test_production_refuses_a_weak_secret_key(tmp_path, weak):
    with pytest.raises(SettingsError, match="too weak"):
        load_settings({"TREMPLIN_ENV": "production", "SECRET_KEY": weak, "TREMPLIN_VAR_DIR": str(tmp_path)})


def test_production_accepts_a_strong_secret_key(tmp_path):
    settings = load_settings({"TREMPLIN_ENV": "production", "SECRET_KEY": STRONG, "TREMPLIN_VAR_DIR": str(tmp_path)})
    assert settings.secret_key == STRONG and settings.production


def test_webhooks_never_reach_private_addresses_unless_a_test_asks_and_never_in_production(tmp_path):
    assert not load_settings({"TREMPLIN_VAR_DIR": str(tmp_path)}).webhooks_allow_private
    production = {"TREMPLIN_ENV": "production", "SECRET_KEY": STRONG, "TREMPLIN_VAR_DIR": str(tmp_path)}
    with pytest.raises(SettingsError, match="WEBHOOKS_ALLOW_PRIVATE"):
        load_settings({**production, "WEBHOOKS_ALLOW_PRIVATE": "1"})


def test_development_generates_a_secret_once_and_keeps_it(tmp_path):
    first = load_settings({"TREMPLIN_VAR_DIR": str(tmp_path)})
    second = load_settings({"TREMPLIN_VAR_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_defaults_are_sqlite_under_var_paris_time_and_french(tmp_path):
    settings = load_settings({"TREMPLIN_VAR_DIR": str(tmp_path)})
    assert settings.is_sqlite and settings.sqlite_path == tmp_path / "tremplin.sqlite3"
    assert settings.timezone == "Europe/Paris" and settings.language == "fr"


@pytest.mark.parametrize(
    "url, message",
    [
        ("mysql://root@localhost/db", "is not understood"),
        ("postgresql:///", "needs a host"),
        ("postgresql://localhost:abc/db", "port is not a number"),
        ("sqlite://", "needs a file path"),
    ],
)
def test_a_malformed_database_url_is_explained(tmp_path, url, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({"DATABASE_URL": url, "TREMPLIN_VAR_DIR": str(tmp_path)})


def test_the_command_line_prints_one_clear_line_for_a_bad_database_url(tmp_path):
    env = {**os.environ, "DATABASE_URL": "mysql://root@localhost/db", "TREMPLIN_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "DATABASE_URL 'mysql://root@localhost/db' is not understood" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_line_says_when_postgresql_cannot_be_reached(tmp_path):
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "TREMPLIN_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr
