"""The situations a youth can be in at a follow-up date, and how each is counted (`CONTEXT.md`).

IAE reporting groups situations into "sorties dynamiques": *emploi durable*, *emploi de transition*, *sortie
positive*; everything else is counted but not dynamic (calling every exit positive is a known misuse). The
Missions Locales' own situations that IAE reporting does not name (immersion, civic service, back to school)
are "other". Alternance is a work contract that leads to a qualification: counted with qualifying training.
"""

from __future__ import annotations

from enum import StrEnum

from core.i18n import lazy
from outcomes.tables import ResultKind, SituationKind, Source


class Category(StrEnum):
    durable_job = "durable_job"
    transition_job = "transition_job"
    positive_exit = "positive_exit"
    other = "other"


CATEGORY: dict[SituationKind, Category] = {
    SituationKind.cdi: Category.durable_job,
    SituationKind.long_contract: Category.durable_job,
    SituationKind.business_creation: Category.durable_job,
    SituationKind.short_contract: Category.transition_job,
    SituationKind.subsidised_contract: Category.transition_job,
    SituationKind.alternance: Category.positive_exit,
    SituationKind.training: Category.positive_exit,
    SituationKind.siae_hire: Category.positive_exit,
    SituationKind.immersion: Category.other,
    SituationKind.civic_service: Category.other,
    SituationKind.back_to_school: Category.other,
    SituationKind.job_seeking: Category.other,
    SituationKind.inactive: Category.other,
    SituationKind.no_news: Category.other,
}

DYNAMIC = {Category.durable_job, Category.transition_job, Category.positive_exit}

# Fixed-term contracts are told apart by their length: 6 months and more is a durable job.
LONG_CONTRACT_MONTHS = 6
CONTRACTS = {SituationKind.long_contract, SituationKind.short_contract}

SITUATION_LABELS = {
    SituationKind.cdi: lazy("Permanent contract (CDI)"),
    SituationKind.long_contract: lazy("Fixed-term or temp contract of 6 months or more"),
    SituationKind.short_contract: lazy("Fixed-term or temp contract of less than 6 months"),
    SituationKind.subsidised_contract: lazy("Subsidised contract"),
    SituationKind.alternance: lazy("Work-study contract (alternance)"),
    SituationKind.training: lazy("Qualifying or pre-qualifying training"),
    SituationKind.siae_hire: lazy("Hired by an SIAE"),
    SituationKind.immersion: lazy("Work immersion (PMSMP)"),
    SituationKind.civic_service: lazy("Civic service"),
    SituationKind.business_creation: lazy("Business creation"),
    SituationKind.back_to_school: lazy("Back to school"),
    SituationKind.job_seeking: lazy("Looking for work"),
    SituationKind.inactive: lazy("Inactive"),
    SituationKind.no_news: lazy("No news"),
}

CATEGORY_LABELS = {
    Category.durable_job: lazy("Durable job"),
    Category.transition_job: lazy("Transition job"),
    Category.positive_exit: lazy("Positive exit"),
    Category.other: lazy("Other situation"),
}

SOURCE_LABELS = {
    Source.youth: lazy("Declared by the youth"),
    Source.adviser: lazy("Adviser"),
    Source.employer: lazy("Employer"),
    Source.organiser: lazy("Organiser"),
}

RESULT_LABELS = {
    ResultKind.contact_taken: lazy("Contact taken"),
    ResultKind.cv_left: lazy("CV left"),
    ResultKind.visit_booked: lazy("Company visit booked"),
    ResultKind.interview_booked: lazy("Interview booked"),
    ResultKind.immersion_booked: lazy("Immersion (PMSMP) booked"),
    ResultKind.offer_collected: lazy("Job offer collected"),
    ResultKind.hired: lazy("Hired"),
}


def category(kind: SituationKind | str) -> Category:
    return CATEGORY[SituationKind(kind)]


def is_dynamic(kind: SituationKind | str) -> bool:
    """Counted as a "sortie dynamique" in IAE reporting."""
    return category(kind) in DYNAMIC


def contract_kind(months: int) -> SituationKind:
    """The situation a fixed-term or temp contract of `months` is."""
    return SituationKind.long_contract if months >= LONG_CONTRACT_MONTHS else SituationKind.short_contract
