import os

from piccolo.conf.apps import AppConfig

from webhooks.tables import Delivery, Endpoint

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="webhooks",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Endpoint, Delivery],
    migration_dependencies=["accounts.piccolo_app", "messaging.piccolo_app"],
    commands=[],
)
