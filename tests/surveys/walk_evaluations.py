"""The gatherings' evaluation pages in the walks every page takes (see tests/walks.py; the names
are documented in tests/surveys/walk_rounds.py)."""
from datetime import timedelta

from sqlalchemy import select

ACCESS_ARGUMENTS: dict[str, tuple[str, str]] = {"gathering_id": ("gathering_in", "gathering_out")}
TOKEN_PAGES: set[str] = set()
FUZZ_ARGUMENTS: dict[str, str] = {"gathering_id": "gathering"}
FUZZED: set[str] = {"evaluations.send", "evaluations.programme"}
NOT_FUZZED: dict[str, str] = {}
REFILLED: set[str] = set()
ANONYMOUS_FORMS: set[str] = set()
DRAWN_ON: dict[str, tuple[str, dict[str, str]] | None] = {
    "evaluations.send": ("evaluations.gathering", {"gathering_id": "gathering"}),
}
NOT_PAGES: set[str] = set()
WALKED_ELSEWHERE: set[str] = set()


def _evaluation_form(programme) -> None:
    """The demo's evaluation form as the programme's. The group survey's small instrument comes
    first when the programme has none yet: the rounds' walk (tests/surveys/walk_rounds.py)
    sends its rounds with the programme's first instrument, which must be a group survey."""
    import copy

    from tests.surveys.conftest import SMALL_INSTRUMENT
    from tracker.extensions import db
    from tracker.seed.evaluation import EVALUATION
    from tracker.surveys.evaluations import choose_evaluation_form
    from tracker.surveys.instruments import create_instrument
    from tracker.surveys.models import Instrument

    if db.session.scalar(select(Instrument.id).where(Instrument.programme_id == programme.id)
                         .limit(1)) is None:
        create_instrument(programme, copy.deepcopy(SMALL_INSTRUMENT))
    form = create_instrument(programme, copy.deepcopy(EVALUATION))
    db.session.flush()
    choose_evaluation_form(programme.id, form.id)


def _gathering(cohort, module):
    """A joint gathering on the cohort's first day, held."""
    from tracker.clock import oslo_time
    from tracker.schedule.models import Session, SessionStatus

    midnight = oslo_time(cohort.start_date)
    return Session(cohort=cohort, module=module, starts_at=midnight + timedelta(hours=9),
                   ends_at=midnight + timedelta(hours=15), status=SessionStatus.HELD)


def access_world(world: dict) -> dict:
    """A joint gathering (ended) in the cohort inside the agency's scope and one outside, and
    the programme's evaluation form."""
    from tracker.extensions import db
    from tracker.programmes.models import CourseModule, ModuleKind

    programme = world["cohort_in"].programme
    module = CourseModule(programme=programme, position=90, name_nb="Samling", name_en="Gathering",
                          kind=ModuleKind.JOINT_GATHERING, is_joint=True, offset_weeks=1)
    db.session.add(module)
    gathering_in = _gathering(world["cohort_in"], module)
    gathering_out = _gathering(world["cohort_out"], module)
    db.session.add_all([gathering_in, gathering_out])
    _evaluation_form(programme)
    db.session.flush()
    return {"gathering_in": gathering_in, "gathering_out": gathering_out}


def fuzz_world(world: dict) -> dict:
    """The fuzz world's joint gathering (held, long over) with the programme's evaluation form,
    so "Send the evaluation now" is drawn (and refused: one person is too few to ask)."""
    _evaluation_form(world["programme"])
    return {"gathering": world["session"]}


def example_ids(db) -> dict[str, list]:
    """The demo's first joint gathering."""
    from tracker.programmes.models import CourseModule, ModuleKind
    from tracker.schedule.models import Session

    return {"gathering_id": db.session.scalars(
        select(Session.id).join(Session.module)
        .where(Session.enrolment_id.is_(None), CourseModule.kind == ModuleKind.JOINT_GATHERING)
        .order_by(Session.starts_at, Session.id).limit(1)).all()}
