"""The organisation list: fifty to a page under their ministries, a search by name or number
that folds case and æøå alike on SQLite and PostgreSQL, page numbers that cannot exist, hostile
search text, and a statement count that does not grow with the organisations."""
import re

import pytest

from tracker.organisations.models import OrganisationKind

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}


def with_check_digit(first_eight: str) -> str | None:
    """A valid organisation number from eight digits, or None when they have none."""
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(w * int(d) for w, d in zip(weights, first_eight)) % 11
    if remainder == 1:
        return None
    return first_eight + str(0 if remainder == 0 else 11 - remainder)


def listed(html: str) -> list[str]:
    """The organisations the page links to, in order."""
    return re.findall(r'href="/organisations/\d+">([^<]+)</a>', html)


@pytest.fixture
def sector(make_organisation):
    ministry = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD",
                                 kind=OrganisationKind.MINISTRY)
    make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir", owning_ministry=ministry,
                      org_number=with_check_digit("97081876"))
    make_organisation(name_nb="Direktoratet for forvaltning og økonomistyring", short_name="DFØ",
                      name_en="Norwegian Agency for Public and Financial Management")
    make_organisation(name_nb="Årsta kompetansesenter")
    make_organisation(name_nb="Senter for André-studier")
    make_organisation(name_nb="Tilsyn_for_100%")
    return ministry


def search(client, text, headers=NB, **extra):
    """The list searched for `text`, in bokmål (which shows the bokmål names) unless told."""
    return client.get("/organisations/", query_string={"q": text, **extra}, headers=headers)


@pytest.mark.parametrize("text, found", [
    ("udir", "Utdanningsdirektoratet"),
    ("UTDANNINGS", "Utdanningsdirektoratet"),
    ("ØKONOMI", "Direktoratet for forvaltning og økonomistyring"),
    ("økonomi", "Direktoratet for forvaltning og økonomistyring"),
    ("dfø", "Direktoratet for forvaltning og økonomistyring"),
    ("Financial", "Direktoratet for forvaltning og økonomistyring"),
    ("ÅRSTA", "Årsta kompetansesenter"),
    ("andre", "Senter for André-studier"),
    ("ANDRÉ", "Senter for André-studier"),
    ("970818", "Utdanningsdirektoratet"),
    ("970 818", "Utdanningsdirektoratet"),
    ("_for_", "Tilsyn_for_100%"),
    ("100%", "Tilsyn_for_100%"),
])
def test_the_search_finds_by_name_or_number_whatever_the_case(staff, db, sector, text, found):
    db.session.commit()
    response = search(staff, text)
    assert response.status_code == 200
    names = " ".join(listed(response.get_data(as_text=True)))
    assert found in names


def test_the_search_lists_only_what_it_finds_under_its_ministry(staff, db, sector):
    db.session.commit()
    html = search(staff, "utdanning").get_data(as_text=True)
    # The ministry heads its agency, though the ministry itself does not match.
    assert listed(html) == ["Kunnskapsdepartementet (KD)", "Utdanningsdirektoratet (Udir)"]
    assert "Årsta" not in html
    assert "No agencies recorded" not in html


@pytest.mark.parametrize("text", ["%", "_", "'", '"', "\\", "%_%", "' OR 1=1 --", "a" * 200])
def test_wildcards_and_quotes_are_searched_as_they_are(staff, db, sector, text):
    db.session.commit()
    response = search(staff, text)
    assert response.status_code == 200
    names = listed(response.get_data(as_text=True))
    expected = {"%": ["Tilsyn_for_100%"], "_": ["Tilsyn_for_100%"]}.get(text, [])
    assert names == expected


@pytest.mark.parametrize("text", ["Udir\x00", "Udir\x1b[31m", "a\nb", "\u202eridU"])
def test_a_control_character_in_the_search_is_a_400_naming_the_search(staff, db, sector, text):
    db.session.commit()
    response = search(staff, text, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Search by name or organisation number: remove the line breaks" in html
    assert listed(html) == []


def test_a_search_longer_than_a_search_is_a_400_naming_the_search(staff, db, sector):
    db.session.commit()
    response = search(staff, "Udir" * 2_500, headers=EN)
    assert response.status_code == 400
    assert ("Search by name or organisation number: at most 200 characters."
            in response.get_data(as_text=True))


def test_the_search_speaks_the_readers_language(staff, db, sector):
    db.session.commit()
    response = staff.get("/organisations/", query_string={"q": "x\x00"}, headers=NB)
    assert "Søk etter navn eller organisasjonsnummer: " in response.get_data(as_text=True)


def test_fifty_to_a_page_and_the_pages_keep_the_search(staff, db, make_organisation):
    ministry = make_organisation(name_nb="Testdepartementet", kind=OrganisationKind.MINISTRY)
    for n in range(120):
        make_organisation(name_nb=f"Æøå-etaten {n:03}", owning_ministry=ministry)
    make_organisation(name_nb="Annet organ")
    db.session.commit()
    first = search(staff, "æøå-ETATEN", headers=EN).get_data(as_text=True)
    assert listed(first)[0] == "Testdepartementet"
    assert len(listed(first)) == 51  # the ministry heads the page, and fifty agencies
    assert "Page 1 of 3" in first
    assert 'href="/organisations/?page=2&amp;q=%C3%A6%C3%B8%C3%A5-ETATEN"' in first
    third = search(staff, "æøå-ETATEN", headers=EN, page=3).get_data(as_text=True)
    # The ministry heads its agencies again on the page they run on to.
    assert listed(third) == ["Testdepartementet"] + [f"Æøå-etaten {n}" for n in range(100, 120)]
    assert "Annet organ" not in third
    assert "Page 3 of 3" in third


def test_each_ministry_heads_its_agencies_and_the_unowned_come_last(staff, db, sector):
    db.session.commit()
    html = staff.get("/organisations/", headers=NB).get_data(as_text=True)
    assert listed(html) == ["Kunnskapsdepartementet (KD)", "Utdanningsdirektoratet (Udir)",
                            "Direktoratet for forvaltning og økonomistyring (DFØ)",
                            "Senter for André-studier", "Tilsyn_for_100%",
                            "Årsta kompetansesenter"]
    assert html.index("Uten overordnet departement") > html.index("Utdanningsdirektoratet")


def test_a_ministry_viewer_sees_only_their_scope(client, db, make_user, sector):
    from tests.conftest import login_as

    viewer = make_user("ministry", organisation=sector)
    login_as(client, viewer)
    html = search(client, "").get_data(as_text=True)
    assert listed(html) == ["Kunnskapsdepartementet (KD)", "Utdanningsdirektoratet (Udir)"]


@pytest.mark.parametrize("page", ["4", str(2**31 - 1)])
def test_a_page_past_the_end_is_a_404_naming_the_last_page(staff, db, make_organisation, page):
    for n in range(101):
        make_organisation(name_nb=f"Etat {n:03}")
    db.session.commit()
    response = search(staff, "etat", headers=EN, page=page)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f"This list has 3 pages, so there is no page {page}." in html
    assert '<a class="ds-link" href="/organisations/?q=etat&amp;page=3">Go to the last page</a>' in html


def test_an_empty_list_has_one_page(staff, db):
    response = search(staff, "ingen slik", headers=EN, page="2")
    assert response.status_code == 404
    assert "This list has 1 page, so there is no page 2." in response.get_data(as_text=True)
    assert search(staff, "ingen slik").status_code == 200


@pytest.mark.parametrize("page", ["0", "-1", "junk", "1e3", "²", "", str(2**63), "1\x00"])
def test_a_page_number_that_cannot_exist_is_a_404_in_the_readers_language(staff, db, page):
    response = staff.get("/organisations/", query_string={"page": page, "q": "x"}, headers=NB)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "er ikke et sidetall" in html
    assert 'href="/organisations/?q=x&amp;page=1">Gå til første side</a>' in html


def test_the_statements_do_not_grow_with_the_organisations(staff, db, make_organisation,
                                                           count_queries):
    ministry = make_organisation(name_nb="Departementet", kind=OrganisationKind.MINISTRY)

    def statements(query_string) -> int:
        with count_queries() as counter:
            assert staff.get("/organisations/", query_string=query_string).status_code == 200
        return counter["n"]

    def add(first, last):
        for n in range(first, last):
            make_organisation(name_nb=f"Etat {n:03}", owning_ministry=ministry if n % 2 else None)
        db.session.commit()

    staff.get("/organisations/")  # the sign-in's first request
    add(0, 10)
    few = [statements({}), statements({"q": "etat 0"}), statements({"page": 1, "q": "ETAT"})]
    add(10, 200)
    many = [statements({}), statements({"q": "etat 0"}), statements({"page": 4, "q": "ETAT"})]
    assert many == few
    assert max(many) <= 15
