"""The instrument pages: the list, a version's whole text, a new instrument from a file or a
copy, editing texts in the page (in place, or as the next version once a round used it), and the
refusals: a spoilt file, a used version, two editors at once, hostile bytes."""
import copy
import io
import json
import re

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.surveys.conftest import SMALL_INSTRUMENT
from tracker.extensions import db
from tracker.surveys.instrument_files import write_xlsx
from tracker.surveys.models import Instrument


def base(instrument) -> str:
    return f"/programmes/{instrument.programme_id}/instruments/{instrument.id}/versions"


def edit_data(client, url: str) -> dict:
    """The edit form's fields as the page draws them (a browser's submit)."""
    html = client.get(url).get_data(as_text=True)
    form = html.split('id="texts"', 1)[1].split("</form>", 1)[0]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        data[name.group(1)] = value.group(1) if value else ""
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>\s*([^<]*)</textarea>', form):
        data[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', body)
        data[name] = next(g for g in chosen.groups() if g is not None) if chosen else ""
    import html as html_module
    return {k: html_module.unescape(v) for k, v in data.items()}


def test_the_programme_page_links_the_instruments_and_the_list_shows_versions(
        staff, make_instrument, make_round):
    survey_round = make_round()
    instrument = survey_round.instrument_version.instrument
    programme_id = instrument.programme_id
    page = staff.get(f"/programmes/{programme_id}").get_data(as_text=True)
    assert f"/programmes/{programme_id}/instruments" in page
    listing = staff.get(f"/programmes/{programme_id}/instruments")
    assert listing.status_code == 200
    text = listing.get_data(as_text=True)
    assert "Testundersøkelse" in text
    assert "Brukt av 1 runde" in text or "Used by 1 round" in text


def test_a_version_page_shows_the_whole_instrument_in_one_or_all_languages(staff, make_instrument):
    instrument = make_instrument()
    page = staff.get(f"{base(instrument)}/1").get_data(as_text=True)
    # A bokmål reader sees the bokmål texts only, unless they ask for all three.
    assert "Vi vet hvorfor vi finnes." in page and "Vi vet hvorfor vi finnes. (nn)" not in page
    assert "PRE1b" in page and "O2" in page and "Helt enig" in page
    all_three = staff.get(f"{base(instrument)}/1?language=all").get_data(as_text=True)
    assert "Vi vet hvorfor vi finnes. (nn)" in all_three and "Vi vet hvorfor vi finnes. (en)" in all_three
    english = staff.get(f"{base(instrument)}/1?language=en").get_data(as_text=True)
    assert "Vi vet hvorfor vi finnes. (en)" in english
    assert staff.get(f"{base(instrument)}/1?language=%00").status_code == 200
    assert staff.get(f"{base(instrument)}/2").status_code == 404


def test_a_version_page_says_scales_reverse_scoring_and_when_rounds_used_it(staff, make_round):
    from datetime import datetime, timezone

    survey_round = make_round()
    survey_round.opened_at = datetime(2026, 5, 4, 9, tzinfo=timezone.utc)
    version = survey_round.instrument_version
    version.note = "Skrevet slik."
    db.session.commit()
    page = staff.get(f"{base(version.instrument)}/1").get_data(as_text=True)
    row = page.split(">PRE1b<", 1)[1].split("</tr>", 1)[0]
    # The scale by its ends' labels, not its code; reverse-scoring as yes or no.
    assert "1 Helt uenig – 5 Helt enig" in row and "agree5" not in row
    assert ">Ja<" in row
    assert ">Nei<" in page.split(">PRE1a<", 1)[1].split("</tr>", 1)[0]
    # When the version was used, from its rounds: not when the demo loaded it.
    assert "Brukt av 1 runde, første gang 4. mai 2026" in page
    assert "Merknad (slik den er skrevet)" in page and "Skrevet slik." in page


def upload(client, url, data: bytes, name: str):
    return client.post(url, data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_a_file_becomes_a_new_instrument(staff, make_programme, kind):
    programme = make_programme()
    data = (json.dumps(SMALL_INSTRUMENT).encode() if kind == "json" else write_xlsx(SMALL_INSTRUMENT))
    answer = upload(staff, f"/programmes/{programme.id}/instruments/new", data, f"survey.{kind}")
    assert answer.status_code == 302
    instrument = db.session.scalar(select(Instrument).where(Instrument.programme_id == programme.id))
    assert len(instrument.latest.items) == 5


@pytest.mark.parametrize("spoil, shown", [
    (lambda d: d["parts"][0]["factors"][0]["items"][0]["statement"].pop("nn"),
     "del 1 › faktor 1 › påstand 1 › påstand (nn): teksten mangler"),
    (lambda d: d["parts"][1]["factors"][0]["items"][0].update(code="PRE1a"),
     "del 2 › faktor 1 › påstand 1 › kode: koden PRE1a er brukt to ganger"),
    (lambda d: d["parts"][0]["factors"][0]["items"][0].update(scale="agree7"),
     "del 1 › faktor 1 › påstand 1 › skala: agree7 er ikke en av skalaene i filen"),
])
def test_a_spoilt_file_is_refused_listing_its_problems_in_the_readers_language(
        staff, make_programme, spoil, shown):
    programme = make_programme()
    document = copy.deepcopy(SMALL_INSTRUMENT)
    spoil(document)
    answer = upload(staff, f"/programmes/{programme.id}/instruments/new",
                    json.dumps(document).encode(), "survey.json")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert shown in page
    assert "ds-error-summary" in page
    assert db.session.scalar(select(func.count(Instrument.id))) == 0


def test_an_english_reader_reads_the_problems_in_english(staff, make_programme):
    programme = make_programme()
    document = copy.deepcopy(SMALL_INSTRUMENT)
    document["open_questions"][0]["text"]["en"] = ""
    staff.post("/language", data={"lang": "en", "csrf_token": csrf_token(staff)})
    answer = upload(staff, f"/programmes/{programme.id}/instruments/new",
                    json.dumps(document).encode(), "survey.json")
    assert "open question 1 › text (en): the text is missing" in answer.get_data(as_text=True)


def test_a_spoilt_workbook_names_its_sheets_rows_and_columns(staff, make_programme):
    import openpyxl

    programme = make_programme()
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx(SMALL_INSTRUMENT)))
    book["Items"]["K4"] = None
    book["Items"]["M5"] = "agree7"
    out = io.BytesIO()
    book.save(out)
    staff.post("/language", data={"lang": "en", "csrf_token": csrf_token(staff)})
    answer = upload(staff, f"/programmes/{programme.id}/instruments/new", out.getvalue(),
                    "survey.xlsx")
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert "sheet Items, row 4, column statement_nn: the text is missing" in page
    assert "sheet Items, row 5, column scale: agree7 is not one of the file&#39;s scales" in page
    assert "item 1" not in page
    assert db.session.scalar(select(func.count(Instrument.id))) == 0


@pytest.mark.parametrize("data, name", [
    (b"navn;x\n", "register.csv"),
    (b"{not json", "survey.json"),
    (b"PK\x03\x04broken", "survey.xlsx"),
    (b"\x00" * 100, "survey.xlsx"),
    (b"[1, 2]", "survey.json"),
])
def test_a_file_of_another_kind_or_broken_is_refused_clearly(staff, make_programme, data, name):
    programme = make_programme()
    answer = upload(staff, f"/programmes/{programme.id}/instruments/new", data, name)
    assert answer.status_code == 400
    assert "ds-error-summary" in answer.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Instrument.id))) == 0


def test_a_file_too_large_is_refused(staff, make_programme):
    programme = make_programme()
    answer = upload(staff, f"/programmes/{programme.id}/instruments/new", b" " * (3 * 1024 * 1024),
                    "survey.json")
    assert answer.status_code == 413


def test_a_file_becomes_the_next_version(staff, make_instrument):
    instrument = make_instrument()
    document = copy.deepcopy(SMALL_INSTRUMENT)
    document["note"] = "Ny tekst"
    answer = upload(staff, f"/programmes/{instrument.programme_id}/instruments/{instrument.id}/upload",
                    json.dumps(document).encode(), "v2.json")
    assert answer.status_code == 302
    db.session.expire_all()
    assert [v.number for v in instrument.versions] == [1, 2]
    assert instrument.latest.note == "Ny tekst"


def test_a_copy_of_a_version_is_a_new_instrument(staff, make_instrument):
    instrument = make_instrument()
    answer = staff.post(f"/programmes/{instrument.programme_id}/instruments/copy", data={
        "csrf_token": csrf_token(staff), "source": str(instrument.latest.id),
        "name_nb": "Kopi", "name_nn": "Kopi", "name_en": "Copy"})
    assert answer.status_code == 302
    copy_ = db.session.scalar(select(Instrument).where(Instrument.name_nb == "Kopi"))
    assert len(copy_.latest.items) == 5 and not copy_.is_example


def test_editing_an_unused_version_changes_it_in_place(staff, make_instrument):
    instrument = make_instrument()
    url = f"{base(instrument)}/1/edit/parts/1"
    data = edit_data(staff, url)
    assert data["part1_factor1_item1_statement_nn"] == "Vi vet hvorfor vi finnes. (nn)"
    # A part's page holds that part only: the instrument's texts are on their own page.
    assert "name_en" not in data and "part2_code" not in data
    data["part1_factor1_item1_statement_nn"] = "Vi veit kvifor vi finst."
    data.pop("part1_factor1_item2_reverse")
    answer = staff.post(url, data=data)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert answer.location.endswith("/versions/1/edit/parts/1")
    data = edit_data(staff, f"{base(instrument)}/1/edit")
    assert "part1_factor1_item1_statement_nn" not in data
    data["name_en"] = "Team survey"
    assert staff.post(f"{base(instrument)}/1/edit", data=data).status_code == 302
    db.session.expire_all()
    version = instrument.latest
    assert version.number == 1
    assert version.items[0].statement_nn == "Vi veit kvifor vi finst."
    assert not version.items[1].reverse
    assert instrument.name_en == "Team survey"


def test_editing_a_used_version_copies_it_once_and_the_round_keeps_its_own(staff, make_round):
    survey_round = make_round()
    instrument = survey_round.instrument_version.instrument
    instrument.latest.note = "Why version 1 was made."
    db.session.commit()
    # The edit page of a used version offers to make the next one; it changes nothing itself.
    page = staff.get(f"{base(instrument)}/1/edit").get_data(as_text=True)
    assert "/versions/1/start-edit" in page
    assert 'name="part1_code"' not in page
    answer = post_small(staff, f"{base(instrument)}/1/start-edit", instrument)
    assert answer.status_code == 302 and answer.location.endswith("/versions/2/edit")
    message = staff.get(answer.location).get_data(as_text=True)
    assert "versjon 2" in message.lower() and "versjon 1" in message.lower()
    db.session.expire_all()
    assert [v.number for v in instrument.versions] == [1, 2]
    # The copy starts with an empty note: the next one says what it changes.
    assert instrument.versions[1].note == ""
    url = f"{base(instrument)}/2/edit/parts/2"
    data = edit_data(staff, url)
    data["part2_factor2_item1_statement_nb"] = "Vi sier tydelig hva vi mener."
    assert staff.post(url, data=data).status_code == 302
    # Every later change goes into the copy: no version per click.
    assert post_small(staff, f"{base(instrument)}/2/move", instrument, code="O2",
                      action="up").status_code == 302
    assert post_small(staff, f"{base(instrument)}/2/move", instrument, code="PRO2a",
                      action="remove").status_code == 400
    db.session.expire_all()
    assert [v.number for v in instrument.versions] == [1, 2]
    assert instrument.versions[0].items[4].statement_nb == "Vi sier hva vi mener."
    assert instrument.versions[1].items[4].statement_nb == "Vi sier tydelig hva vi mener."
    assert [q.code for q in instrument.versions[0].open_questions] == ["O1", "O2"]
    assert [q.code for q in instrument.versions[1].open_questions] == ["O2", "O1"]
    assert survey_round.instrument_version.number == 1


def test_an_older_version_is_read_only_and_names_the_newest(staff, make_instrument):
    instrument = make_instrument()
    assert post_small(staff, f"{base(instrument)}/1/start-edit", instrument).status_code == 302
    from tracker.surveys.instruments import add_version, version_document
    add_version(instrument, version_document(instrument.latest))
    db.session.commit()
    page = staff.get(f"{base(instrument)}/1").get_data(as_text=True)
    assert "Versjon 2 er den nyeste" in page and f'href="{base(instrument)}/2"' in page
    assert f"{base(instrument)}/1/edit" not in page
    answer = staff.get(f"{base(instrument)}/1/edit")
    assert answer.status_code == 302 and answer.location.endswith("/versions/1")
    # A change posted to an older version is refused: it would drop the later one's changes.
    answer = post_small(staff, f"{base(instrument)}/1/move", instrument, code="O2", action="up")
    assert answer.status_code == 400
    assert "Versjon 1 er ikke den nyeste" in answer.get_data(as_text=True)
    data = edit_data(staff, f"{base(instrument)}/2/edit")
    assert staff.post(f"{base(instrument)}/1/edit", data=data).status_code == 400
    db.session.expire_all()
    assert [v.number for v in instrument.versions] == [1, 2]
    assert [q.code for q in instrument.versions[0].open_questions] == ["O1", "O2"]


def test_an_unused_version_is_deleted_after_the_box_is_ticked(staff, make_round):
    survey_round = make_round()
    instrument = survey_round.instrument_version.instrument
    post_small(staff, f"{base(instrument)}/1/start-edit", instrument)
    assert "Slett versjon 2" in staff.get(f"{base(instrument)}/2").get_data(as_text=True)
    assert "Slett versjon" not in staff.get(f"{base(instrument)}/1").get_data(as_text=True)
    # Without the box ticked nothing happens.
    answer = post_small(staff, f"{base(instrument)}/2/delete", instrument)
    assert answer.status_code == 400
    db.session.expire_all()
    assert len(instrument.versions) == 2
    # A used version is refused, saying why.
    answer = post_small(staff, f"{base(instrument)}/1/delete", instrument, sure="y")
    assert answer.status_code == 400
    assert "har brukt versjon 1" in answer.get_data(as_text=True)
    answer = post_small(staff, f"{base(instrument)}/2/delete", instrument, sure="y")
    assert answer.status_code == 302 and answer.location.endswith("/versions/1")
    db.session.expire_all()
    assert [v.number for v in instrument.versions] == [1]


def test_the_only_version_is_not_deleted(staff, make_instrument):
    instrument = make_instrument()
    answer = post_small(staff, f"{base(instrument)}/1/delete", instrument, sure="y")
    assert answer.status_code == 400
    db.session.expire_all()
    assert len(instrument.versions) == 1


def test_two_editors_at_once_the_second_is_told(staff, make_instrument):
    instrument = make_instrument()
    url = f"{base(instrument)}/1/edit"
    part_url = f"{base(instrument)}/1/edit/parts/2"
    first, second = edit_data(staff, url), edit_data(staff, part_url)
    first["name_nb"] = "Først"
    assert staff.post(url, data=first).status_code == 302
    second["part2_name_nb"] = "Andre"
    answer = staff.post(part_url, data=second)
    assert answer.status_code == 409
    db.session.expire_all()
    assert instrument.name_nb == "Først"
    assert instrument.latest.parts[1].name_nb != "Andre"


@pytest.mark.parametrize("hostile", ["a\x00b", "\x1b[31m", "line\nbreak", "x" * 5000, "\u202e"])
def test_hostile_bytes_in_a_text_are_refused_and_nothing_changes(staff, make_instrument, hostile):
    instrument = make_instrument()
    url = f"{base(instrument)}/1/edit/parts/1"
    data = edit_data(staff, url)
    data["part1_factor1_name_en"] = hostile
    answer = staff.post(url, data=data)
    assert answer.status_code == 400
    db.session.expire_all()
    assert instrument.latest.factors[0].name_en == "Formål (en)"


def test_a_missing_text_is_named_and_nothing_changes(staff, make_instrument):
    instrument = make_instrument()
    url = f"{base(instrument)}/1/edit"
    data = edit_data(staff, url)
    data["question2_text_nn"] = "  "
    answer = staff.post(url, data=data)
    assert answer.status_code == 400
    db.session.expire_all()
    assert instrument.latest.open_questions[1].text_nn == "Hva bør endres? (nn)"


def test_a_duplicate_code_in_the_page_is_refused(staff, make_instrument):
    instrument = make_instrument()
    url = f"{base(instrument)}/1/edit/parts/2"
    data = edit_data(staff, url)
    data["part2_factor1_item1_code"] = "PRE1a"
    answer = staff.post(url, data=data)
    assert answer.status_code == 400
    assert "PRE1a" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert instrument.latest.items[2].code == "PRO1a"


def test_a_part_with_many_factors_is_edited_a_page_at_a_time(staff, make_instrument):
    document = copy.deepcopy(SMALL_INSTRUMENT)
    item = document["parts"][1]["factors"][0]["items"][0]
    document["parts"][1]["factors"] = [
        {"code": f"MANY{n}", "name": {"nb": "F", "nn": "F", "en": "F"},
         "items": [{**item, "code": f"MANY{n}{letter}"} for letter in "ab"]}
        for n in range(1, 13)]
    instrument = make_instrument(document=document)
    url = f"{base(instrument)}/1/edit/parts/2"
    first = staff.get(url).get_data(as_text=True)
    assert f"{url}?page=2" in first and f'href="{url}?page=3"' not in first
    fields = [edit_data(staff, url), edit_data(staff, url + "?page=2")]
    assert all(len(page) <= 150 for page in fields)
    assert "part2_factor1_code" in fields[0] and "part2_factor12_code" in fields[1]
    assert "part2_factor12_code" not in fields[0] and "part2_factor1_code" not in fields[1]
    fields[1]["part2_factor12_name_nb"] = "Den siste"
    answer = staff.post(url + "?page=2", data=fields[1])
    assert answer.status_code == 302 and answer.location.endswith(f"{url}?page=2")
    assert staff.get(url + "?page=3").status_code == 404
    assert staff.get(f"{base(instrument)}/1/edit/parts/3").status_code == 404
    db.session.expire_all()
    assert instrument.latest.parts[1].factors[11].name_nb == "Den siste"
    assert instrument.latest.parts[1].factors[0].name_nb == "F"


def post_small(client, url, instrument, **data):
    """A small form posted as the page draws it: at the instrument's version now."""
    db.session.refresh(instrument)
    return client.post(url, data={"csrf_token": csrf_token(client), "version": str(instrument.version), **data})


def test_items_factors_parts_and_questions_are_added_moved_and_removed(staff, make_instrument):
    instrument = make_instrument()
    version_url = f"{base(instrument)}/1"
    words = {"text_nb": "Vi feirer.", "text_nn": "Vi feirar.", "text_en": "We celebrate."}
    answer = post_small(staff, version_url + "/add", instrument, kind="item", parent="PRO2",
                        code="PRO2b", scale="agree5", reverse="y", **words)
    # Back on the page of the part the item joined.
    assert answer.status_code == 302 and answer.location.endswith("/1/edit/parts/2")
    db.session.expire_all()
    assert [i.code for i in instrument.latest.factors[2].items] == ["PRO2a", "PRO2b"]
    assert instrument.latest.items[-1].reverse
    names = {"name_nb": "Resultat", "name_nn": "Resultat", "name_en": "Results"}
    assert post_small(staff, version_url + "/add", instrument, kind="part", code="RES",
                      factor_code="RES1", scale="agree5", **names, **words).status_code == 302
    assert post_small(staff, version_url + "/add", instrument, kind="question", code="O3",
                      scale="agree5", **words).status_code == 302
    answer = post_small(staff, version_url + "/move", instrument, code="PRO2b", action="up")
    assert answer.status_code == 302 and answer.location.endswith("/1/edit/parts/2")
    assert post_small(staff, version_url + "/move", instrument, code="O1",
                      action="remove").status_code == 302
    answer = post_small(staff, version_url + "/move", instrument, code="RES", action="up")
    assert answer.status_code == 302 and answer.location.endswith("/1/edit")
    db.session.expire_all()
    version = instrument.latest
    assert version.number == 1
    assert [p.code for p in version.parts] == ["PRE", "RES", "PRO"]
    assert [i.code for i in version.parts[2].factors[1].items] == ["PRO2b", "PRO2a"]
    assert [q.code for q in version.open_questions] == ["O2", "O3"]
    # The last item of a factor cannot go: a factor needs one.
    answer = post_small(staff, version_url + "/move", instrument, code="RES1a", action="remove")
    assert answer.status_code == 400
    assert post_small(staff, version_url + "/move", instrument, code="NOPE",
                      action="remove").status_code == 400


def test_a_move_on_a_used_version_goes_to_the_next_once(staff, make_round):
    survey_round = make_round()
    instrument = survey_round.instrument_version.instrument
    # A round opened while the page was open: the change becomes the next version, once.
    answer = post_small(staff, f"{base(instrument)}/1/move", instrument, code="O2", action="up")
    assert answer.status_code == 302 and answer.location.endswith("/versions/2/edit")
    db.session.expire_all()
    assert [q.code for q in instrument.versions[0].open_questions] == ["O1", "O2"]
    assert [q.code for q in instrument.versions[1].open_questions] == ["O2", "O1"]


@pytest.mark.parametrize("kind", ["json", "xlsx"])
def test_a_version_downloads_as_a_file_that_reads_back(staff, make_instrument, kind):
    from tracker.surveys.instrument_files import read_file
    from tracker.surveys.instruments import check_document, version_document

    instrument = make_instrument()
    answer = staff.get(f"{base(instrument)}/1.{kind}")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    assert check_document(read_file(f"x.{kind}", answer.data)) == version_document(instrument.latest)


def test_others_than_staff_do_not_reach_the_pages(client, make_user, make_instrument):
    from tests.conftest import login_as

    instrument = make_instrument()
    login_as(client, make_user("ministry"))
    assert client.get(f"{base(instrument)}/1").status_code == 403
