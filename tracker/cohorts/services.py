"""Rules about cohorts: their dates, their status and how far along they are."""
import calendar
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import ColumnElement, Select, and_, exists, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from tracker.cohorts.models import Cohort, CohortStatus, Season
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.i18n import current_language
from tracker.programmes.models import Programme
from tracker.roles import Reader


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


FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_CAPACITY = 50


def check_cohort_facts(
    programme: Programme,
    *,
    label: str,
    ordinal: int,
    year: int,
    start_date: date,
    planned_end: date,
    capacity: int,
    cohort: Cohort | None = None,
) -> None:
    """Refuse a cohort's facts that break the programme's rules; `cohort` is the one being edited.

    :raise DomainError: naming the field at fault.
    """
    if planned_end <= start_date:
        raise DomainError(_l("The planned end must be after the start date."), field="planned_end")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _l("The year must be between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR),
            field="year",
        )
    if abs(year - start_date.year) > 1:
        raise DomainError(
            _l("The year must be within a year of the start date's (%(year)s).",
               year=start_date.year),
            field="year",
        )
    if ordinal < 0:
        raise DomainError(_l("The number cannot be negative (the pilot is 0)."), field="ordinal")
    if capacity < 1:
        raise DomainError(_l("Capacity must be at least 1."), field="capacity")
    if capacity > MAX_CAPACITY:
        raise DomainError(_l("Capacity can be at most %(n)s.", n=MAX_CAPACITY), field="capacity")
    for column, value, message in (
        (Cohort.label, label, _l("Another cohort in this programme has this label.")),
        (Cohort.ordinal, ordinal, _l("Another cohort in this programme has this number.")),
    ):
        query = select(Cohort.id).where(Cohort.programme_id == programme.id, column == value)
        if cohort is not None:
            query = query.where(Cohort.id != cohort.id)
        if db.session.scalar(query):
            raise DomainError(message, field=column.key)


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
    participant_information: str = "",
) -> Cohort:
    """Add a cohort; the planned end and capacity default to the programme's.

    :raise DomainError: as `check_cohort_facts` says.
    """
    planned_end = planned_end or add_months(start_date, programme.course_length_months)
    capacity = capacity if capacity is not None else programme.groups_per_cohort
    check_cohort_facts(programme, label=label, ordinal=ordinal, year=year, start_date=start_date,
                       planned_end=planned_end, capacity=capacity)
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
        participant_information=participant_information,
    )
    db.session.add(cohort)
    db.session.flush()
    return cohort


def update_cohort(
    cohort: Cohort,
    *,
    version: object,
    label: str,
    ordinal: int,
    season: Season,
    year: int,
    start_date: date,
    planned_end: date | None = None,
    capacity: int | None = None,
    notes: str = "",
    participant_information: str | None = None,
) -> None:
    """Change a cohort's facts; an empty planned end or capacity takes the programme's again.
    The information for participants stays as it is when not given (None), so a caller that
    does not know the field (an API client from before it) cannot wipe it.

    Its sessions stay where they are: moving the start date does not move them.

    :raise ConflictError: when the form was opened at another version of the cohort.
    :raise DomainError: as `check_cohort_facts` says; when the capacity is below the groups
        enrolled (not withdrawn); or when the new dates would make the course overlap another
        cohort's in which one of its organisations takes part.
    """
    check_version(cohort, version)
    programme = cohort.programme
    planned_end = planned_end or add_months(start_date, programme.course_length_months)
    capacity = capacity if capacity is not None else programme.groups_per_cohort
    check_cohort_facts(programme, label=label, ordinal=ordinal, year=year, start_date=start_date,
                       planned_end=planned_end, capacity=capacity, cohort=cohort)
    # Hold the cohort's row before counting its places, as an enrolment does
    # (groups.services.lock_for_enrolment), so a group enrolled meanwhile is counted.
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    db.session.expire(cohort, ["enrolments"])
    enrolled = cohort.places_taken
    if capacity < enrolled:
        raise DomainError(
            lazy_ngettext("%(num)s group is enrolled: the capacity cannot be less.",
                          "%(num)s groups are enrolled: the capacity cannot be less.", enrolled),
            field="capacity",
        )
    if (start_date, planned_end) != (cohort.start_date, cohort.planned_end):
        other = cohort.group_overlapping_elsewhere(start_date, planned_end)
        if other is not None:
            raise DomainError(
                _l("With these dates the course would overlap %(cohort)s, in which "
                   "%(organisation)s also takes part.",
                   cohort=other.cohort.label,
                   organisation=other.organisation.name(current_language())),
                field="start_date",
            )
    cohort.label, cohort.ordinal, cohort.season, cohort.year = label, ordinal, season, year
    cohort.start_date, cohort.planned_end = start_date, planned_end
    cohort.capacity, cohort.notes = capacity, notes
    if participant_information is not None:
        cohort.participant_information = participant_information
    db.session.flush()


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    status: CohortStatus
    month: int
    course_length: int
    groups_enrolled: int


def cohort_summaries(today: date, user: Reader, *, current_only: bool = False,
                     programme: Programme | None = None) -> list[CohortSummary]:
    """The user's cohorts in order, with status, course month and groups enrolled (not withdrawn).

    `current_only`: only those running or still to come on `today` (not past their planned
    end); `programme`: only that programme's. In one query, whatever the number of cohorts and
    groups: each cohort's groups are counted in the database.
    """
    groups = Cohort.enrolments.property.target
    taking_part = (
        select(func.count())
        .where(groups.c.cohort_id == Cohort.id, groups.c.status != "WITHDRAWN")
        .correlate(Cohort)
        .scalar_subquery()
    )
    query = (
        select(Cohort, taking_part)
        .join(Cohort.programme)
        .where(Cohort.visible_to(user))
        .options(contains_eager(Cohort.programme))
        .order_by(Cohort.start_date, Cohort.ordinal)
    )
    if current_only:
        query = query.where(Cohort.planned_end >= today)
    if programme is not None:
        query = query.where(Cohort.programme_id == programme.id)
    return [_summary(cohort, today, enrolled) for cohort, enrolled in db.session.execute(query).all()]


def _summary(cohort: Cohort, today: date, groups_enrolled: int) -> CohortSummary:
    return CohortSummary(
        cohort=cohort,
        status=cohort.status(today),
        month=course_month(cohort, today),
        course_length=cohort.programme.course_length_months,
        groups_enrolled=groups_enrolled,
    )


@dataclass(frozen=True)
class ProgrammeCohorts:
    """A programme on the home page: its current and upcoming cohorts, and how many are over."""

    programme: Programme
    current: list[CohortSummary]
    finished: int


def _programme_scope(user: Reader) -> list[ColumnElement[bool]]:
    """The programmes the user may see (`Programme.visible_to`); for a user outside the staff,
    only those with a cohort they may see: their scope is their organisation's groups."""
    scope = [Programme.visible_to(user)]
    if not user.is_staff:
        # Correlated to the programme alone: a query of these may join cohorts of its own.
        scope.append(exists().where(Cohort.programme_id == Programme.id, Cohort.visible_to(user))
                     .correlate(Programme))
    return scope


def count_programmes(user: Reader) -> int:
    """How many programmes the home page shows the user: it chooses sections or a table."""
    return db.session.scalar(
        select(func.count(Programme.id)).where(*_programme_scope(user))) or 0


def programme_cohorts(today: date, user: Reader) -> list[ProgrammeCohorts]:
    """The programmes the user may see (`_programme_scope`), the first made first, each with
    the cohorts of it the user may see that run or are still to come on `today`, and a count of
    those that are over.

    In one query, whatever the number of cohorts and groups: the home page's statement count
    does not grow with the years. For a few programmes only (the home page's sections): the
    rows grow with the programmes, `programme_counts` is the bounded summary.
    """
    # Correlated to the programme alone: the cohort joined below is another one.
    finished = (
        select(func.count(Cohort.id))
        .where(Cohort.programme_id == Programme.id, Cohort.visible_to(user),
               Cohort.planned_end < today)
        .correlate(Programme)
        .scalar_subquery()
    )
    groups = Cohort.enrolments.property.target
    taking_part = (
        select(func.count())
        .where(groups.c.cohort_id == Cohort.id, groups.c.status != "WITHDRAWN")
        .correlate(Cohort)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Programme, finished, Cohort, taking_part)
        .outerjoin(Cohort, and_(Cohort.programme_id == Programme.id, Cohort.visible_to(user),
                                Cohort.planned_end >= today))
        .where(*_programme_scope(user))
        .options(joinedload(Programme.responsible_organisation))
        .order_by(Programme.id, Cohort.start_date, Cohort.ordinal)
    ).all()
    programmes: dict[int, ProgrammeCohorts] = {}
    for programme, count, cohort, enrolled in rows:
        entry = programmes.setdefault(
            programme.id, ProgrammeCohorts(programme=programme, current=[], finished=count))
        if cohort is not None:
            # cohort.programme is the row's programme, from the identity map: no query.
            entry.current.append(_summary(cohort, today, enrolled))
    return list(programmes.values())


@dataclass(frozen=True)
class ProgrammeCounts:
    """A programme in the home page's table: how many of its cohorts (those the user may see)
    run, are still to come and are over."""

    programme: Programme
    running: int
    upcoming: int
    finished: int


@dataclass(frozen=True)
class ProgrammePage:
    """One page of `programme_counts`, shaped as templates/macros/pagination.html reads it."""

    items: list[ProgrammeCounts]
    page: int
    pages: int
    total: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


PROGRAMMES_PER_PAGE = 25


def pages_of_programmes(total: int) -> int:
    return max(1, -(-total // PROGRAMMES_PER_PAGE))


def programme_counts(today: date, user: Reader, *, page: int, total: int) -> ProgrammePage:
    """Page `page` of the programmes the user may see (`total` of them, `count_programmes`),
    the first made first, each with its counts of running, upcoming and finished cohorts: in
    one query of at most `PROGRAMMES_PER_PAGE` rows, however many programmes and cohorts.
    The caller checks that the page exists (`pages_of_programmes`)."""
    rows = db.session.execute(
        select(
            Programme,
            func.count(Cohort.id).filter(Cohort.start_date <= today, Cohort.planned_end >= today),
            func.count(Cohort.id).filter(Cohort.start_date > today),
            func.count(Cohort.id).filter(Cohort.planned_end < today),
        )
        .outerjoin(Cohort, and_(Cohort.programme_id == Programme.id, Cohort.visible_to(user)))
        .where(*_programme_scope(user))
        .group_by(Programme.id)
        .order_by(Programme.id)
        .limit(PROGRAMMES_PER_PAGE)
        .offset((page - 1) * PROGRAMMES_PER_PAGE)
    ).all()
    return ProgrammePage(
        items=[ProgrammeCounts(p, running, upcoming, finished)
               for p, running, upcoming, finished in rows],
        page=page, pages=pages_of_programmes(total), total=total,
    )


def finished_cohorts(programme: Programme, today: date, user: Reader) -> Select[tuple[Cohort]]:
    """The programme's cohorts the user may see whose planned end is before `today`, the latest
    first (the home page counts them and links here)."""
    return (
        select(Cohort)
        .where(Cohort.programme_id == programme.id, Cohort.visible_to(user),
               Cohort.planned_end < today)
        .order_by(Cohort.start_date.desc(), Cohort.ordinal.desc())
    )


def get_cohort_or_404(cohort_id: int, for_user: Reader) -> Cohort:
    """The cohort with this id, if the user may see it.

    :raise 404: when there is none, or none of the user's organisations takes part in it (an
        outsider cannot tell the two apart).
    """
    # Every cohort page shows the programme's words (course length, name): loaded with it.
    cohort = db.session.get(Cohort, cohort_id, options=[joinedload(Cohort.programme)])
    if cohort is None or not cohort.can_view(for_user):
        abort(404)
    return cohort
