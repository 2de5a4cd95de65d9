import os

from piccolo.conf.apps import AppConfig

from outreach.tables import EventInvitation, PublicPage

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="outreach",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[PublicPage, EventInvitation],
    migration_dependencies=[
        "accounts.piccolo_app",
        "events.piccolo_app",
        "registration.piccolo_app",
    ],
    commands=[],
)
