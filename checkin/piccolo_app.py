import os

from piccolo.conf.apps import AppConfig

from checkin.tables import CheckIn, Device

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="checkin",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[CheckIn, Device],
    migration_dependencies=[
        "accounts.piccolo_app",
        "events.piccolo_app",
        "registration.piccolo_app",
        "planning.piccolo_app",
    ],
    commands=[],
)
