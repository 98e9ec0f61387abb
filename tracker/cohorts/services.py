"""Rules about cohorts: their dates, their status and how far along they are."""
import calendar
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager

from tracker.cohorts.models import Cohort, CohortStatus, Season
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.programmes.models import Programme

if TYPE_CHECKING:
    from tracker.users.models import User


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def course_month(cohort: Cohort, today: date) -> int:
    """Which month of the course `today` falls in: 0 before the start, at most the course length."""
    length = cohort.programme.course_length_months
    status = cohort.status(today)
    if status is CohortStatus.PLANNED:
        return 0
    if status is CohortStatus.COMPLETED:
        return length
    months = (today.year - cohort.start_date.year) * 12 + today.month - cohort.start_date.month
    if today.day < cohort.start_date.day:
        months -= 1
    return max(1, min(length, months + 1))


def create_cohort(
    programme: Programme,
    *,
    label: str,
    ordinal: int,
    season: Season,
    year: int,
    start_date: date,
    planned_end: date | None = None,
    capacity: int | None = None,
    notes: str = "",
) -> Cohort:
    """Add a cohort; the planned end and capacity default to the programme's."""
    planned_end = planned_end or add_months(start_date, programme.course_length_months)
    if planned_end <= start_date:
        raise DomainError(_l("The planned end must be after the start date."), field="planned_end")
    capacity = capacity if capacity is not None else programme.groups_per_cohort
    if capacity < 1:
        raise DomainError(_l("Capacity must be at least 1."), field="capacity")
    for column, value, message in (
        (Cohort.label, label, _l("Another cohort in this programme has this label.")),
        (Cohort.ordinal, ordinal, _l("Another cohort in this programme has this number.")),
    ):
        taken = db.session.scalar(
            select(Cohort.id).where(Cohort.programme_id == programme.id, column == value)
        )
        if taken:
            raise DomainError(message, field=column.key)
    cohort = Cohort(
        programme=programme,
        label=label,
        ordinal=ordinal,
        season=season,
        year=year,
        start_date=start_date,
        planned_end=planned_end,
        capacity=capacity,
        notes=notes,
    )
    db.session.add(cohort)
    return cohort


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    status: CohortStatus
    month: int
    course_length: int
    groups_enrolled: int


def visible_cohort_ids(user: "User") -> Select[tuple[int]]:
    """Ids of the cohorts in which an organisation in the user's scope takes part."""
    return (
        select(Enrolment.cohort_id)
        .join(Enrolment.organisation)
        .where(user.organisation_filter())
    )


def cohort_summaries(today: date, user: "User") -> list[CohortSummary]:
    """The user's cohorts in order, with status, course month and groups enrolled (not withdrawn)."""
    enrolled = (
        select(Enrolment.cohort_id, func.count(Enrolment.id).label("groups"))
        .where(Enrolment.status != EnrolmentStatus.WITHDRAWN)
        .group_by(Enrolment.cohort_id)
        .subquery()
    )
    query = (
        select(Cohort, func.coalesce(enrolled.c.groups, 0))
        .join(Cohort.programme)
        .outerjoin(enrolled, enrolled.c.cohort_id == Cohort.id)
        .options(contains_eager(Cohort.programme))
        .order_by(Cohort.start_date, Cohort.ordinal)
    )
    if not user.is_staff:
        query = query.where(Cohort.id.in_(visible_cohort_ids(user)))
    rows = db.session.execute(query).all()
    return [
        CohortSummary(
            cohort=cohort,
            status=cohort.status(today),
            month=course_month(cohort, today),
            course_length=cohort.programme.course_length_months,
            groups_enrolled=groups,
        )
        for cohort, groups in rows
    ]


def get_cohort_or_404(cohort_id: int, for_user: "User") -> Cohort:
    """The cohort with this id, if the user may see it.

    :raise 404: when there is none, or none of the user's organisations takes part in it (an
        outsider cannot tell the two apart).
    """
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or not for_user.can_view(cohort):
        abort(404)
    return cohort
