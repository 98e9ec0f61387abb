"""A request that saved answers as a success: nothing a client sends after the work is done
can turn it into a 500 that says "nothing was saved"."""
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tracker.calendar.models import FeedKind, FeedToken


def shared_address(db, cohort) -> FeedToken | None:
    return db.session.scalar(select(FeedToken).where(
        FeedToken.kind == FeedKind.COHORT, FeedToken.subject_id == cohort.id))


def test_ending_a_shared_feed_with_a_next_that_is_no_address_ends_it_and_goes_home(
        client, db, make_cohort, make_user):
    cohort = make_cohort()
    db.session.add(FeedToken(kind=FeedKind.COHORT, subject_id=cohort.id, token_hash="0" * 64))
    db.session.commit()
    login_as(client, make_user("coordinator"))
    response = client.post(f"/calendar/cohort/{cohort.id}/end-shared",
                           data={"csrf_token": csrf_token(client), "next": "//["})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    db.session.expire_all()
    assert shared_address(db, cohort) is None
