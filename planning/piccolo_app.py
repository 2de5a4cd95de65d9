import os

from piccolo.conf.apps import AppConfig

from planning.tables import (
    Companion,
    Interview,
    PairRule,
    PlanningRun,
    PublishedTeam,
    Team,
    TeamMember,
    TravelTime,
    Visit,
)

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="planning",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=[Companion, Team, Visit, TravelTime, PlanningRun, TeamMember, PairRule, Interview, PublishedTeam],
    migration_dependencies=["accounts.piccolo_app", "events.piccolo_app", "registration.piccolo_app"],
    commands=[],
)
