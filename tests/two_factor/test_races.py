"""One code sent twice at the same moment (two browsers, or a double submit) opens one sign-in,
never two: on PostgreSQL, with real concurrent connections meeting at the user's row."""
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import IsolatedClient, PASSWORD, csrf_token, login_as, postgres_server_url
from tests.test_races import waiting_on_locks
from tests.two_factor.conftest import START, code_now, enrol

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(postgres_server_url() is None,
                       reason="needs PostgreSQL (real row locks): set TEST_DATABASE_URL=postgresql://…"),
]


@pytest.fixture
def admin(database_url):
    engine = create_engine(database_url)
    watching = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection, watching.connect() as watcher:
        connection.watcher = watcher
        yield connection
    engine.dispose()
    watching.dispose()


def waiting_for_the_code(app, email) -> tuple:
    """A browser that has given the password and waits at the code step; its nonce."""
    client = app.test_client()
    client.post("/login", data={"email": email, "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    page = client.get("/account/two-factor/code").get_data(as_text=True)
    return client, re.search(r'name="nonce" type="hidden" value="([^"]*)"', page).group(1)


def test_one_code_sent_twice_at_once_signs_in_once(app, db, admin, make_user, frozen_clock):
    app.config["REQUIRE_STAFF_2FA"], before = True, app.config["REQUIRE_STAFF_2FA"]
    # Each request in a context of its own, as in production (see IsolatedClient).
    app.test_client_class = IsolatedClient
    try:
        frozen_clock(START)
        user = make_user("coordinator")
        enroller = app.test_client()
        login_as(enroller, user)
        secret, _codes = enrol(enroller)
        db.session.commit()
        frozen_clock(START + timedelta(minutes=1))
        browsers = [waiting_for_the_code(app, user.email) for _ in range(2)]
        code = code_now(secret)
        admin.execute(text("SELECT id FROM user_account WHERE id = :id FOR UPDATE"),
                      {"id": user.id})
        statuses = [None, None]
        barrier = threading.Barrier(2)

        def send(i):
            client, nonce = browsers[i]
            token = csrf_token(client)
            barrier.wait()
            statuses[i] = client.post("/account/two-factor/code", data={
                "code": code, "nonce": nonce, "csrf_token": token}).status_code

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        waiting_on_locks(admin, 2)
        admin.commit()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses) == [302, 400]
    finally:
        app.config["REQUIRE_STAFF_2FA"] = before
