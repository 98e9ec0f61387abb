"""The answer pages a personal link opens, as a respondent with no account uses them."""
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tracker import clock
from tracker.extensions import db
from tracker.surveys.models import Draft, OpenAnswer, Response
from tracker.surveys.responses import draft_of
from tracker.surveys.rounds import link_token, renew_link

ALL = {"PRE1a": "4", "PRE1b": "2", "PRO1a": "5", "PRO1b": "3", "PRO2a": "1"}


@pytest.fixture
def survey(make_round):
    survey_round = make_round()
    respondent = survey_round.respondents[0]
    token = link_token(respondent)
    db.session.commit()
    return survey_round, respondent, token


def names(respondent) -> dict[str, str]:
    """Item code -> the field's name on the page; open question code -> the text area's."""
    version = respondent.round.instrument_version
    fields = {item.code: f"item_{item.id}" for item in version.items}
    fields |= {q.code: f"open_{q.id}" for q in version.open_questions}
    return fields


def post(client, respondent, token, action, answers, **headers):
    fields = names(respondent)
    data = {"csrf_token": csrf_token(client), "action": action}
    data |= {fields[code]: value for code, value in answers.items()}
    return client.post(f"/answer/{token}", data=data, headers=headers)


def responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def test_the_page_shows_the_instrument_by_part_and_factor_with_who_sees_what(client, survey):
    survey_round, respondent, token = survey
    page = client.get(f"/answer/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("Forutsetninger", "Prosesser", "Formål", "Møter", "Vi vet hvorfor vi finnes.",
                 "Helt uenig", "Helt enig", "Hva fungerer best?", "Lagre og fortsett senere",
                 "Send svarene", "0 av 5"):
        assert text in html, text
    assert "lagres uten navnet ditt" in html and "minst 3" in html
    assert html.count('type="radio"') == 5 * 5
    # Nothing about anyone else: no names of the other respondents, not even the reader's own.
    for other in survey_round.respondents:
        assert other.person.name not in html
    assert page.headers["Cache-Control"] == "no-store"
    assert '<meta name="referrer" content="no-referrer">' in html
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_the_page_needs_no_sign_in_and_honours_the_language_chooser(client, survey):
    _round, _respondent, token = survey
    chosen = client.post("/language", data={"lang": "en", "next": f"/answer/{token}",
                                            "csrf_token": csrf_token(client)})
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith(f"/answer/{token}")
    html = client.get(f"/answer/{token}").get_data(as_text=True)
    assert "Vi vet hvorfor vi finnes. (en)" in html and "Save and continue later" in html
    assert 'lang="en"' in html
    client.post("/language", data={"lang": "nn", "next": "/", "csrf_token": csrf_token(client)})
    html = client.get(f"/answer/{token}").get_data(as_text=True)
    assert "Vi vet hvorfor vi finnes. (nn)" in html
    # The switch is on the page itself, for the two other languages: buttons of the answer
    # form, so switching keeps what is answered.
    assert 'form="answer-form" name="action" value="language:nb"' in html
    assert 'value="language:en"' in html


def test_switching_language_mid_answer_saves_the_answers_first(client, survey):
    _round, respondent, token = survey
    switched = post(client, respondent, token, "language:en", {"PRE1a": "4", "O1": "Godt"})
    assert switched.status_code == 303 and switched.headers["Location"].endswith(f"/answer/{token}")
    html = client.get(f"/answer/{token}").get_data(as_text=True)
    assert 'lang="en"' in html and "Save and continue later" in html
    assert "1 of 5" in html and "Godt" in html
    assert responses() == 0
    # A language the app does not have only saves.
    kept = post(client, respondent, token, "language:xx", {"PRE1a": "5"})
    assert kept.status_code == 303
    assert draft_of(db.session.get(type(respondent), respondent.id)).items["PRE1a"] == 5


def test_the_page_names_the_group_programme_and_survey_and_who_reads_open_answers(client, survey):
    survey_round, _respondent, token = survey
    html = client.get(f"/answer/{token}").get_data(as_text=True)
    enrolment = survey_round.enrolment
    assert enrolment.organisation.name_nb in html
    programme = enrolment.cohort.programme.name("nb")
    assert f'<span class="site-header__name">{programme}</span>' in html
    assert "Programoppfølging" not in html
    assert html.count("Åpne svar vises ordrett") == 2  # in the box, and by the open questions
    assert "4\u00a0000 tegn" in html  # the house style: a no-break space


@pytest.mark.parametrize("path", ["/answer/nonsense"])
def test_a_dead_end_gives_an_address_to_ask(client, path):
    html = client.get(path).get_data(as_text=True)
    assert 'href="mailto:noreply@example.org"' in html


def test_the_contact_address_is_a_setting(client, app):
    app.config["PROGRAMME_CONTACT_EMAIL"] = "toppledergrupper@example.org"
    try:
        html = client.get("/answer/nonsense").get_data(as_text=True)
    finally:
        app.config["PROGRAMME_CONTACT_EMAIL"] = None
    assert 'href="mailto:toppledergrupper@example.org"' in html


def test_saving_keeps_the_answers_and_the_same_link_resumes_them(client, survey):
    survey_round, respondent, token = survey
    saved = post(client, respondent, token, "save", {"PRE1a": "4", "O1": "Godt\nsamarbeid"})
    assert saved.status_code == 303
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Svarene dine er tatt vare på" in page
    assert f"{survey_round.closes_on.day}." in page
    assert "1 av 5" in page
    fields = names(respondent)
    assert f'name="{fields["PRE1a"]}" id="{fields["PRE1a"]}-4" value="4" checked' in page
    assert "Godt\nsamarbeid</textarea>" in page
    # Another browser (no session, no cookie) resumes the same answers by the link alone.
    from flask import current_app
    other = current_app.test_client()
    assert "1 av 5" in other.get(f"/answer/{token}").get_data(as_text=True)


@pytest.mark.parametrize("value", ["6", "0", "abc", str(2**63), "-1", "3.5", "\x00"])
def test_an_answer_off_the_scale_is_refused_naming_the_item_and_nothing_is_lost(
        client, survey, value):
    _round, respondent, token = survey
    post(client, respondent, token, "save", {"PRE1a": "4"})
    refused = post(client, respondent, token, "save",
                   {"PRE1a": "5", "PRO1a": value, "O1": "Mitt svar"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert "Møtene våre er effektive." in html and "ds-error-summary" in html
    # The page shows what was sent, so nothing typed is lost; the stored draft is unchanged.
    assert "Mitt svar</textarea>" in html
    db.session.expire_all()
    assert draft_of(respondent).items == {"PRE1a": 4}
    assert responses() == 0


def test_a_half_filled_submission_marks_the_missing_items_and_saves_the_answers(client, survey):
    _round, respondent, token = survey
    half = post(client, respondent, token, "submit", {"PRE1a": "4", "PRO1a": "2", "O2": "Mer tid"})
    assert half.status_code == 200
    html = half.get_data(as_text=True)
    assert "ikke sendt" in html
    fields = names(respondent)
    for code in ("PRE1b", "PRO1b", "PRO2a"):
        assert f'href="#{fields[code]}"' in html
        assert f'id="{fields[code]}-error"' in html
    assert f'id="{fields["PRE1a"]}-error"' not in html
    # The summary comes first in <main>, before the intro, short: how many, and a link to each
    # by its number and first words; by each item only "Velg et svar."
    main = html.split('<main id="main"')[1]
    assert main.index('id="error-summary"') < main.index("<h1")
    assert "3 påstander er ikke besvart ennå" in main
    assert html.count("Velg et svar.") == 3
    summary = main.split('id="error-summary"')[1].split("</div>")[0]
    assert len(summary) < 1200 and "2. " in summary
    db.session.expire_all()
    assert draft_of(respondent).items == {"PRE1a": 4, "PRO1a": 2}
    assert draft_of(respondent).open == {"O2": "Mer tid"}
    assert responses() == 0 and not respondent.has_answered


def test_submitting_thanks_the_respondent_and_the_link_answers_only_that_after(client, survey):
    _round, respondent, token = survey
    post(client, respondent, token, "save", {"PRE1a": "1"})
    sent = post(client, respondent, token, "submit", {**ALL, "O1": "Tillit"})
    assert sent.status_code == 303
    thanks = client.get(sent.headers["Location"])
    assert thanks.status_code == 200
    assert "Takk for at du svarte" in thanks.get_data(as_text=True)
    assert 'type="radio"' not in thanks.get_data(as_text=True)
    db.session.expire_all()
    assert responses() == 1 and respondent.has_answered
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
    again = post(client, respondent, token, "submit", ALL)
    assert again.status_code == 409 and "Takk for at du svarte" in again.get_data(as_text=True)
    assert responses() == 1


def test_a_renewed_or_altered_link_does_not_work(client, survey):
    _round, respondent, token = survey
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (altered, "x" * 43, "x" * 300):
        page = client.get(f"/answer/{bad}")
        assert page.status_code == 404
        assert "Lenken virker ikke" in page.get_data(as_text=True)
    renew_link(respondent)
    db.session.commit()
    assert client.get(f"/answer/{token}").status_code == 404
    assert post(client, respondent, token, "submit", ALL).status_code == 404
    assert responses() == 0


def test_an_erased_persons_link_does_not_work(client, survey):
    _round, respondent, token = survey
    respondent.person.erased_at = clock.now()
    db.session.commit()
    assert client.get(f"/answer/{token}").status_code == 404


def test_a_closed_round_says_when_it_closed_and_takes_nothing(client, survey):
    survey_round, respondent, token = survey
    with clock.frozen(survey_round.closes_on + timedelta(days=1)):
        page = client.get(f"/answer/{token}")
        assert page.status_code == 410
        html = page.get_data(as_text=True)
        assert "stengte" in html and str(survey_round.closes_on.year) in html
        assert post(client, respondent, token, "submit", ALL).status_code == 410
    survey_round.closed_at = clock.now()
    db.session.commit()
    assert client.get(f"/answer/{token}").status_code == 410
    assert responses() == 0


@pytest.mark.parametrize("text", ["a\x00b", "\x1b[31mrød", "tab\there", "\u202e", "x" * 4001])
def test_hostile_bytes_in_an_open_answer_are_refused_naming_the_question(client, survey, text):
    _round, respondent, token = survey
    refused = post(client, respondent, token, "submit", {**ALL, "O1": text})
    assert refused.status_code == 400
    assert "Hva fungerer best?" in refused.get_data(as_text=True)
    assert responses() == 0


def test_markup_in_an_open_answer_is_kept_as_text_and_shown_escaped(client, survey):
    _round, respondent, token = survey
    post(client, respondent, token, "save", {"O1": "<script>alert(1)</script>"})
    html = client.get(f"/answer/{token}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    post(client, respondent, token, "submit", {**ALL, "O1": "<script>alert(1)</script>"})
    assert db.session.scalar(select(OpenAnswer.text)) == "<script>alert(1)</script>"


def test_a_post_without_the_csrf_token_is_taken_but_only_for_its_own_link(client, survey,
                                                                          make_round):
    """The link is the secret (tracker.surveys.respond_routes.answer): a phone that lost its
    session cookie keeps its answers; another link's token is no use."""
    _round, respondent, token = survey
    fields = names(respondent)
    taken = client.post(f"/answer/{token}", data={"action": "submit",
                                                  **{fields[c]: v for c, v in ALL.items()}})
    assert taken.status_code == 303
    assert responses() == 1
    other = make_round().respondents[0]
    db.session.commit()
    # Answers posted to a link that is not the respondent's own (a made-up one) go nowhere.
    refused = client.post("/answer/" + "A" * 43, data={"action": "submit",
                                                     **{fields[c]: v for c, v in ALL.items()}})
    assert refused.status_code == 404
    assert responses() == 1 and not other.has_answered


def test_the_token_never_lands_in_the_security_log(client, survey, caplog):
    _round, respondent, token = survey
    from tracker import security_log
    with caplog.at_level(logging.INFO):
        with client.application.test_request_context(f"/answer/{token}"):
            from flask import request
            request.view_args = {"token": token}
            security_log.record("test_event")
        client.get(f"/answer/{token}")
        post(client, respondent, token, "submit", {"PRE1a": "9"})
    assert token not in caplog.text


def test_the_page_loads_the_instrument_in_a_fixed_number_of_queries(
        client, db, make_group, make_round, instrument_document, make_instrument, count_queries):
    """A longer instrument costs no more queries: its parts, factors, items and scales come
    in one query each."""
    cohort = make_group().cohort

    def queries(document) -> int:
        version = make_instrument(cohort.programme, document).latest
        survey_round = make_round(make_group(cohort), version=version)
        token = link_token(survey_round.respondents[0])
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/answer/{token}").status_code == 200
        return counter["n"]

    small = queries(instrument_document)
    longer = instrument_document
    for part in longer["parts"]:
        for factor in part["factors"]:
            factor["items"] += [{**factor["items"][0], "code": f"{factor['items'][0]['code']}{n}"}
                                for n in range(5)]
        part["factors"] += [{**part["factors"][0], "code": f"{part['code']}9", "items": [
            {**item, "code": f"{item['code']}x"} for item in part["factors"][0]["items"]]}]
    assert queries(longer) == small
