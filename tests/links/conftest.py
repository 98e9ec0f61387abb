"""Invitations and password reset: mail goes to a temporary folder, read back as a person
would read their inbox."""
import re
from email import policy
from email.parser import BytesParser

import pytest

from tracker.outbox.delivery import deliver

from tests.conftest import PASSWORD, csrf_token, login_as

NEW_PASSWORD = "blåbær fjellrev sykkelsete"
BASE_URL = "https://tracker.example.org"


@pytest.fixture(autouse=True)
def mail_folder(app, client, monkeypatch, tmp_path):
    """(`client` makes every `app.test_client()` of these tests a browser of its own, each
    request in its own context, as tests/conftest.py's IsolatedClient does.)"""
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    return folder


class Inbox:
    def __init__(self, folder):
        self.folder = folder

    def all(self):
        deliver()  # what the requests queued, as the mail run would send it
        if not self.folder.exists():
            return []
        return [BytesParser(policy=policy.default).parsebytes(path.read_bytes())
                for path in sorted(self.folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)]

    def to(self, email: str):
        return [m for m in self.all() if m["To"].addresses[0].addr_spec == email]

    def last(self, email: str):
        messages = self.to(email)
        assert messages, f"no mail to {email}"
        return messages[-1]


@pytest.fixture
def inbox(mail_folder):
    return Inbox(mail_folder)


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def link_in(message, kind: str) -> str:
    """The path of the `kind` ("invitation" or "password/reset") link in a mail."""
    match = re.search(rf"{re.escape(BASE_URL)}(/{kind}/[A-Za-z0-9_-]+)", body(message))
    assert match, body(message)
    return match.group(1)


def choose_password(client, path: str, password: str = NEW_PASSWORD, repeat: str | None = None,
                    **headers):
    return client.post(path, data={"password": password, "confirm_password": repeat or password,
                                   "csrf_token": csrf_token(client)}, headers=headers)


def ask_for_reset(client, email: str):
    """Forgot password? for `email`. The answer is closed as a browser's would be, which is
    when the mail goes (after the answer, so it cannot be timed)."""
    response = client.post("/password/forgot", data={"email": email, "csrf_token": csrf_token(client)})
    response.close()
    return response


@pytest.fixture
def admin(client, make_user):
    """A test client signed in as an administrator (`admin.user`)."""
    user = make_user("admin")
    login_as(client, user)
    client.user = user
    return client


__all__ = ["PASSWORD", "NEW_PASSWORD", "body", "link_in", "choose_password"]
