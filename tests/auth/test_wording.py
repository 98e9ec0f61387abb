"""The words of the sign-in and account pages: plain Norwegian, one form of each verb."""
import re

import pytest

from tests.conftest import csrf_token, login_as
from tests.html import read


def in_language(client, lang):
    with client.session_transaction() as session:
        session["lang"] = lang


def account_page_with_new_token(client):
    """The account page as it answers a new token: every text of the page at once."""
    return read(client.post("/account/tokens", data={
        "name": "Et skript", "lifetime": "90", "csrf_token": csrf_token(client)}).data).text


@pytest.mark.parametrize("lang, valid_for, header", [
    ("nb", "Gyldig i", "i feltet Authorization i hver forespørsel"),
    ("nn", "Gyldig i", "i feltet Authorization i kvar førespurnad"),
])
def test_the_account_page_says_it_in_norwegian(client, make_user, lang, valid_for, header):
    login_as(client, make_user("coordinator"))
    in_language(client, lang)
    text = account_page_with_new_token(client)
    assert valid_for in text and "Virker i" not in text and "Verkar i" not in text
    assert header in text and "headeren" not in text


def test_nynorsk_says_blir_and_blei_on_the_sign_in_and_account_pages(client, make_user):
    in_language(client, "nn")
    sign_in_page = read(client.get("/login").data).text
    login_as(client, make_user("coordinator"))
    in_language(client, "nn")
    for text in (sign_in_page, account_page_with_new_token(client)):
        assert not re.search(r"\b(vert|vart)\b", text)
    assert "blei oppretta med" in sign_in_page
