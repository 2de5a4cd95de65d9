from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T08:37:20:634090"
VERSION = "1.38.0"
DESCRIPTION = ""


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="checkin", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="CheckIn",
        tablename="check_in",
        column_name="exit_nonce",
        db_column_name="exit_nonce",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.alter_column(
        table_class_name="CheckIn",
        tablename="check_in",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "AttendanceStatus",
                {
                    "present": "present",
                    "late": "late",
                    "left_early": "left_early",
                    "excused": "excused",
                    "absent": "absent",
                },
            )
        },
        old_params={
            "choices": Enum(
                "AttendanceStatus",
                {
                    "present": "present",
                    "late": "late",
                    "excused": "excused",
                    "absent": "absent",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
