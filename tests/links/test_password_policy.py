"""A password chosen by any path is at least 12 characters, not a common one, not easy to guess,
and holds neither the user's e-mail nor their name; the reason is given in the reader's
language, next to the field."""
import pytest

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read
from tests.links.conftest import ask_for_reset, choose_password, link_in
from tracker.domain import DomainError
from tracker.people.models import Person
from tracker.users.models import User
from tracker.users.services import check_password_policy

REASONS = {
    # password: (bokmål, English)
    "kort pass": ("minst 12 tegn", "at least 12 characters"),
    "leavemealone": ("for vanlig", "too common"),
    "liv.hansen fjellrev": ("e-postadressen eller navnet", "e-mail address or your name"),
    "Ingrid Fjellstad kommer": ("e-postadressen eller navnet", "e-mail address or your name"),
    "abcdefghijklmnop": ("for lett å gjette", "too easy to guess"),
}


@pytest.fixture
def reset_path(app, db, make_user, inbox):
    user = make_user("agency", email="liv.hansen@example.org")
    user.person = Person(name="Ingrid Fjellstad", email="ingrid@example.org")
    db.session.commit()
    ask_for_reset(app.test_client(), user.email)
    return link_in(inbox.last(user.email), "password/reset")


@pytest.mark.parametrize("password", REASONS)
@pytest.mark.parametrize("language", ["nb", "en"])
def test_each_reason_is_shown_in_the_readers_language(app, reset_path, password, language):
    client = app.test_client()
    response = choose_password(client, reset_path, password,
                               **{"Accept-Language": language})
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("input", id="password")[0].get("aria-invalid") == "true"
    wanted = REASONS[password][0 if language == "nb" else 1]
    assert wanted in page.text
    assert client.get(reset_path).status_code == 200  # the link still works


def test_the_nynorsk_reason_is_nynorsk(app, reset_path):
    response = choose_password(app.test_client(), reset_path, "kort", **{"Accept-Language": "nn"})
    assert "Passordet må ha minst 12 teikn." in read(response.data).text


@pytest.mark.parametrize("password", ["fjord paraply kanelbolle", "blåbær fjellrev sykkelsete"])
def test_a_strong_password_is_accepted(password):
    check_password_policy(password)


def test_the_change_password_page_knows_whose_password_it_is(app, db, make_user):
    user = make_user("coordinator", email="sigrid.berg@example.org")
    client = app.test_client()
    login_as(client, user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "sigrid.berg 2026 vår",
        "confirm_password": "sigrid.berg 2026 vår", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert "e-postadressen eller navnet" in read(response.data).text


def test_the_command_line_holds_the_policy_too(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "per.olsen@example.org", "--role", "coordinator",
              "--password-stdin"], input="per.olsen fjellrev\n")
    assert result.exit_code != 0 and "e-mail address or your name" in result.output


def test_the_users_own_words_are_refused_in_any_case_and_spacing():
    from tracker.users.models import User

    user = User(email="Kari.Nordmann@example.org")
    for password in ("KARI.NORDMANN-er-best", "xx kari.nordmann@example.org"):
        with pytest.raises(DomainError) as error:
            check_password_policy(password, user=user)
        assert error.value.field == "password"


@pytest.mark.parametrize("password", [
    "sommerferie123", "Sommerferie2024", "Sommer2026!!!", "Januar2026!!!", "hemmelig2025!",
    "jegelskerdeg1", "Admin1234567!", "Hjemmekontor2024", "mammaogpappa1", "Rosenborg1963!",
    "2026Desember!", "Hjemmekontor2024x",
])
def test_common_norwegian_passwords_are_refused_even_with_a_year_or_symbols(app, password):
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        with pytest.raises(DomainError) as refused:
            check_password_policy(password)
        assert "for vanlig" in str(refused.value) or "for lett å gjette" in str(refused.value)


def test_the_norwegian_list_is_a_real_list():
    from tracker.users.services import norwegian_common_words

    words = norwegian_common_words()
    assert len(words) >= 300 and len(set(words)) == len(words)
    assert {"sommerferie", "hjemmekontor", "hemmelig", "passord", "jegelskerdeg", "mammaogpappa",
            "januar", "rosenborg", "bergen"} <= set(words)


@pytest.mark.parametrize("email, name, password", [
    ("per.ask@example.org", None, "super fjell oppskrift"),
    ("ola.nordmann@example.org", None, "kolaflaske grønn himmel"),
    ("ny.leder@example.org", None, "toppledergruppe i vinden"),
    ("kari@example.org", "Per Ask", "supermarked fjellrev kanel"),
])
def test_a_short_or_inner_piece_of_the_address_or_name_does_not_refuse_a_passphrase(
        app, email, name, password):
    """Only whole words of four letters or more count as "your e-mail or name"."""
    user = User(email=email)
    user.person = Person(name=name, email=email) if name else None
    check_password_policy(password, user=user)


@pytest.mark.parametrize("password", [
    "nordmann fjellrev kanel", "Fjellrev-Nordmann-kanel", "olanordmann blå sykkel"])
def test_a_whole_part_of_the_address_is_refused(app, password):
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        with pytest.raises(DomainError) as refused:
            check_password_policy(password, email="ola.nordmann@example.org")
        assert "e-postadressen eller navnet" in str(refused.value)
