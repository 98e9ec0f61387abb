"""E-mail addresses as people type them: spaces trimmed, a domain with æ, ø or å stored (and
mailed) in its one ASCII spelling, an address the tracker cannot mail refused next to the
field in the reader's language, and the command line holding the same rules."""
import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.html import read
from tests.links.conftest import NEW_PASSWORD, link_in
from tracker.mail import ascii_address
from tracker.people.services import normalise_email
from tracker.users.models import User


def create(admin, email, language="nb"):
    return admin.post("/admin/users/new", data={
        "email": email, "role": "COORDINATOR", "organisation": "",
        "csrf_token": csrf_token(admin)}, headers={"Accept-Language": language})


def users(db):
    return set(db.session.scalars(select(User.email)))


@pytest.mark.parametrize("email", ["æøå@eksempel.no", "emoji😀@example.org"])
@pytest.mark.parametrize("language, words", [
    ("nb", "Delen før @ kan bare ha bokstavene a–z"),
    ("nn", "Delen før @ kan berre ha bokstavane a–z"),
    ("en", "The part before @ can hold only the letters a-z"),
])
def test_an_address_the_tracker_cannot_mail_is_refused_at_the_field(
        admin, db, inbox, email, language, words):
    before = users(db)
    response = create(admin, email, language)
    assert response.status_code == 400
    page = read(response.data)
    assert words in page.text
    assert page.all("input", id="email")[0].get("aria-invalid") == "true"
    assert users(db) == before and inbox.all() == []


def test_a_domain_with_norwegian_letters_is_stored_and_mailed_in_one_spelling(admin, db, inbox):
    assert create(admin, "ola@Bærum.kommune.no").status_code == 302
    assert "ola@xn--brum-voa.kommune.no" in users(db)
    message = inbox.last("ola@xn--brum-voa.kommune.no")
    assert "ola@xn--brum-voa.kommune.no" in message.as_string() and "=?utf-8?" not in message["To"]
    link_in(message, "invitation")
    # The same mailbox in its other spelling is the same account.
    response = create(admin, "ola@xn--brum-voa.kommune.no")
    assert response.status_code == 400 and "finnes allerede" in read(response.data).text


def test_spaces_around_an_address_are_trimmed(admin, db, inbox):
    assert create(admin, "  kari@example.org \t").status_code == 302
    assert "kari@example.org" in users(db)


def test_normalise_email_never_refuses():
    assert normalise_email(" Ola@Bærum.Kommune.NO ") == "ola@xn--brum-voa.kommune.no"
    assert normalise_email("no address") == "no address"
    assert normalise_email("a@-.-") == "a@-.-"


def test_a_header_carries_a_stored_unicode_domain_in_ascii():
    assert ascii_address("ola@bærum.kommune.no") == "ola@xn--brum-voa.kommune.no"
    with pytest.raises(ValueError):
        ascii_address("æ@example.org")


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


@pytest.mark.parametrize("email, says", [
    ("æ@example.org", "The part before @"),
    ("a@b", "valid email address"),
])
def test_the_command_line_refuses_the_same_addresses_without_a_traceback(app, db, email, says):
    result = run(app, "create", "--email", email, "--role", "coordinator")
    assert result.exit_code == 1 and says in result.output
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_reset_password_takes_the_address_as_create_does(app, db, make_user, inbox):
    user = make_user("coordinator", email="per@example.org")
    assert run(app, "reset-password", "--email", " PER@example.org ").exit_code == 0
    assert run(app, "reset-password", "per@example.org").exit_code == 0
    assert len(inbox.to(user.email)) == 2
    both = run(app, "reset-password", "per@example.org", "--email", "per@example.org")
    assert both.exit_code != 0 and "once" in both.output


@pytest.mark.parametrize("path, fields", [
    ("/password/forgot", {"email": "a" * 250 + "@example.org"}),
    ("/login", {"email": "a" * 250 + "@example.org", "password": NEW_PASSWORD}),
    ("/login", {"email": "kari@example.org", "password": "p" * 1025}),
])
@pytest.mark.parametrize("language, words", [
    ("nn", "høgst"), ("nb", "høyst"), ("en", "at most")])
def test_a_too_long_field_is_refused_in_the_readers_language_naming_the_field(
        app, path, fields, language, words):
    client = app.test_client()
    response = client.post(path, data={**fields, "csrf_token": csrf_token(client)},
                           headers={"Accept-Language": language})
    assert response.status_code == 400
    text = read(response.data).text
    assert words in text and "Field cannot be longer" not in text
    label = {"nb": ("E-post", "Passord"), "nn": ("E-post", "Passord"),
             "en": ("Email", "Password")}[language]
    assert f"{label[0]}: {words}" in text or f"{label[1]}: {words}" in text
