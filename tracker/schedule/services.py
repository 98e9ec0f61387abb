"""Rules about sessions: when they are and who is expected."""
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.cohorts.models import Cohort
from tracker.groups.models import Enrolment
from tracker.schedule.models import Session


def sessions_of_cohort(cohort: Cohort) -> Select[tuple[Session]]:
    """A cohort's sessions in time order, joint and per group, with module and group loaded."""
    return (
        select(Session)
        .where(Session.cohort_id == cohort.id)
        .options(
            selectinload(Session.module),
            selectinload(Session.enrolment).selectinload(Enrolment.organisation),
        )
        .order_by(Session.starts_at, Session.id)
    )
