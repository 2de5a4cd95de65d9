"""The schema comes only from committed migrations, on SQLite and on PostgreSQL."""

from datetime import date

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from app.cli import migrate
from piccolo_conf import APP_REGISTRY
from registration.tables import Registration
from registration.tokens import digest
from tests.factories.accounts import make_organisation
from tests.factories.events import make_event
from tests.factories.registration import make_registration, make_youth


async def test_migrations_ran_forward_from_an_empty_database_and_created_every_table():
    # The session fixture emptied the database and ran `tremplin migrate`.
    for app_config in APP_REGISTRY.app_configs.values():
        for table in app_config.table_classes:
            assert await table.table_exists(), table._meta.tablename
            await table.count()  # the table is usable as declared


async def test_every_table_change_has_its_migration():
    for app_name, app_config in APP_REGISTRY.app_configs.items():
        statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=app_config)
        pending = [s for group in statements for s in group.statements]
        assert not pending, (
            f"{app_name} has table changes without a migration: run "
            f"`piccolo migrations new {app_name} --auto`\n" + "\n".join(pending)
        )


async def test_migrating_again_changes_nothing():
    await migrate()
    await migrate()


async def test_one_registration_per_youth_and_event_is_enforced_by_the_database():
    ml = await make_organisation("ML")
    event = await make_event(ml, title="Info", starts_on=date.today(), public_token="t1")
    youth = await make_youth(ml)
    await make_registration(event, youth, manage_token="m1")
    with pytest.raises(Exception):  # noqa: B017 - each driver raises its own IntegrityError
        await Registration(event=event.id, participant=youth.id, status="confirmed", manage_hash=digest("m2")).save()
