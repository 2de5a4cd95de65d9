from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-06T02:06:54:452688"
VERSION = "1.38.0"
DESCRIPTION = "Hand the rally tables to planning and the calendar feeds to calendars (no change to the database)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="events", description=DESCRIPTION,
        # The tables moved between packages, not in the database: only the schema snapshots change.
        fake=True,
    )

    manager.drop_table(class_name="Team", tablename="team", schema=None)

    manager.drop_table(class_name="Companion", tablename="companion", schema=None)

    manager.drop_table(
        class_name="PlanningRun", tablename="planning_run", schema=None
    )

    manager.drop_table(
        class_name="TravelTime", tablename="travel_time", schema=None
    )

    manager.drop_table(class_name="Visit", tablename="visit", schema=None)

    manager.drop_table(
        class_name="CalendarFeed", tablename="calendar_feed", schema=None
    )

    return manager
