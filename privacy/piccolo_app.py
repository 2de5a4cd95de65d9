import os

from piccolo.conf.apps import AppConfig

from privacy.tables import PersonalDataAccess

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="privacy",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[PersonalDataAccess],
    migration_dependencies=["accounts.piccolo_app", "registration.piccolo_app"],
    commands=[],
)
