"""Piccolo's entry point: the engine comes from DATABASE_URL (see core/settings.py)."""

from piccolo.conf.apps import AppRegistry

from core.db import make_engine
from core.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "accounts.piccolo_app",
        "messaging.piccolo_app",
        "events.piccolo_app",
        "registration.piccolo_app",
        "planning.piccolo_app",
        "checkin.piccolo_app",
        "outcomes.piccolo_app",
        "calendars.piccolo_app",
        "outreach.piccolo_app",
        "parcours.piccolo_app",
        "webhooks.piccolo_app",
        "privacy.piccolo_app",
    ]
)
