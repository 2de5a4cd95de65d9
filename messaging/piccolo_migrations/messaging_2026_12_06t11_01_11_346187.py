from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-12-06T11:01:11:346187"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="messaging", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="OutboxMessage",
        tablename="outbox_message",
        column_name="channel",
        db_column_name="channel",
        params={
            "choices": Enum(
                "Channel", {"email": "email", "sms": "sms", "webhook": "webhook"}
            )
        },
        old_params={"choices": Enum("Channel", {"email": "email", "sms": "sms"})},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    manager.alter_column(
        table_class_name="MessageTemplate",
        tablename="message_template",
        column_name="channel",
        db_column_name="channel",
        params={
            "choices": Enum(
                "Channel", {"email": "email", "sms": "sms", "webhook": "webhook"}
            )
        },
        old_params={"choices": Enum("Channel", {"email": "email", "sms": "sms"})},
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
