from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T02:06:55:129392"
VERSION = "1.38.0"
DESCRIPTION = "Hand check-ins and devices to checkin, team members, pair rules and interviews to planning (no change to the database)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="registration", description=DESCRIPTION,
        # The tables moved between packages, not in the database: only the schema snapshots change.
        fake=True,
    )

    manager.drop_table(
        class_name="TeamMember", tablename="team_member", schema=None
    )

    manager.drop_table(class_name="Interview", tablename="interview", schema=None)

    manager.drop_table(class_name="Device", tablename="device", schema=None)

    manager.drop_table(class_name="PairRule", tablename="pair_rule", schema=None)

    manager.drop_table(class_name="CheckIn", tablename="check_in", schema=None)

    return manager
