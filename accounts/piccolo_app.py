import os

from piccolo.conf.apps import AppConfig

from accounts.tables import (
    ApiToken,
    AuditEntry,
    Contact,
    Invitation,
    LoginThrottle,
    Logo,
    Membership,
    Organisation,
    Partnership,
    PasswordReset,
    User,
)

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[
        Organisation,
        User,
        Membership,
        PasswordReset,
        LoginThrottle,
        ApiToken,
        Partnership,
        Contact,
        Invitation,
        AuditEntry,
        Logo,
    ],
    migration_dependencies=[],
    commands=[],
)
