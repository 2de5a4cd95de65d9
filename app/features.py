"""Every feature, assembled: its pages and API (ROUTES) and its signal receivers.

Importing this module connects each feature's `receivers.py` to the signals of the features below it
(core.signals): the app, the CLI and the tests import it before anything sends a signal."""

from __future__ import annotations

import calendars.receivers
import checkin.receivers
import events.receivers
import messaging.receivers
import outcomes.receivers
import outreach.receivers
import parcours.receivers
import planning.receivers
import privacy.receivers
import registration.receivers
import webhooks.receivers
from accounts.account_console import ROUTES as ACCOUNT_CONSOLE
from accounts.api import ROUTES as ACCOUNTS_API
from accounts.console import ROUTES as ACCOUNTS_CONSOLE
from accounts.members_console import ROUTES as MEMBERS_CONSOLE
from accounts.organisation_console import ROUTES as ORGANISATION_SETTINGS
from app.console import ConsoleHome, healthz
from calendars.console import ROUTES as CALENDAR_FEEDS
from calendars.public import ROUTES as CALENDAR_PUBLIC
from checkin.api import ROUTES as CHECKIN_API
from checkin.console import ROUTES as CHECKIN_CONSOLE
from checkin.public import ROUTES as CHECKIN_PUBLIC
from checkin.scan import ROUTES as SCAN_APP
from dashboard.console import ROUTES as DASHBOARD_CONSOLE
from events.api import ROUTES as EVENT_API
from events.console import ROUTES as EVENT_CONSOLE
from messaging.console import ROUTES as MESSAGES_CONSOLE
from messaging.webhooks import ROUTES as SMS_WEBHOOKS
from outcomes.api import ROUTES as OUTCOMES_API
from outcomes.console import ROUTES as OUTCOMES_CONSOLE
from outcomes.public import ROUTES as OUTCOMES_PUBLIC
from outreach.api import ROUTES as OUTREACH_API
from outreach.console import ROUTES as OUTREACH_CONSOLE
from outreach.public import ROUTES as OUTREACH_PUBLIC
from parcours.console import ROUTES as PARCOURS_CONSOLE
from planning.console import ROUTES as PLANNING_CONSOLE
from planning.jobdating.console import ROUTES as JOB_DATING_CONSOLE
from privacy.console import ROUTES as PRIVACY_CONSOLE
from registration.api import ROUTES as REGISTRATION_API
from registration.console import ROUTES as REGISTRATION_CONSOLE
from registration.public import ROUTES as REGISTRATION_PUBLIC
from reporting.api import ROUTES as EXPORTS_API
from reporting.console import ROUTES as EXPORTS_CONSOLE
from webhooks.api import ROUTES as WEBHOOKS_API
from webhooks.console import ROUTES as WEBHOOKS_CONSOLE

RECEIVERS = (
    calendars.receivers,
    checkin.receivers,
    events.receivers,
    messaging.receivers,
    outcomes.receivers,
    outreach.receivers,
    parcours.receivers,
    planning.receivers,
    privacy.receivers,
    registration.receivers,
    webhooks.receivers,
)

ROUTES = [
    ConsoleHome,
    healthz,
    *ACCOUNTS_CONSOLE,
    *ACCOUNT_CONSOLE,
    *ORGANISATION_SETTINGS,
    *MEMBERS_CONSOLE,
    *ACCOUNTS_API,
    *EVENT_CONSOLE,
    *DASHBOARD_CONSOLE,
    *PLANNING_CONSOLE,
    *JOB_DATING_CONSOLE,
    *CALENDAR_FEEDS,
    *SMS_WEBHOOKS,
    *MESSAGES_CONSOLE,
    *CHECKIN_API,
    *CHECKIN_CONSOLE,
    *SCAN_APP,
    *REGISTRATION_PUBLIC,
    *CHECKIN_PUBLIC,
    *CALENDAR_PUBLIC,
    *REGISTRATION_CONSOLE,
    *OUTCOMES_CONSOLE,
    *OUTCOMES_PUBLIC,
    *OUTCOMES_API,
    *OUTREACH_CONSOLE,
    *OUTREACH_PUBLIC,
    *OUTREACH_API,
    *PARCOURS_CONSOLE,
    *PRIVACY_CONSOLE,
    *EVENT_API,
    *REGISTRATION_API,
    *WEBHOOKS_CONSOLE,
    *WEBHOOKS_API,
    *EXPORTS_CONSOLE,
    *EXPORTS_API,
]
