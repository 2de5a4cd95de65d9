import os

from piccolo.conf.apps import AppConfig

from outcomes.tables import FollowUp, Result, Situation

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="outcomes",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Result, FollowUp, Situation],
    migration_dependencies=[
        "accounts.piccolo_app",
        "events.piccolo_app",
        "registration.piccolo_app",
        "planning.piccolo_app",
    ],
    commands=[],
)
