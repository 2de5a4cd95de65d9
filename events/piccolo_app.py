import os

from piccolo.conf.apps import AppConfig

from events.tables import Event, EventPartner, FormatDefaults, Series, Session, Site

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="events",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Site, Series, FormatDefaults, Event, Session, EventPartner],
    migration_dependencies=["accounts.piccolo_app"],
    commands=[],
)
