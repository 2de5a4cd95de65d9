"""A youth's parcours in an SIAE, its touchpoints, the organisation's touchpoint template and the skills sheets."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns import Text as TextColumn
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from accounts.tables import Organisation, User
from registration.tables import Participant


class ContractKind(StrEnum):
    cddi = "cddi"  # contrat à durée déterminée d'insertion (ACI, EI)
    mission = "mission"  # mission d'intérim d'insertion (ETTI)
    provision = "provision"  # mise à disposition (AI)
    other = "other"


class ParcoursStatus(StrEnum):
    planned = "planned"  # the hiring is planned: the contract has not begun
    active = "active"
    ended = "ended"


class EndReason(StrEnum):
    completed = "completed"  # the contract ran to its end
    early_exit = "early_exit"  # the youth left before the end (another job, training…)
    broken = "broken"  # the contract was broken off
    not_hired = "not_hired"  # the planned hiring did not happen


class Parcours(Table):
    """A youth's time in an SIAE (the host structure, `organisation`) with their ML adviser as single referent."""

    organisation = ForeignKey(references=Organisation, index=True)  # the SIAE hosting the youth
    participant = ForeignKey(references=Participant, index=True)
    contract_kind = Varchar(length=12, choices=ContractKind, default=ContractKind.cddi)
    contract_start = Date()
    contract_end = Date()  # the current end, extensions included
    first_end = Date()  # the end first agreed (before any extension)
    extensions = Integer(default=0)
    adviser = ForeignKey(references=User, index=True)  # the youth's ML adviser, their single referent
    adviser_organisation = ForeignKey(references=Organisation, index=True)  # the Mission Locale
    counsellor = ForeignKey(references=User, index=True)  # the SIAE's counsellor (CIP)
    supervisor = ForeignKey(references=User, null=True, default=None, index=True)  # the technical supervisor
    status = Varchar(length=10, choices=ParcoursStatus, default=ParcoursStatus.planned)
    end_reason = Varchar(length=12, default="")  # EndReason, once ended
    exit_situation = Varchar(length=20, default="")  # outcomes.tables.SituationKind, once ended
    created_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    ended_at = Timestamptz(null=True, default=None)


class TouchpointKind(StrEnum):
    phone_call = "phone_call"
    tripartite = "tripartite"  # youth, adviser and counsellor (and the supervisor) together
    review = "review"
    contact = "contact"  # a short formal contact between the counsellor and the adviser


class TouchpointStatus(StrEnum):
    planned = "planned"
    done = "done"
    dropped = "dropped"


class Touchpoint(Table):
    """One meeting, call or contact of a parcours. Its SEQUENCE goes up with every change of time or place, so
    the participants' calendars replace their copy (calendars.invitations)."""

    parcours = ForeignKey(references=Parcours, index=True)
    step = Varchar(length=30, default="")  # the template step it came from ("" when added by hand)
    kind = Varchar(length=12, choices=TouchpointKind)
    participants = JSON(default='["adviser", "counsellor"]')  # roles: youth, adviser, counsellor, supervisor
    starts_at = Timestamptz(index=True)
    minutes = Integer(default=30)
    place = Varchar(length=200, default="")  # "" with by_phone
    by_phone = Boolean(default=False)
    note = TextColumn(default="")  # short, minimal personal data, no health data (NOTE_LIMIT)
    result = TextColumn(default="")
    status = Varchar(length=8, choices=TouchpointStatus, default=TouchpointStatus.planned, index=True)
    sequence = Integer(default=0)
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(references=User, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class TouchpointTemplate(Table):
    """An organisation's own rhythm (parcours.rhythm.Step, as a list of dicts); none: the default five steps."""

    organisation = ForeignKey(references=Organisation, unique=True, index=True)
    steps = JSON(default="[]")
    updated_at = Timestamptz(default=TimestamptzNow())


class SheetMoment(StrEnum):
    start = "start"
    middle = "middle"
    end = "end"


class SkillsSheet(Table):
    """The skills observed at work and the youth's own assessment of the same items, at one moment."""

    parcours = ForeignKey(references=Parcours, index=True)
    moment = Varchar(length=6, choices=SheetMoment)
    key = Varchar(length=30, unique=True)  # "<parcours>:<moment>": one sheet per moment
    observed = JSON(default="{}")  # item -> 1..4, as the counsellor or the supervisor saw it
    self_assessed = JSON(default="{}")  # item -> 1..4, as the youth sees it
    comments = TextColumn(default="")
    next_steps = TextColumn(default="")
    filled_by = ForeignKey(references=User, null=True, default=None)
    filled_at = Timestamptz(default=TimestamptzNow())
