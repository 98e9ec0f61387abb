"""Requesting the bench's routes in process: signed-in clients and a statement counter."""
from __future__ import annotations

import re

from sqlalchemy import event

from bench.routes import ACCOUNTS, PASSWORD, Fixture, Route


class StatementCounter:
    """Counts the SQL statements the engine sends (each cursor execute, as bench/pages.py did)."""

    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args, **kwargs):
        self.count += 1


def sign_in(client, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"email": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = client.post("/login", data=data)
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {email} answered {response.status_code}")


def clients(app) -> dict[str, object]:
    """One test client per account (signed in), one anonymous (the feeds read their token)."""
    signed_in = {}
    for who, email in ACCOUNTS.items():
        client = app.test_client()
        sign_in(client, email)
        signed_in[who] = client
    signed_in["anonymous"] = app.test_client()
    signed_in["api"] = app.test_client()
    return signed_in


def request(route: Route, fixture: Fixture, by: dict[str, object]):
    """GET the route as its reader; the answer with its body read."""
    headers = {"Authorization": f"Bearer {fixture.api_token}"} if route.who == "api" else {}
    response = by[route.who].get(route.url, headers=headers)
    response.get_data()  # a streamed export is produced here
    return response
