"""The survey's records with the worst text stored in every field, for the walks that open every
page with such a world: tests/test_bounds_stored.py (control characters, formulas, dates far out)
and tests/test_escaping.py (markup)."""
import copy

from tests.surveys.conftest import SMALL_INSTRUMENT

# URL argument -> the world key the records below are kept under.
ARGUMENTS = {"instrument_id": "instrument", "number": "instrument_version_number",
             "round_id": "survey_round", "headline_id": "headline", "part": "instrument_part_number",
             "gathering_id": "gathering"}


def survey_world(world: dict, text: str) -> dict:
    """An instrument whose every text is `text`, the world's group's final round closed with
    three answers whose open answers are `text`, and a headline figure labelled `text`: stored
    as the database could hold them, past what the forms let in."""
    from types import SimpleNamespace

    from tracker import clock
    from tracker.extensions import db
    from tracker.surveys.instruments import create_instrument
    from tracker.surveys.models import (
        HeadlineFigure,
        ItemAnswer,
        OpenAnswer,
        Respondent,
        Response,
        RoundKind,
        SurveyRound,
    )

    enrolment = world["enrolment"]
    instrument = create_instrument(world["programme"], copy.deepcopy(SMALL_INSTRUMENT))
    version = instrument.latest
    for record, stem in [(instrument, "name"), *((p, "name") for p in version.parts),
                         *((f, "name") for f in version.factors),
                         *((i, "statement") for i in version.items),
                         *((q, "text") for q in version.open_questions),
                         *((p, "label") for s in version.scales for p in s.points)]:
        for language in ("nb", "nn", "en"):
            setattr(record, f"{stem}_{language}", text)
    version.note = text
    survey_round = SurveyRound(enrolment=enrolment, kind=RoundKind.FINAL,
                               instrument_version=version, closes_on=clock.today())
    survey_round.respondents.append(Respondent(person=world["person"], has_answered=True))
    db.session.add(survey_round)
    db.session.flush()
    for n in range(3):
        db.session.add(Response(
            round_id=survey_round.id,
            item_answers=[ItemAnswer(item_id=item.id, value=1 + (n + item.position) % 5)
                          for item in version.items],
            open_answers=[OpenAnswer(question_id=q.id, text=text) for q in version.open_questions]))
    survey_round.closed_at = clock.now()
    headline = HeadlineFigure(programme=world["programme"], position=1, item_code="PRO1a",
                              at_least=4, label_nb=text, label_nn=text, label_en=text)
    db.session.add(headline)
    db.session.commit()
    return {"instrument": instrument, "survey_round": survey_round, "headline": headline,
            "instrument_version_number": SimpleNamespace(id=version.number),
            "instrument_part_number": SimpleNamespace(id=1), "gathering": _gathering(world, text)}


def _gathering(world: dict, text: str):
    """A joint gathering of the world's cohort, over, its module and place named `text` (the
    evaluation pages, issue 13)."""
    from datetime import timedelta

    from tracker import clock
    from tracker.extensions import db
    from tracker.programmes.models import CourseModule, ModuleKind
    from tracker.schedule.models import Session, SessionStatus

    cohort = world["session"].cohort
    module = CourseModule(programme=cohort.programme, position=90, name_nb=text[:200],
                          name_en=text[:200], kind=ModuleKind.JOINT_GATHERING, is_joint=True,
                          offset_weeks=1)
    ends = clock.now() - timedelta(days=1)
    gathering = Session(cohort=cohort, module=module, starts_at=ends - timedelta(hours=6),
                        ends_at=ends, location=text[:200], status=SessionStatus.HELD)
    db.session.add_all([module, gathering])
    db.session.commit()
    return gathering
