"""Every page renders in bokmål, nynorsk and English with the structure assistive technology relies on."""
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.groups.services import enrol
from tracker.i18n import local_date, local_datetime
from tracker.organisations.models import OrganisationKind
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Session, SessionStatus

# A word of the main menu that only that language uses.
LANGUAGES = {"nb": "Virksomheter", "nn": "Verksemder", "en": "Organisations"}


@pytest.fixture
def client(client, make_user):
    """A client signed in as a coordinator, who may see every page here."""
    login_as(client, make_user("coordinator"))
    return client


@pytest.fixture
def programme_data(db, make_cohort, make_organisation):
    """A cohort with a ministry and an agency enrolled and one joint session."""
    ministry = make_organisation(name_nb="Kunnskapsdepartementet", name_en="Ministry of Education and Research",
                                 short_name="KD", kind=OrganisationKind.MINISTRY, org_number="872417842")
    agency = make_organisation(name_nb="Utdanningsdirektoratet", name_en="Norwegian Directorate for Education and Training",
                               short_name="Udir", owning_ministry=ministry, org_number="970018131")
    idle = make_organisation(name_nb="Lånekassen", owning_ministry=ministry)
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 9, 5))
    enrol(cohort, ministry)
    enrolment = enrol(cohort, agency)
    module = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                          name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING, is_joint=True,
                          offset_weeks=8)
    start = datetime(2016, 10, 31, 9, tzinfo=ZoneInfo("Europe/Oslo"))
    db.session.add(Session(cohort=cohort, module=module, starts_at=start, ends_at=start + timedelta(hours=6),
                           location="Difi, Grev Wedels plass 9, Oslo", status=SessionStatus.HELD))
    db.session.commit()
    return {"cohort": cohort, "ministry": ministry, "agency": agency, "idle": idle, "enrolment": enrolment}


def page_urls(data) -> list[str]:
    return [
        "/",
        f"/cohorts/{data['cohort'].id}",
        "/organisations/",
        f"/organisations/{data['ministry'].id}",
        f"/organisations/{data['agency'].id}",
        f"/organisations/{data['idle'].id}",
        f"/groups/{data['enrolment'].id}",
        "/people/",
        "/audit/",
        f"/audit/cohorts/{data['cohort'].id}",
        f"/audit/groups/{data['enrolment'].id}",
        "/account/password",
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_with_landmarks_one_h1_and_a_unique_title(client, programme_data, lang):
    titles = set()
    for url in page_urls(programme_data):
        response = client.get(url, headers={"Accept-Language": lang})
        assert response.status_code == 200, url
        page = read(response.data)
        assert page.all("html")[0]["lang"] == lang
        assert page.count("h1") == 1, url
        for landmark in ("header", "nav", "main", "footer"):
            assert page.count(landmark) >= 1, (url, landmark)
        assert page.all("a", **{"class": "ds-skip-link", "href": "#main"}), url
        assert page.all("main", id="main")
        if page.count("table"):
            assert page.count("th") > 0, url
        assert all(th.get("scope") in ("col", "row") for th in page.all("th")), url
        titles.add(page.title)
        assert LANGUAGES[lang] in page.text, url
    assert len(titles) == len(page_urls(programme_data))


def test_home_leads_to_each_finished_cohort_with_its_facts(client, programme_data):
    """The home page lists the current and coming cohorts; a finished one (Kull 1, autumn 2016)
    is one link away, on its programme's list of finished cohorts, with its term and dates."""
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    link = re.search(r'<a class="ds-link" href="([^"]+)">1 finished cohort<', html)
    page = read(client.get(link.group(1), headers={"Accept-Language": "en"}).data)
    assert "Kull 1" in page.text
    assert "Autumn 2016" in page.text
    assert "5 September 2016" in page.text and "5 July 2017" in page.text


def test_cohort_page_lists_groups_with_owning_ministry_and_sessions(client, programme_data):
    html = client.get(f"/cohorts/{programme_data['cohort'].id}").get_data(as_text=True)
    page = read(html)
    assert "Utdanningsdirektoratet (Udir)" in page.text
    assert "Kunnskapsdepartementet (KD)" in page.text
    assert "Fellessamling 1" in page.text
    assert "Gjennomført" in page.text
    # Stored in UTC, shown in Oslo time: 09.00 on a winter day (a Norwegian clock).
    assert "09.00" in page.text
    assert 'datetime="2016-10-31T08:00:00+00:00"' in html


def test_organisations_are_grouped_under_their_ministry(client, programme_data):
    html = client.get("/organisations/").get_data(as_text=True)
    ministry_at = html.index("Kunnskapsdepartementet")
    assert ministry_at < html.index("Utdanningsdirektoratet") and ministry_at < html.index("Lånekassen")


def test_organisation_page_shows_its_participation_history(client, programme_data):
    page = read(client.get(f"/organisations/{programme_data['agency'].id}", headers={"Accept-Language": "en"}).data)
    assert "970018131" in page.text
    assert "Kull 1" in page.text and "Invited" in page.text
    idle = read(client.get(f"/organisations/{programme_data['idle'].id}", headers={"Accept-Language": "en"}).data)
    assert "has not taken part" in idle.text
    assert "Not known" in idle.text


@pytest.mark.parametrize("url", ["/cohorts/999999", "/organisations/999999", "/no/such/page"])
@pytest.mark.parametrize("lang, heading", [("nb", "Fant ikke siden"), ("nn", "Fann ikkje sida"),
                                           ("en", "Page not found")])
def test_unknown_ids_give_the_apps_own_404_page(client, url, lang, heading):
    response = client.get(url, headers={"Accept-Language": lang})
    assert response.status_code == 404
    page = read(response.data)
    assert page.count("h1") == 1 and heading in page.text
    assert page.all("a", **{"class": "ds-skip-link", "href": "#main"})


def test_json_callers_get_a_problem_document(client):
    response = client.get("/cohorts/999999", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def switch_buttons(page) -> dict[str, str]:
    """The language switch's buttons: the language each chooses, and the lang it is marked with."""
    return {button["value"]: button.get("lang") for button in page.all("button", name="lang", type="submit")}


def switch_form(html: str) -> str:
    start = html.index('action="/language"')
    return html[start:html.index("</form>", start)]


def test_language_switch_is_a_form_that_remembers_the_choice(client, programme_data):
    page = read(client.get("/organisations/").data)
    forms = page.all("form", action="/language")
    assert forms and forms[0]["method"] == "post"
    response = client.post("/language", data={"lang": "en", "next": "/organisations/",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/"
    assert read(client.get("/organisations/").data).all("html")[0]["lang"] == "en"
    client.post("/language", data={"lang": "nb", "next": "/", "csrf_token": csrf_token(client)})
    assert read(client.get("/").data).all("html")[0]["lang"] == "nb"


@pytest.mark.parametrize("lang, offered", [("nb", {"nn", "en"}), ("nn", {"nb", "en"}), ("en", {"nb", "nn"})])
def test_language_switch_offers_the_two_other_languages_each_named_in_itself(client, lang, offered):
    client.post("/language", data={"lang": lang, "next": "/", "csrf_token": csrf_token(client)})
    html = client.get("/").get_data(as_text=True)
    page = read(html)
    assert page.all("html")[0]["lang"] == lang
    assert switch_buttons(page) == {code: code for code in offered}
    labels = read(switch_form(html)).text
    for code, name in {"nb": "Norsk (bokmål)", "nn": "Norsk (nynorsk)", "en": "English"}.items():
        assert (name in labels) == (code in offered), (lang, name)


def test_switching_to_nynorsk_works_without_javascript(client, programme_data):
    page = read(client.get("/organisations/", headers={"Accept-Language": "nb"}).data)
    assert page.all("html")[0]["lang"] == "nb" and "nn" in switch_buttons(page)
    response = client.post("/language", data={"lang": "nn", "next": "/organisations/",
                                              "csrf_token": csrf_token(client)})
    assert response.status_code == 302 and response.headers["Location"] == "/organisations/"
    # The choice outranks the browser's language from now on.
    page = read(client.get("/organisations/", headers={"Accept-Language": "en"}).data)
    assert page.all("html")[0]["lang"] == "nn"
    assert "Verksemder" in page.text and "Departementa og verksemdene under dei" in page.text
    assert "Virksomheter" not in page.text


def test_dates_are_written_in_nynorsk(client, app, db, programme_data):
    cohort_id = programme_data["cohort"].id
    session_id = db.session.scalar(select(Session.id).where(Session.cohort_id == cohort_id))
    url = f"/schedule/sessions/{session_id}/attendance"
    html = {lang: client.get(url, headers={"Accept-Language": lang}).get_data(as_text=True) for lang in ("nb", "nn")}
    # Monday 31 October 2016: nynorsk says "må." (måndag) where bokmål says "man." (mandag).
    assert "må. 31. okt. 2016 kl. 09.00" in html["nn"] and "man. 31. okt. 2016" not in html["nn"]
    assert "man. 31. okt. 2016 kl. 09.00" in html["nb"]
    with app.test_request_context("/", headers={"Accept-Language": "nn"}):
        assert local_date(date(2016, 10, 31), "full") == "måndag 31. oktober 2016"
        assert local_date(date(2017, 3, 4), "full") == "laurdag 4. mars 2017"
        # 08:00 UTC is 09:00 in Oslo, on a Tuesday.
        tuesday_morning = datetime(2017, 3, 7, 8, tzinfo=ZoneInfo("UTC"))
        assert local_datetime(tuesday_morning, "EEEE d. MMMM HH:mm") == "tysdag 7. mars 09.00"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_language_switch_never_leaves_the_app(client, target):
    response = client.post("/language", data={"lang": "en", "next": target, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


def test_language_switch_refuses_an_unknown_language(client):
    assert client.post("/language", data={"lang": "xx", "csrf_token": csrf_token(client)}).status_code == 400
    assert read(client.get("/").data).all("html")[0]["lang"] == "nb"


@pytest.mark.parametrize("header, expected", [("en-GB,en;q=0.9", "en"), ("nb-NO,nb;q=0.9", "nb"), ("no", "nb"),
                                              ("no-NO,no;q=0.9,en;q=0.5", "nb"), ("nn", "nn"),
                                              ("nn-NO,nn;q=0.9,nb;q=0.8,en;q=0.5", "nn"),
                                              ("de", "nb"), ("", "nb")])
def test_browser_language_picks_the_page_language(client, header, expected):
    page = read(client.get("/", headers={"Accept-Language": header}).data)
    assert page.all("html")[0]["lang"] == expected


def test_an_error_page_keeps_what_the_error_says_beyond_its_status(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.mimetype == "text/html"
