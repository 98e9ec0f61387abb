"""Rules about the programme: its facts and its course plan (its survey's dimensions are the
assessments feature's)."""
from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation
from tracker.programmes.models import CourseModule, ModuleKind, Programme
from tracker.roles import Reader

COURSE_LENGTH_MONTHS = (1, 36)
GROUPS_PER_COHORT = (1, 50)
DURATION_DAYS = (1, 14)
HOURS_PER_DAY = (1, 12)
# The longest a month can be: a module may start on any day a course of that length could reach.
DAYS_PER_MONTH = 31
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 5000


# Loaders


def programmes_for(user: Reader) -> Select[tuple[Programme]]:
    """The programmes the user may see (`Programme.visible_to`), the first made first."""
    return select(Programme).where(Programme.visible_to(user)).order_by(Programme.id)


def get_programme_or_404(programme_id: int, for_user: Reader) -> Programme:
    """The programme with this id, with its responsible organisation, if the user may see it.

    A programme and its course plan are not personal data: every signed-in user may see them,
    but a coordinator limited to other programmes (`Programme.can_view`).

    :raise 404: when there is none, or it is outside the user's programmes.
    """
    programme = db.session.scalar(
        select(Programme)
        .where(Programme.id == programme_id)
        .options(selectinload(Programme.responsible_organisation))
    )
    if programme is None or not programme.can_view(for_user):
        abort(404)
    return programme


def get_module_or_404(programme: Programme, module_id: int) -> CourseModule:
    """The module with this id in this programme's course plan.

    :raise 404: when there is none, or it belongs to another programme.
    """
    module = db.session.get(CourseModule, module_id)
    if module is None or module.programme_id != programme.id:
        abort(404)
    return module


# Queries


def course_plan(programme: Programme) -> Select[tuple[CourseModule]]:
    """The programme's modules in their order."""
    return (
        select(CourseModule)
        .where(CourseModule.programme_id == programme.id)
        .order_by(CourseModule.position)
    )


def organisations_by_name() -> Select[tuple[Organisation]]:
    return select(Organisation).order_by(Organisation.name_nb)


# Checks shared by the changes below


def require_text(value: str, field: str, *, required: bool = True, length: int = NAME_LENGTH) -> str:
    """The text stripped of surrounding space.

    :raise DomainError: naming `field` when it is required and empty, or longer than `length`.
    """
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_l("This field is required."), field=field)
    if len(value) > length:
        raise DomainError(_l("Use at most %(n)s characters.", n=length), field=field)
    return value


def _require_between(value: int, bounds: tuple[int, int], field: str) -> int:
    low, high = bounds
    if not isinstance(value, int) or not low <= value <= high:
        raise DomainError(_l("Enter a whole number from %(low)s to %(high)s.", low=low, high=high),
                          field=field)
    return value


def _starts_within_course(offset_weeks: int, course_length_months: int) -> bool:
    return offset_weeks * 7 <= course_length_months * DAYS_PER_MONTH


def _check_offset(offset_weeks: int, course_length_months: int) -> int:
    if not isinstance(offset_weeks, int) or offset_weeks < 0:
        raise DomainError(_l("The offset cannot be negative."), field="offset_weeks")
    if not _starts_within_course(offset_weeks, course_length_months):
        raise DomainError(
            _l("The course lasts %(months)s months, so a module must start within %(weeks)s weeks "
               "of the cohort's start.",
               months=course_length_months,
               weeks=course_length_months * DAYS_PER_MONTH // 7),
            field="offset_weeks",
        )
    return offset_weeks


# The programme


def _programme_values(
    *,
    name_nb: str,
    name_en: str,
    responsible_organisation: Organisation | None,
    course_length_months: int,
    groups_per_cohort: int,
    description_nb: str = "",
    description_en: str = "",
    programme: Programme | None = None,
) -> dict:
    """A programme's facts, checked; `programme` is the one being changed, if any.

    :raise DomainError: naming the field at fault.
    """
    name_nb = require_text(name_nb, "name_nb")
    name_en = require_text(name_en, "name_en")
    if responsible_organisation is None:
        raise DomainError(_l("Choose the organisation responsible for the programme."),
                          field="responsible_organisation")
    _require_between(course_length_months, COURSE_LENGTH_MONTHS, "course_length_months")
    _require_between(groups_per_cohort, GROUPS_PER_COHORT, "groups_per_cohort")
    description_nb = require_text(description_nb, "description_nb", required=False,
                                   length=DESCRIPTION_LENGTH)
    description_en = require_text(description_en, "description_en", required=False,
                                   length=DESCRIPTION_LENGTH)
    taken = select(Programme.id).where(Programme.name_nb == name_nb)
    if programme is not None:
        taken = taken.where(Programme.id != programme.id)
    if db.session.scalar(taken):
        raise DomainError(_l("Another programme has this name."), field="name_nb")
    return {
        "name_nb": name_nb, "name_en": name_en,
        "responsible_organisation": responsible_organisation,
        "course_length_months": course_length_months, "groups_per_cohort": groups_per_cohort,
        "description_nb": description_nb, "description_en": description_en,
    }


def create_programme(**values) -> Programme:
    """Add a programme (the demo's, or another leadership programme); its course plan is added
    module by module (`add_module`).

    :raise DomainError: naming the field at fault.
    """
    programme = Programme(**_programme_values(**values))
    db.session.add(programme)
    db.session.flush()
    return programme


def update_programme(programme: Programme, *, version: object, **values) -> None:
    """Change the programme's facts.

    The course cannot be shortened so that a module of its plan would start after its end.

    :raise ConflictError: when the programme was saved since `version`.
    :raise DomainError: naming the field at fault.
    """
    check_version(programme, version)
    checked = _programme_values(programme=programme, **values)
    course_length_months = checked["course_length_months"]
    latest = db.session.scalar(
        select(CourseModule)
        .where(CourseModule.programme_id == programme.id)
        .order_by(CourseModule.offset_weeks.desc(), CourseModule.position)
        .limit(1)
    )
    if latest is not None and not _starts_within_course(latest.offset_weeks, course_length_months):
        raise DomainError(
            _l("Module %(position)s of the course plan starts %(weeks)s weeks into the course, after "
               "the end of a course of %(months)s months. Move that module first.",
               position=latest.position, weeks=latest.offset_weeks, months=course_length_months),
            field="course_length_months",
        )
    for key, value in checked.items():
        setattr(programme, key, value)
    db.session.flush()


# The course plan


def _module_values(
    programme: Programme,
    *,
    name_nb: str,
    name_en: str,
    kind: ModuleKind,
    is_joint: bool,
    offset_weeks: int,
    duration_days: int,
    hours_per_day: int,
    name_nn: str | None = None,
) -> dict:
    if not isinstance(kind, ModuleKind):
        raise DomainError(_l("Choose what kind of module this is."), field="kind")
    # The nynorsk name is optional (pages fall back to bokmål); left out, it stays as it is.
    nynorsk = {} if name_nn is None else {"name_nn": require_text(name_nn, "name_nn", required=False)}
    return {
        **nynorsk,
        "name_nb": require_text(name_nb, "name_nb"),
        "name_en": require_text(name_en, "name_en"),
        "kind": kind,
        "is_joint": bool(is_joint),
        "offset_weeks": _check_offset(offset_weeks, programme.course_length_months),
        "duration_days": _require_between(duration_days, DURATION_DAYS, "duration_days"),
        "hours_per_day": _require_between(hours_per_day, HOURS_PER_DAY, "hours_per_day"),
    }


def add_module(programme: Programme, **values) -> CourseModule:
    """Add a module at the end of the programme's course plan.

    Takes name_nb, name_en, kind, is_joint, offset_weeks, duration_days and hours_per_day.

    :raise DomainError: naming the field at fault.
    """
    checked = _module_values(programme, **values)
    last = db.session.scalar(
        select(func.max(CourseModule.position)).where(CourseModule.programme_id == programme.id)
    )
    module = CourseModule(programme=programme, position=(last or 0) + 1, **checked)
    db.session.add(module)
    db.session.flush()
    return module


def update_module(module: CourseModule, *, version: object, **values) -> None:
    """Change a module of the course plan; its place in the order stays.

    :raise ConflictError: when the module was saved since `version`.
    :raise DomainError: naming the field at fault.
    """
    check_version(module, version)
    for key, value in _module_values(module.programme, **values).items():
        setattr(module, key, value)
    db.session.flush()


def move_module(module: CourseModule, direction: str) -> None:
    """Swap a module with its neighbour above ("up") or below ("down") in the course plan.

    :raise DomainError: when there is no neighbour that way.
    """
    if direction not in ("up", "down"):
        raise DomainError(_l("Choose up or down."), field="direction")
    query = select(CourseModule).where(CourseModule.programme_id == module.programme_id)
    if direction == "up":
        query = query.where(CourseModule.position < module.position).order_by(CourseModule.position.desc())
    else:
        query = query.where(CourseModule.position > module.position).order_by(CourseModule.position)
    neighbour = db.session.scalar(query.limit(1))
    if neighbour is None:
        message = (_l("This module is already the first.") if direction == "up"
                   else _l("This module is already the last."))
        raise DomainError(message, field="direction")
    # (programme, position) is unique and positions are positive, so one of the two waits at a
    # free place past the end while the other moves; each step is flushed on its own.
    last = db.session.scalar(
        select(func.max(CourseModule.position)).where(CourseModule.programme_id == module.programme_id)
    )
    mine, theirs = module.position, neighbour.position
    module.position = last + 1
    db.session.flush()
    neighbour.position = mine
    db.session.flush()
    module.position = theirs
    db.session.flush()
