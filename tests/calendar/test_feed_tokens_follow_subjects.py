"""A feed's addresses follow what they are about: saving a group, cohort or person makes none
(each reader makes their own, on a POST), and deleting one deletes every address of its feed."""
import hashlib

from sqlalchemy import func, select

from tracker.calendar.models import FeedKind, FeedToken
from tracker.calendar.services import make_address
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.people.models import Person


def count(db, kind: FeedKind | None = None) -> int:
    query = select(func.count(FeedToken.id))
    if kind is not None:
        query = query.where(FeedToken.kind == kind)
    return db.session.scalar(query)


def test_saving_a_cohort_a_group_or_a_person_makes_no_address(db, make_cohort, make_organisation):
    cohort = make_cohort()
    enrol(cohort, make_organisation(), status=EnrolmentStatus.CONFIRMED)
    db.session.add(Person(name="Kari Nordmann", email="kari@example.org"))
    db.session.commit()
    assert count(db) == 0


def test_deleting_a_person_deletes_their_addresses_and_a_new_one_never_inherits_them(db, make_user):
    kari = Person(name="Kari Nordmann", email="kari@example.org")
    db.session.add(kari)
    db.session.commit()
    make_address(make_user("coordinator"), FeedKind.PERSON, kari)
    db.session.commit()
    kari_id = kari.id
    db.session.delete(kari)
    db.session.commit()
    assert count(db, FeedKind.PERSON) == 0
    # A leftover row, as a bulk delete that bypasses the session would leave it.
    db.session.add(FeedToken(kind=FeedKind.PERSON, subject_id=kari_id + 1,
                             token_hash=hashlib.sha256(b"x" * 43).hexdigest()))
    db.session.commit()
    db.session.add(Person(id=kari_id + 1, name="Ola Nordmann", email="ola@example.org"))
    db.session.commit()
    assert count(db, FeedKind.PERSON) == 0


def test_deleting_a_user_deletes_their_addresses(db, make_cohort, make_user):
    cohort = make_cohort()
    db.session.commit()
    user = make_user("coordinator")
    make_address(user, FeedKind.COHORT, cohort)
    db.session.commit()
    db.session.delete(user)
    db.session.commit()
    assert count(db) == 0
