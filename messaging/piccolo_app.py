import os

from piccolo.conf.apps import AppConfig

from messaging.tables import MessageTemplate, OutboxMessage, OutboxWorker

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="messaging",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[OutboxMessage, MessageTemplate, OutboxWorker],
    migration_dependencies=["accounts.piccolo_app"],
    commands=[],
)
