"""Every group, cohort and person has its feed's address from the moment it is saved, so no page
view has to make one; deleting one deletes its address."""
from sqlalchemy import select

from tracker.calendar.models import FeedKind, FeedToken
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.people.models import Person


def tokens(db, kind: FeedKind) -> dict[int, str]:
    return dict(db.session.execute(
        select(FeedToken.subject_id, FeedToken.token).where(FeedToken.kind == kind)).all())


def test_a_cohort_a_group_and_a_person_have_their_token_once_saved(db, make_cohort, make_organisation):
    cohort = make_cohort()
    group = enrol(cohort, make_organisation(), status=EnrolmentStatus.CONFIRMED)
    person = Person(name="Kari Nordmann", email="kari@example.org")
    db.session.add(person)
    db.session.commit()
    assert set(tokens(db, FeedKind.COHORT)) == {cohort.id}
    assert set(tokens(db, FeedKind.ENROLMENT)) == {group.id}
    assert set(tokens(db, FeedKind.PERSON)) == {person.id}
    assert len({*tokens(db, FeedKind.COHORT).values(), *tokens(db, FeedKind.ENROLMENT).values(),
                *tokens(db, FeedKind.PERSON).values()}) == 3


def test_deleting_a_person_deletes_their_address_and_a_new_one_never_inherits_it(db):
    kari = Person(name="Kari Nordmann", email="kari@example.org")
    db.session.add(kari)
    db.session.commit()
    kari_id, old = kari.id, tokens(db, FeedKind.PERSON)[kari.id]
    db.session.delete(kari)
    db.session.commit()
    assert tokens(db, FeedKind.PERSON) == {}
    # A leftover row, as a bulk delete that bypasses the session would leave it.
    db.session.add(FeedToken(kind=FeedKind.PERSON, subject_id=kari_id + 1, token="x" * 43))
    db.session.commit()
    ola = Person(id=kari_id + 1, name="Ola Nordmann", email="ola@example.org")
    db.session.add(ola)
    db.session.commit()
    assert tokens(db, FeedKind.PERSON)[ola.id] not in {old, "x" * 43}
