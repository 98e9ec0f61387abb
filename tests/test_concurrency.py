"""No lost updates, with two real database sessions (on SQLite, and on PostgreSQL when
TEST_DATABASE_URL is set): the second save of the same version fails instead of overwriting."""
import pytest
from sqlalchemy.orm import Session as DatabaseSession
from sqlalchemy.orm.exc import StaleDataError

from tracker.cohorts.models import Cohort
from tracker.concurrency import ConflictError, check_version


@pytest.mark.committed  # two sessions on connections of their own see only what is committed
def test_the_second_of_two_concurrent_saves_fails(db, make_cohort):
    cohort_id = make_cohort(label="Kull 1").id
    db.session.commit()
    first, second = DatabaseSession(db.engine), DatabaseSession(db.engine)
    try:
        mine, theirs = first.get(Cohort, cohort_id), second.get(Cohort, cohort_id)
        assert mine.version == theirs.version == 1
        mine.notes = "Flyttet første samling"
        first.commit()
        theirs.notes = "Endret kapasitet"
        with pytest.raises(StaleDataError):
            second.commit()
        second.rollback()
    finally:
        first.close()
        second.close()
    db.session.expire_all()
    saved = db.session.get(Cohort, cohort_id)
    assert (saved.notes, saved.version) == ("Flyttet første samling", 2)


def test_a_form_opened_at_an_older_version_is_a_conflict(db, make_cohort):
    cohort = make_cohort()
    db.session.commit()
    check_version(cohort, "1")
    cohort.notes = "endret"
    db.session.commit()
    for stale in ("1", None, "", "x"):
        with pytest.raises(ConflictError) as error:
            check_version(cohort, stale)
        assert error.value.record is cohort and error.value.field == "version"
