"""Piccolo's entry point: the engine comes from DATABASE_URL (see app/settings.py)."""

from piccolo.conf.apps import AppRegistry

from app.db import make_engine
from app.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=[
        "app.accounts.piccolo_app",
        "app.messaging.piccolo_app",
        "events.piccolo_app",
        "registration.piccolo_app",
    ]
)
