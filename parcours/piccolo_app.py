import os

from piccolo.conf.apps import AppConfig

from parcours.tables import Parcours, SkillsSheet, Touchpoint, TouchpointTemplate

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="parcours",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Parcours, Touchpoint, TouchpointTemplate, SkillsSheet],
    migration_dependencies=[
        "accounts.piccolo_app",
        "registration.piccolo_app",
    ],
    commands=[],
)
