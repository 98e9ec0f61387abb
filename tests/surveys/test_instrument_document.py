"""The instrument document every file and the demo share, and opening a round with it."""
import pytest

from tracker.domain import DomainError
from tracker.surveys.instruments import (
    InstrumentFileError,
    add_version,
    check_document,
    is_in_use,
    replace_contents,
    version_document,
)
from tracker.surveys.rounds import link_token, respondent_for_link, renew_link


def test_a_document_becomes_a_version_and_comes_back_the_same(make_instrument, instrument_document):
    instrument = make_instrument(document=instrument_document)
    version = instrument.latest
    assert version.number == 1
    assert [p.code for p in version.parts] == ["PRE", "PRO"]
    assert [f.code for f in version.factors] == ["PRE1", "PRO1", "PRO2"]
    assert len(version.items) == 5
    assert version.items[1].reverse and version.items[1].score(5) == 1
    assert version.items[0].statement("nn") == "Vi vet hvorfor vi finnes. (nn)"
    assert version_document(version) == check_document(instrument_document)


@pytest.mark.parametrize("spoil, where", [
    (lambda d: d["parts"][1]["factors"][0]["items"][0]["statement"].pop("nn"),
     "parts 2 › factors 1 › items 1 › statement (nn)"),
    (lambda d: d["parts"][1]["factors"][1]["items"][0].update(code="PRE1a"),
     "parts 2 › factors 2 › items 1 › code"),
    (lambda d: d["parts"][0]["factors"][0]["items"][0].update(scale="agree7"),
     "parts 1 › factors 1 › items 1 › scale"),
    (lambda d: d["scales"][0]["points"].pop(2), "scales 1 › points"),
    (lambda d: d.update(parts=[]), "parts"),
    (lambda d: d["name"].update(en="\x00"), "name (en)"),
])
def test_a_spoilt_document_is_refused_naming_where(instrument_document, spoil, where):
    spoil(instrument_document)
    with pytest.raises(InstrumentFileError) as refused:
        check_document(instrument_document)
    assert any(problem.startswith(where + ":") for problem in refused.value.problems)


def test_a_version_a_round_used_cannot_change_and_an_edit_becomes_the_next(
        make_round, instrument_document):
    survey_round = make_round()
    version = survey_round.instrument_version
    assert is_in_use(version)
    with pytest.raises(DomainError):
        replace_contents(version, instrument_document)
    instrument_document["name"]["en"] = "Changed"
    second = add_version(version.instrument, instrument_document)
    assert second.number == 2
    assert survey_round.instrument_version.number == 1


def test_an_unused_version_is_edited_in_place(make_instrument, instrument_document):
    version = make_instrument().latest
    instrument_document["parts"].pop()
    replace_contents(version, instrument_document)
    assert [p.code for p in version.parts] == ["PRE"] and len(version.items) == 2


def test_a_personal_link_finds_its_respondent_until_it_is_renewed(make_round):
    respondent = make_round().respondents[0]
    token = link_token(respondent)
    assert respondent_for_link(token) is respondent
    assert respondent_for_link(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    renew_link(respondent)
    assert respondent_for_link(token) is None
    assert respondent_for_link(link_token(respondent)) is respondent


def test_the_minimum_is_never_below_three(make_round):
    with pytest.raises(DomainError) as refused:
        make_round(minimum=2)
    assert refused.value.field == "minimum_respondents"


def test_fewer_people_than_the_minimum_is_refused(make_round):
    with pytest.raises(DomainError) as refused:
        make_round(members=2)
    assert refused.value.field == "respondents"
