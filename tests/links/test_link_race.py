"""Two tabs (or two servers) using one link at the same moment: PostgreSQL lets exactly one of
them; the other is told the link does not work, and only one password is set."""
import threading

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import csrf_token, postgres_server_url
from tests.links.conftest import ask_for_reset, link_in
from tests.test_races import waiting_on_locks
from tracker.users.services import password_matches

pytestmark = [
    pytest.mark.committed,  # the requests run on connections of their own
    pytest.mark.skipif(postgres_server_url() is None,
                       reason="needs PostgreSQL (real row locks): set TEST_DATABASE_URL=postgresql://…"),
]

PASSWORDS = ["blåbær fjellrev sykkelsete", "tyttebær kanelbolle paraply"]


@pytest.fixture
def holder(database_url):
    """A connection of the test's own, to hold the link's row; `holder.watcher` autocommits, to
    watch the requests wait."""
    engine = create_engine(database_url)
    watching = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection, watching.connect() as watcher:
        connection.watcher = watcher
        yield connection
    engine.dispose()
    watching.dispose()


def test_two_tabs_posting_one_link_at_once_set_one_password(app, db, make_user, inbox, holder):
    user = make_user("coordinator")
    ask_for_reset(app.test_client(), user.email)
    path = link_in(inbox.last(user.email), "password/reset")
    tabs = [app.test_client() for _ in PASSWORDS]
    tokens = [csrf_token(tab) for tab in tabs]
    statuses = [None, None]

    def post(i):
        statuses[i] = tabs[i].post(path, data={"password": PASSWORDS[i], "confirm_password": PASSWORDS[i],
                                               "csrf_token": tokens[i]}).status_code

    # Both requests find the link live, then queue on its row, held here; released together.
    holder.execute(text("SELECT id FROM account_link FOR UPDATE"))
    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    waiting_on_locks(holder, 2)
    holder.rollback()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [302, 404]
    db.session.expire_all()
    winner = statuses.index(302)
    assert password_matches(user, PASSWORDS[winner])
    assert not password_matches(user, PASSWORDS[1 - winner])
