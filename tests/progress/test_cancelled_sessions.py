"""Progress follows cancellation: a cancelled session is not held, and a module whose only
session was cancelled is not done, for the group or for the cohort."""
from datetime import date

from tests.progress import test_module_progress as progress_tests
from tests.progress.test_module_progress import CANCELLED, DONE, HELD, NOT_STARTED, START, add_session
from tracker.progress.services import cohort_progress, group_progress

# Two groups and five modules (see the fixture).
course = progress_tests.course


def test_a_joint_module_whose_only_session_was_cancelled_is_not_done_and_falls_behind(db, course):
    cohort, modules, udir = course["cohort"], course["modules"], course["udir"]
    add_session(db, cohort, modules[0], START, HELD, udir)
    add_session(db, cohort, modules[0], START, HELD, course["bufdir"])
    add_session(db, cohort, modules[1], date(2016, 10, 31), CANCELLED)
    db.session.flush()

    gathering = group_progress(udir, date(2016, 11, 14))[1]
    assert gathering.state is NOT_STARTED and not gathering.from_sessions
    assert gathering.behind  # its planned days are past, and nothing took place

    progress = cohort_progress(cohort, date(2016, 11, 14))
    assert progress.modules_done == 1  # the start, held by both groups; not the gathering


def test_a_replacement_held_makes_the_module_done(db, course):
    cohort, modules, udir = course["cohort"], course["modules"], course["udir"]
    add_session(db, cohort, modules[1], date(2016, 10, 31), CANCELLED)
    add_session(db, cohort, modules[1], date(2016, 11, 7), HELD)
    db.session.flush()

    assert group_progress(udir, date(2016, 11, 14))[1].state is DONE
    assert cohort_progress(cohort, date(2016, 11, 14)).modules_done == 1
