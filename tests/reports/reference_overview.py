"""A sector's overview as tracker/reports/services.py made it before issue 14: every organisation
and every enrolment of the sector loaded record by record and judged in Python (`state_of`). Kept
only as the reference the bounded overview (`sector_summary`, `organisation_page`, counted and
paged in SQL) is checked against; nothing in the app uses it."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.i18n import rounded_percent
from tracker.organisations.models import Organisation
from tracker.reports.services import (
    OrganisationState,
    Participation,
    SectorState,
    counted,
    participation,
    sector_filter,
    sector_order,
    state_of,
)
from tracker.users.models import User


@dataclass(frozen=True)
class SectorOverview:
    """A ministry's sector (None: the whole state) and where each organisation stands."""

    ministry: Organisation | None
    today: date
    organisations: list[OrganisationState]  # the ministry first, then by name
    counts: dict[SectorState, int]  # by latest enrolment: every state, zeros too, in order
    total: int
    completed: int  # organisations that have completed, at any time (`has_completed`)

    @property
    def completed_share(self) -> int:
        """The percentage of the sector that has completed, whole, rounded half up."""
        return rounded_percent(self.completed, self.total) or 0


def sector_overview(ministry: Organisation | None, today: date,
                    for_user: User | None = None) -> SectorOverview:
    """Every organisation of the sector and where it stands on `today`, in a fixed number of queries.

    The sector is the ministry and every organisation it owns; None means the whole state.
    Each organisation's state is that of its latest enrolment by cohort start (so a withdrawal
    followed by a newer enrolment counts the newer), as `state_of` says; whether it has
    completed comes from all of them.
    """
    organisations = db.session.scalars(
        select(Organisation)
        .where(sector_filter(ministry))
        .options(selectinload(Organisation.owning_ministry))
    ).all()
    enrolments = db.session.scalars(
        select(Enrolment)
        .join(Enrolment.organisation)
        .join(Enrolment.cohort)
        .where(sector_filter(ministry), counted(for_user))
        .options(
            selectinload(Enrolment.cohort).selectinload(Cohort.programme),
            selectinload(Enrolment.status_history),
        )
        .order_by(Cohort.start_date, Cohort.ordinal, Enrolment.id)
    ).all()
    history: dict[int, list[Participation]] = {}
    for enrolment in enrolments:
        history.setdefault(enrolment.organisation_id, []).append(participation(enrolment, today))
    states = [
        state_of(organisation, history.get(organisation.id, []), today)
        for organisation in sorted(organisations, key=sector_order)
    ]
    counts = {state: 0 for state in SectorState}
    for row in states:
        counts[row.state] += 1
    completed = sum(row.has_completed for row in states)
    return SectorOverview(ministry, today, states, counts, len(states), completed)
