"""How far a group has come through the course plan, module by module.

Where a module has sessions for a group (its own sessions for a per-group module, the cohort's
joint sessions for a joint one), progress is read from them and never stored. Where it has none,
a coordinator records it (`ModuleProgress`). Cancelled sessions do not count: a module whose
sessions are all cancelled is treated as one without sessions.
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from tracker import clock
from tracker.cohorts.models import Cohort
from tracker.cohorts.services import course_month
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.groups.services import enrolments_of_cohort
from tracker.programmes.models import CourseModule
from tracker.progress.models import ModuleProgress, ProgressState
from tracker.schedule.models import Session, SessionStatus

NOTE_LENGTH = 2000

if TYPE_CHECKING:
    from tracker.users.models import User


@dataclass(frozen=True)
class ModuleState:
    """One module of one group's course: its state, and whether it lags behind the plan."""

    module: CourseModule
    enrolment_id: int
    state: ProgressState
    # True when the state comes from the module's sessions, False when from a coordinator's record.
    from_sessions: bool
    record: ModuleProgress | None
    # The last day of the module: its last session's, or else its last planned day
    # (`CourseModule.planned_days`).
    ends_on: date
    behind: bool

    @property
    def done(self) -> bool:
        return self.state is ProgressState.DONE


@dataclass(frozen=True)
class GroupRow:
    enrolment: Enrolment
    modules: list[ModuleState]

    @property
    def done_count(self) -> int:
        return sum(1 for m in self.modules if m.done)


@dataclass(frozen=True)
class CohortProgress:
    """The matrix of groups × modules, and how far the cohort as a whole has come."""

    cohort: Cohort
    month: int
    course_length: int
    modules: list[CourseModule]
    groups: list[GroupRow]
    # Modules done for every group that has not withdrawn (a joint module: held).
    modules_done: int

    @property
    def module_count(self) -> int:
        return len(self.modules)



def module_state(
    module: CourseModule,
    enrolment_id: int,
    cohort_start: date,
    sessions: Iterable[Session],
    record: ModuleProgress | None,
    today: date,
) -> ModuleState:
    """The state of `module` for a group, from its sessions for the group or else its record.

    With sessions: done when every one not cancelled is held; in progress when some are held or
    one has begun by `today`; not started otherwise. Without: the record's state, not started
    when there is none. Behind plan: not done although its last day is before `today`.
    """
    live = [s for s in sessions if s.status is not SessionStatus.CANCELLED]
    if live:
        held = sum(1 for s in live if s.status is SessionStatus.HELD)
        if held == len(live):
            state = ProgressState.DONE
        elif held or any(clock.local_day(s.starts_at) <= today for s in live):
            state = ProgressState.IN_PROGRESS
        else:
            state = ProgressState.NOT_STARTED
        ends_on = max(clock.local_day(s.ends_at) for s in live)
    else:
        state = record.state if record else ProgressState.NOT_STARTED
        ends_on = module.planned_days(cohort_start)[-1]
    return ModuleState(
        module=module,
        enrolment_id=enrolment_id,
        state=state,
        from_sessions=bool(live),
        record=None if live else record,
        ends_on=ends_on,
        behind=state is not ProgressState.DONE and ends_on < today,
    )


SessionIndex = dict[tuple[int | None, int], list[Session]]


def index_sessions(sessions: Iterable[Session]) -> SessionIndex:
    """Sessions by (enrolment id, or None for a joint session; module id)."""
    index: SessionIndex = defaultdict(list)
    for session in sessions:
        index[(session.enrolment_id, session.module_id)].append(session)
    return index


def sessions_for(index: SessionIndex, module: CourseModule, enrolment_id: int) -> list[Session]:
    """A group's sessions of a module: the joint ones for a joint module, else its own."""
    return index.get((None if module.is_joint else enrolment_id, module.id), [])


def states_of_group(
    enrolment_id: int,
    cohort_start: date,
    modules: list[CourseModule],
    index: SessionIndex,
    records: dict[tuple[int, int], ModuleProgress],
    today: date,
) -> list[ModuleState]:
    """Each module's state for one group, from data loaded beforehand (no queries)."""
    return [
        module_state(
            module,
            enrolment_id,
            cohort_start,
            sessions_for(index, module, enrolment_id),
            records.get((enrolment_id, module.id)),
            today,
        )
        for module in modules
    ]


def modules_of_programme(programme_id: int) -> list[CourseModule]:
    return list(
        db.session.scalars(
            select(CourseModule)
            .where(CourseModule.programme_id == programme_id)
            .order_by(CourseModule.position)
        )
    )


def group_progress(
    enrolment: Enrolment, today: date, sessions: Iterable[Session] | None = None
) -> list[ModuleState]:
    """Each module of the group's course plan, in order, with its state on `today`.

    `sessions`: the sessions the group is expected at (`Session.of_group`), when the page has
    them loaded already; by default they are loaded.
    """
    cohort = enrolment.cohort
    if sessions is None:
        sessions = db.session.scalars(select(Session).where(Session.of_group(enrolment))).all()
    # The course plan's modules with the group's record of each, if any: one statement.
    modules, records = [], {}
    for module, record in db.session.execute(
        select(CourseModule, ModuleProgress)
        .outerjoin(ModuleProgress, and_(ModuleProgress.module_id == CourseModule.id,
                                        ModuleProgress.enrolment_id == enrolment.id))
        .where(CourseModule.programme_id == cohort.programme_id)
        .order_by(CourseModule.position)
    ):
        modules.append(module)
        if record is not None:
            records[(record.enrolment_id, record.module_id)] = record
    return states_of_group(
        enrolment.id,
        cohort.start_date,
        modules,
        index_sessions(sessions),
        records,
        today,
    )


def cohort_progress(cohort: Cohort, today: date, for_user: "User | None" = None,
                    enrolments: "list[Enrolment] | None" = None) -> CohortProgress:
    """Every group's progress on every module, and the cohort's, in a fixed number of queries.

    With `for_user`, the rows are only the groups that user may see; the cohort's modules done
    still count every group. `enrolments`: every group of the cohort as `enrolments_of_cohort`
    orders them, when the page has them loaded already; by default they are loaded.
    """
    if enrolments is None:
        enrolments = db.session.scalars(enrolments_of_cohort(cohort)).all()
    modules = modules_of_programme(cohort.programme_id)
    index = index_sessions(
        db.session.scalars(select(Session).where(Session.cohort_id == cohort.id))
    )
    records = {
        (r.enrolment_id, r.module_id): r
        for r in db.session.scalars(
            select(ModuleProgress)
            .join(Enrolment, ModuleProgress.enrolment_id == Enrolment.id)
            .where(Enrolment.cohort_id == cohort.id)
        )
    }
    rows = [
        GroupRow(e, states_of_group(e.id, cohort.start_date, modules, index, records, today))
        for e in enrolments
    ]
    taking_part = [row for row in rows if row.enrolment.is_taking_part]

    def done_for_cohort(position: int, module: CourseModule) -> bool:
        joint = [s for s in index.get((None, module.id), []) if s.status is not SessionStatus.CANCELLED]
        if module.is_joint and joint:
            # Held is held, whichever groups came.
            return all(s.status is SessionStatus.HELD for s in joint)
        return bool(taking_part) and all(row.modules[position].done for row in taking_part)

    modules_done = sum(1 for position, module in enumerate(modules) if done_for_cohort(position, module))
    return CohortProgress(
        cohort=cohort,
        month=course_month(cohort, today),
        course_length=cohort.programme.course_length_months,
        modules=modules,
        groups=[row for row in rows if for_user is None or row.enrolment.can_view(for_user)],
        modules_done=modules_done,
    )


# Recording progress on a module without sessions


def get_module_of_group_or_404(enrolment: Enrolment, module_id: int) -> CourseModule:
    """The module with this id in the course plan of the group's programme.

    :raise 404: when there is none, or it belongs to another programme's plan.
    """
    module = db.session.get(CourseModule, module_id)
    if module is None or module.programme_id != enrolment.cohort.programme_id:
        abort(404)
    return module


def has_sessions(enrolment: Enrolment, module: CourseModule) -> bool:
    """Whether the group has sessions (not cancelled) of this module, so progress comes from them."""
    query = select(Session.id).where(
        Session.cohort_id == enrolment.cohort_id,
        Session.module_id == module.id,
        Session.status != SessionStatus.CANCELLED,
        Session.enrolment_id.is_(None) if module.is_joint else Session.enrolment_id == enrolment.id,
    )
    return db.session.scalar(query.limit(1)) is not None


def progress_record(enrolment: Enrolment, module: CourseModule) -> ModuleProgress | None:
    return db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module.id
        )
    )


def record_progress(
    enrolment: Enrolment,
    module: CourseModule,
    *,
    state: ProgressState,
    note: str,
    version: object,
) -> ModuleProgress:
    """Record a group's progress on a module it has no sessions of.

    :raise ConflictError: when a record was saved after the form was opened (at another version).
    :raise DomainError: when the group has sessions of the module, or the note is too long.
    """
    record = progress_record(enrolment, module)
    if record is not None:
        check_version(record, version)
    if module.programme_id != enrolment.cohort.programme_id:
        raise DomainError(_l("This module is not in the group's course plan."), field="state")
    if has_sessions(enrolment, module):
        raise DomainError(
            _l("Progress on this module comes from its sessions; record them in the schedule."),
            field="state",
        )
    if not isinstance(state, ProgressState):
        raise DomainError(_l("Choose a state."), field="state")
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise DomainError(
            _l("The note can be at most %(n)s characters.", n=NOTE_LENGTH), field="note"
        )
    if record is None:
        record = ModuleProgress(enrolment=enrolment, module=module, state=state, note=note)
        db.session.add(record)
    elif (record.state, record.note) != (state, note):
        record.state, record.note, record.recorded_at = state, note, clock.now()
    db.session.flush()
    return record
