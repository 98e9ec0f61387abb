"""The survey's changes are told in the change log in words, like every other record's."""
from tests.conftest import login_as
from tracker.extensions import db


def test_opening_a_round_is_told_with_the_round_and_who_is_asked(client, make_round, make_user):
    survey_round = make_round()
    db.session.commit()
    login_as(client, make_user("coordinator"))
    text = client.get(f"/audit/?demo=y", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Survey round" in text and "Baseline survey round" in text
    assert survey_round.respondents[0].person.name in text
    assert "version 1" in text
    assert "link_nonce" not in text and "token_hash" not in text
