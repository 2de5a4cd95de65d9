"""The one settings object, read from the environment.

Every setting has a development default so that `make run` works on a fresh machine;
`TREMPLIN_ENV=production` turns unsafe defaults into start-up errors.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ROOT = Path(__file__).resolve().parent.parent
SYNC_MODES = {"normal", "full"}
WEAK_SECRETS = {"changeme", "secret", "change-me", "dev", "development", "password"}
MIN_SECRET_LENGTH = 32


class SettingsError(Exception):
    """A setting is missing or malformed; the message tells the operator what to fix."""


@dataclass(frozen=True, slots=True)
class Settings:
    env: str = "development"
    database_url: str = ""
    secret_key: str = ""
    # Former keys, still tried to unseal the youths' personal tokens after a rotation (registration/tokens.py).
    secret_key_previous: tuple[str, ...] = ()
    base_url: str = "http://127.0.0.1:8000"
    redis_url: str = ""
    osrm_url: str = ""  # an OSRM-compatible routing server for travel times; straight-line estimates without
    timezone: str = "Europe/Paris"
    language: str = "fr"
    var_dir: Path = ROOT / "var"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_from: str = "Tremplin <no-reply@tremplin.local>"
    public_posts_per_10_min: int = 60  # per IP: an ML's office wifi may register a whole group
    worker: str = "inprocess"  # or "external": `tremplin worker` processes deliver messages
    outbox_lease_seconds: int = 120  # a claimed message not finished by then is taken again by another worker
    sms_provider: str = "console"  # console (log only), brevo, or webhook (a signed POST to SMS_WEBHOOK_URL)
    sms_api_key: str = ""
    sms_api_url: str = "https://api.brevo.com"
    sms_webhook_url: str = ""
    sms_webhook_secret: str = ""  # HMAC-SHA256 key: signs what we send and checks the receipts we get
    sms_sender: str = "Tremplin"  # alphanumeric sender id: at most 11 characters (French operators' rule)
    quiet_hours: str = "21:00-08:00"  # local time (TIMEZONE) when non-urgent SMS wait; empty: no quiet hours
    languages: tuple[str, ...] = field(default=("fr", "en"))
    # Lets webhooks reach plain http:// and private or loopback addresses: for the tests' local server only,
    # never on by default, refused in production (webhooks/urls.py).
    webhooks_allow_private: bool = False
    retention_months: int = 24  # a youth's record is erased this long after the last contact (privacy.purge)
    # SQLite commits: "normal" survives the app being killed, "full" a power cut too (README, Durability).
    sqlite_synchronous: str = "normal"

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> tuple[time, time] | None:
        """(start, end) of the quiet hours in local time, or None when there are none."""
        return _quiet_hours(self.quiet_hours)

    @property
    def sqlite_path(self) -> Path:
        return Path(urlsplit(self.database_url).path.removeprefix("/") or "")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number.") from exc


def _positive(name: str, value: str) -> int:
    number = _int(name, value)
    if number < 1:
        raise SettingsError(f"{name} must be at least 1.")
    return number


def _choice(name: str, value: str, allowed: set[str]) -> str:
    if value not in allowed:
        raise SettingsError(f"{name}={value!r}: use one of {', '.join(sorted(allowed))}.")
    return value


def _quiet_hours(value: str) -> tuple[time, time] | None:
    value = value.strip()
    if not value or value.lower() in {"off", "none"}:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", value)
    try:
        if match is None:
            raise ValueError(value)
        h1, m1, h2, m2 = (int(x) for x in match.groups())
        start, end = time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise SettingsError(f"QUIET_HOURS={value!r}: use HH:MM-HH:MM (for example 21:00-08:00), or off.") from exc
    if start == end:
        raise SettingsError(f"QUIET_HOURS={value!r}: the start and the end are the same time.")
    return start, end


def _sms_sender(value: str) -> str:
    # Operators accept an alphanumeric sender id of at most 11 characters (or a number of at most 15 digits).
    value = value.strip()
    if value.isdigit() and len(value) <= 15:
        return value
    if not value or len(value) > 11 or not re.fullmatch(r"[A-Za-z0-9]+", value):
        raise SettingsError(
            f"SMS_SENDER={value!r}: use 1 to 11 letters or digits, without spaces or accents (for example Tremplin)."
        )
    return value


def _sms_settings(get) -> dict:
    provider = _choice("SMS_PROVIDER", get("SMS_PROVIDER", "console").strip().lower(), {"console", "brevo", "webhook"})
    values = {
        "sms_provider": provider,
        "sms_api_key": get("SMS_API_KEY", "").strip(),
        "sms_api_url": get("SMS_API_URL", "https://api.brevo.com").strip().rstrip("/"),
        "sms_webhook_url": get("SMS_WEBHOOK_URL", "").strip(),
        "sms_webhook_secret": get("SMS_WEBHOOK_SECRET", "").strip(),
        "sms_sender": _sms_sender(get("SMS_SENDER", "Tremplin")),
        "quiet_hours": get("QUIET_HOURS", "21:00-08:00").strip(),
    }
    _quiet_hours(values["quiet_hours"])
    if provider == "brevo" and not values["sms_api_key"]:
        raise SettingsError("SMS_PROVIDER=brevo needs SMS_API_KEY (your Brevo API key).")
    if urlsplit(values["sms_api_url"]).scheme not in {"http", "https"}:
        raise SettingsError(f"SMS_API_URL {values['sms_api_url']!r} must start with http:// or https://.")
    if provider == "webhook":
        if urlsplit(values["sms_webhook_url"]).scheme not in {"http", "https"}:
            raise SettingsError("SMS_PROVIDER=webhook needs SMS_WEBHOOK_URL (http:// or https://).")
        if len(values["sms_webhook_secret"]) < 16:
            raise SettingsError("SMS_PROVIDER=webhook needs SMS_WEBHOOK_SECRET (at least 16 random characters).")
    return values


def _check_database_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, like SQLAlchemy.
        if not parts.path.removeprefix("/"):
            raise SettingsError(f"DATABASE_URL {url!r}: a SQLite URL needs a file path (sqlite:///var/db.sqlite3).")
        return url
    if parts.scheme in {"postgres", "postgresql"}:
        if not parts.hostname and "host=" not in parts.query:
            raise SettingsError(f"DATABASE_URL {url!r}: a PostgreSQL URL needs a host.")
        if not parts.path.removeprefix("/"):
            raise SettingsError(f"DATABASE_URL {url!r}: a PostgreSQL URL needs a database name.")
        try:
            _ = parts.port
        except ValueError as exc:
            raise SettingsError(f"DATABASE_URL {url!r}: the port is not a number.") from exc
        return url
    raise SettingsError(
        f"DATABASE_URL {url!r} is not understood: use sqlite:///path/to/file.sqlite3 "
        "or postgresql://user:password@host:5432/database."
    )


def _secret_key(env: str, value: str, var_dir: Path) -> str:
    if env == "production":
        if not value:
            raise SettingsError("SECRET_KEY is required when TREMPLIN_ENV=production.")
        if len(value) < MIN_SECRET_LENGTH or value.lower() in WEAK_SECRETS or len(set(value)) < 10:
            raise SettingsError(
                f"SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        return value
    if value:
        return value
    # Development: generate once and keep it so sessions survive restarts.
    key_file = var_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_settings(environ: dict[str, str] | os._Environ[str] | None = None) -> Settings:
    env_vars = os.environ if environ is None else environ
    get = env_vars.get
    env = get("TREMPLIN_ENV", "development").strip().lower()
    if env not in {"development", "production", "test"}:
        raise SettingsError(f"TREMPLIN_ENV={env!r}: use development, test or production.")
    var_dir = Path(get("TREMPLIN_VAR_DIR", str(ROOT / "var")))
    database_url = get("DATABASE_URL", "").strip() or f"sqlite:///{var_dir / 'tremplin.sqlite3'}"
    timezone = get("TIMEZONE", "Europe/Paris")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"TIMEZONE {timezone!r} is not a known time zone.") from exc
    language = get("LANGUAGE_CODE", "fr")
    if language not in {"fr", "en"}:
        raise SettingsError(f"LANGUAGE_CODE {language!r}: use fr or en.")
    base_url = get("BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    if urlsplit(base_url).scheme not in {"http", "https"}:
        raise SettingsError(f"BASE_URL {base_url!r} must start with http:// or https://.")
    try:
        smtp_port = int(get("SMTP_PORT", "25"))
    except ValueError as exc:
        raise SettingsError("SMTP_PORT must be a number.") from exc
    return Settings(
        env=env,
        database_url=_check_database_url(database_url),
        secret_key=_secret_key(env, get("SECRET_KEY", ""), var_dir),
        secret_key_previous=tuple(k.strip() for k in get("SECRET_KEY_PREVIOUS", "").split(",") if k.strip()),
        base_url=base_url,
        redis_url=get("REDIS_URL", "").strip(),
        osrm_url=get("OSRM_URL", "").strip().rstrip("/"),
        timezone=timezone,
        language=language,
        var_dir=var_dir,
        smtp_host=get("SMTP_HOST", ""),
        smtp_port=smtp_port,
        smtp_user=get("SMTP_USER", ""),
        smtp_password=get("SMTP_PASSWORD", ""),
        smtp_starttls=_bool(get("SMTP_STARTTLS", "false")),
        smtp_ssl=_bool(get("SMTP_SSL", "false")),
        smtp_from=get("SMTP_FROM", "Tremplin <no-reply@tremplin.local>"),
        public_posts_per_10_min=_int("PUBLIC_POSTS_PER_10_MIN", get("PUBLIC_POSTS_PER_10_MIN", "60")),
        worker=_choice("TREMPLIN_WORKER", get("TREMPLIN_WORKER", "inprocess"), {"inprocess", "external"}),
        outbox_lease_seconds=_positive("OUTBOX_LEASE_SECONDS", get("OUTBOX_LEASE_SECONDS", "120")),
        webhooks_allow_private=_webhooks_allow_private(env, get("WEBHOOKS_ALLOW_PRIVATE", "false")),
        retention_months=_positive("RETENTION_MONTHS", get("RETENTION_MONTHS", "24")),
        sqlite_synchronous=_choice("SQLITE_SYNCHRONOUS", get("SQLITE_SYNCHRONOUS", "normal").lower(), SYNC_MODES),
        **_sms_settings(get),
    )


def _webhooks_allow_private(env: str, value: str) -> bool:
    allowed = _bool(value)
    if allowed and env == "production":
        raise SettingsError("WEBHOOKS_ALLOW_PRIVATE is for tests: webhooks must not reach private addresses.")
    return allowed


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
