import os

from piccolo.conf.apps import AppConfig

from registration.tables import Consent, Participant, Proposal, Question, ReferralLink, Registration

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="registration",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Participant, Registration, Question, Consent, ReferralLink, Proposal],
    migration_dependencies=["accounts.piccolo_app", "events.piccolo_app"],
    commands=[],
)
