"""Adding several members at once, finding a person by search, and a duplicate address."""
from datetime import date

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.html import read
from tracker.groups.services import enrol
from tracker.people.models import MemberRole, Membership, Person

EN = {"Accept-Language": "en"}
NB = {"Accept-Language": "nb"}


@pytest.fixture
def group(db, make_cohort, make_organisation):
    """Lånekassen's group in Kull 1 (1 September 2016 to 1 July 2017), with Kari as top leader;
    Per Hansen exists in the tracker but is in no group."""
    lanekassen = make_organisation(name_nb="Lånekassen")
    enrolment = enrol(make_cohort(label="Kull 1", start_date=date(2016, 9, 1)), lanekassen)
    kari = Person(name="Kari Nordmann", email="kari@lanekassen.example.org", organisation=lanekassen)
    enrolment.memberships.append(Membership(person=kari, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1)))
    db.session.add(Person(name="Per Hansen", email="per.hansen@udir.example.org"))
    db.session.commit()
    return enrolment


def rows(response) -> list[str]:
    """The text of each row of the preview's table body."""
    html = response.get_data(as_text=True)
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in body.split("<tr>")[1:]]


def summary(response) -> str:
    html = response.get_data(as_text=True)
    part = html[html.index('class="ds-error-summary"'):]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", part[:part.index("</div>")])).split())


def counts(db):
    db.session.expire_all()
    return (db.session.scalar(select(func.count(Person.id))),
            db.session.scalar(select(func.count(Membership.id))))


def paste(client, group, lines, action="preview", joined_on="2016-09-01", headers=EN):
    return client.post(f"/people/groups/{group.id}/members/paste", headers=headers, data={
        "lines": lines, "joined_on": joined_on, "action": action, "csrf_token": csrf_token(client)})


def members(db, group):
    db.session.expire_all()
    return {(m.person.name, m.person.email, m.role, m.joined_on)
            for m in db.session.scalars(select(Membership).where(Membership.enrolment_id == group.id))}


GOOD = ("Ola Nordmann, ola@lanekassen.example.org, medlem\n"
        "Ingrid Berg\tIngrid.Berg@Lanekassen.example.org\tkontaktperson\n"
        "\n"
        "Per H.; per.hansen@udir.example.org; member\n"
        "Anne Lie, anne@lanekassen.example.org\n")


def test_the_group_page_offers_adding_several(staff, group):
    page = read(staff.get(f"/groups/{group.id}", headers=EN).data)
    assert page.all("a", href=f"/people/groups/{group.id}/members/paste")


def test_a_paste_is_previewed_then_saved_all_at_once(staff, db, group):
    before = counts(db)
    response = paste(staff, group, GOOD)
    assert response.status_code == 200
    page = read(response.data)
    lines = rows(response)
    assert len(lines) == 4
    assert "New person" in lines[0] and "Contact" in lines[1]
    assert "Existing person" in lines[2] and "Per Hansen already has this address" in lines[2]
    assert "Member" in lines[3]
    assert page.all("button", value="save")
    assert counts(db) == before  # a preview writes nothing

    response = paste(staff, group, GOOD, action="save")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/groups/{group.id}"
    assert members(db, group) == {
        ("Kari Nordmann", "kari@lanekassen.example.org", MemberRole.TOP_LEADER, date(2016, 9, 1)),
        ("Ola Nordmann", "ola@lanekassen.example.org", MemberRole.MEMBER, date(2016, 9, 1)),
        ("Ingrid Berg", "ingrid.berg@lanekassen.example.org", MemberRole.CONTACT, date(2016, 9, 1)),
        ("Per Hansen", "per.hansen@udir.example.org", MemberRole.MEMBER, date(2016, 9, 1)),  # not duplicated
        ("Anne Lie", "anne@lanekassen.example.org", MemberRole.MEMBER, date(2016, 9, 1)),
    }
    assert counts(db) == (before[0] + 3, before[1] + 4)
    ola = db.session.scalar(select(Person).where(Person.email == "ola@lanekassen.example.org"))
    assert ola.organisation_id == group.organisation_id
    assert "4 members are added to the group." in staff.get(f"/groups/{group.id}", headers=EN).get_data(as_text=True)


def test_the_date_defaults_to_the_cohorts_start_before_it_begins(staff, group, frozen_clock):
    frozen_clock(date(2016, 6, 1))
    page = read(staff.get(f"/people/groups/{group.id}/members/paste").data)
    assert page.all("input", id="joined_on")[0]["value"] == "2016-09-01"
    frozen_clock(date(2016, 11, 14))
    page = read(staff.get(f"/people/groups/{group.id}/members/paste").data)
    assert page.all("input", id="joined_on")[0]["value"] == "2016-11-14"


@pytest.mark.parametrize("bad_line, expected", [
    ("Ola Nordmann, , medlem", "Email: enter an email address."),
    ("Ola Nordmann", "Email: enter an email address."),
    ("Ola Nordmann, ikke-en-adresse, medlem", "is not a valid email address"),
    (", ola@example.org, medlem", "Name: enter the person's name."),
    ("Ola Nordmann, ola@example.org, sjef", "“sjef” is not a role"),
    ("x" * 201 + ", ola@example.org, medlem", "Name: use at most 200 characters."),
    ("Ola, " + "o" * 250 + "@example.org, medlem", "Email: use at most 254 characters."),
    ("Ola\x00Nordmann, ola@example.org, medlem", "Remove the control characters."),
    ("Ola\x0bNordmann, ola@example.org, medlem", "Remove the control characters."),
    ("Ola\x1b[31m, ola@example.org, medlem", "Remove the control characters."),
    ("Ola Nordmann, ola@example.org, medlem, ekstra", "Write name, email and role, and nothing more."),
    ("Ny Sjef, ny@example.org, toppleder", "Kari Nordmann is already the group's top leader"),
    ("Kari N., KARI@lanekassen.example.org, medlem", "Kari Nordmann is already a member of this group."),
])
def test_a_bad_line_refuses_the_whole_paste_naming_the_line(staff, db, group, bad_line, expected):
    before = counts(db)
    lines = "Ola Berg, ola.berg@example.org, medlem\n" + bad_line + "\nAnne Lie, anne@example.org\n"
    for action in ("preview", "save"):
        response = paste(staff, group, lines, action=action)
        assert response.status_code == 400, action
        page = read(response.data)
        shown = rows(response)
        assert expected in shown[1] and "Error" in shown[1]
        assert "Error" not in shown[0]
        assert not page.all("button", value="save")
        assert counts(db) == before
    assert "line 2:" in summary(response) and expected in summary(response)


def test_every_bad_line_is_listed_and_nothing_is_written(staff, db, group):
    before = counts(db)
    lines = ("Ola, ola@example.org, medlem\nOla igjen, OLA@example.org, medlem\n"
             "Berit, berit@example.org, toppleder\nEva, eva@example.org, top leader\n")
    response = paste(staff, group, lines, action="save")
    assert response.status_code == 400
    listed = summary(response)
    assert "line 2: Email: the same address is on line 1." in listed
    assert "line 3:" in listed and "line 4:" in listed and "line 1:" not in listed
    assert counts(db) == before


def test_the_refusal_is_in_the_users_language(staff, db, group):
    response = paste(staff, group, "Ola Nordmann, ola@example.org, sjef", headers=NB)
    assert response.status_code == 400
    text = read(response.data).text
    assert "Rolle: «sjef» er ikke en rolle; skriv toppleder, medlem eller kontaktperson." in text
    assert "Legg til flere medlemmer i Lånekassen (Kull 1)" in text


def test_an_empty_paste_or_too_many_lines_is_refused(staff, db, group):
    before = counts(db)
    assert paste(staff, group, "   \n\n", action="save").status_code == 400
    many = "".join(f"P{n}, p{n}@example.org, medlem\n" for n in range(101))
    response = paste(staff, group, many, action="save")
    assert response.status_code == 400
    assert "Paste at most 100 lines at a time." in read(response.data).text
    assert counts(db) == before


def test_a_late_join_date_is_refused(staff, db, group):
    before = counts(db)
    response = paste(staff, group, "Ola, ola@example.org, medlem", action="save", joined_on="2017-08-01")
    assert response.status_code == 400
    assert "The cohort ends on" in read(response.data).text
    assert counts(db) == before


def test_an_agency_leader_cannot_paste_members(client, db, group, make_user):
    from tests.conftest import login_as
    login_as(client, make_user("agency", organisation=group.organisation))
    assert client.get(f"/people/groups/{group.id}/members/paste").status_code == 403
    before = counts(db)
    assert paste(client, group, "Ola, ola@example.org", action="save").status_code == 403
    assert counts(db) == before


# Finding one person by search


def test_the_add_member_page_finds_people_by_name_or_email_without_a_list_of_everyone(staff, db, group):
    for n in range(30):
        db.session.add(Person(name=f"Navn {n:02}", email=f"navn{n}@example.org"))
    db.session.commit()
    url = f"/people/groups/{group.id}/members/new"
    page = read(staff.get(url, headers=EN).data)
    assert not page.all("select", id="person")
    # Nobody at Lånekassen is outside the group: only "nobody" is offered.
    assert [i["value"] for i in page.all("input", type="radio", name="person")] == [""]
    per = db.session.scalar(select(Person).where(Person.name == "Per Hansen"))
    page = read(staff.get(url + "?q=HANSEN", headers=EN).data)
    assert [i["value"] for i in page.all("input", type="radio", name="person")] == ["", str(per.id)]
    assert "Per Hansen (per.hansen@udir.example.org)" in page.text
    page = read(staff.get(url + "?q=udir.EXAMPLE", headers=EN).data)
    assert [i["value"] for i in page.all("input", type="radio", name="person")] == ["", str(per.id)]
    page = read(staff.get(url + "?q=navn", headers=EN).data)
    assert len(page.all("input", type="radio", name="person")) == 21  # nobody plus at most 20
    page = read(staff.get(url + "?q=kari", headers=EN).data)  # already in the group
    assert "Nobody outside the group matches “kari”." in page.text


def test_a_search_with_control_characters_is_refused(staff, group):
    response = staff.get(f"/people/groups/{group.id}/members/new?q=a%00b", headers=EN)
    assert response.status_code == 400
    assert "remove the line breaks and control characters" in read(response.data).text


def test_a_person_found_by_search_is_added(staff, db, group):
    per = db.session.scalar(select(Person).where(Person.name == "Per Hansen"))
    url = f"/people/groups/{group.id}/members/new"
    page = read(staff.get(url + "?q=per", headers=EN).data)
    assert page.all("input", type="radio", value=str(per.id))
    response = staff.post(url, data={"person": str(per.id), "role": "MEMBER", "joined_on": "2016-09-01",
                                     "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    assert ("Per Hansen", "per.hansen@udir.example.org", MemberRole.MEMBER, date(2016, 9, 1)) in members(db, group)


# A duplicate address offers the person who has it


def test_a_new_members_address_someone_has_offers_that_person(staff, db, group):
    before = counts(db)
    url = f"/people/groups/{group.id}/members/new"
    response = staff.post(url, headers=EN, data={
        "person": "", "new_name": "Per Hansen", "new_email": "Per.Hansen@udir.example.org",
        "role": "MEMBER", "joined_on": "2016-09-01", "csrf_token": csrf_token(staff)})
    assert response.status_code == 400
    page = read(response.data)
    assert "Per Hansen already has this email address: choose Per Hansen" in page.text
    per = db.session.scalar(select(Person).where(Person.name == "Per Hansen"))
    assert page.all("input", type="radio", value=str(per.id))  # offered on the page
    assert counts(db) == before
    response = staff.post(url, data={"person": str(per.id), "role": "MEMBER", "joined_on": "2016-09-01",
                                     "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    assert counts(db) == (before[0], before[1] + 1)


def test_a_new_persons_address_someone_has_links_to_that_person(staff, db, group):
    before = counts(db)
    response = staff.post("/people/new", headers=EN, data={
        "name": "Kari N.", "email": "KARI@lanekassen.example.org", "title": "", "organisation": "",
        "csrf_token": csrf_token(staff)})
    assert response.status_code == 400
    page = read(response.data)
    assert "Kari Nordmann already has this email address." in page.text
    kari = db.session.scalar(select(Person).where(Person.name == "Kari Nordmann"))
    assert page.all("a", href=f"/people/{kari.id}")
    assert counts(db) == before


def test_a_spreadsheets_heading_row_is_skipped(staff, db, group):
    response = paste(staff, group, "Navn\tE-post\tRolle\nOla Nordmann\tola@example.org\tmedlem\n")
    assert response.status_code == 200
    shown = rows(response)
    assert len(shown) == 1 and shown[0].startswith("2 Ola Nordmann")


def test_a_long_paste_is_checked_in_as_many_queries_as_a_short_one(staff, db, group, count_queries):
    for n in range(10):
        db.session.add(Person(name=f"Kjent {n}", email=f"kjent{n}@example.org"))
    db.session.commit()
    short = "".join(f"Kjent {n}, kjent{n}@example.org\n" for n in range(2)) + "Ny, ny@example.org\n"
    long = short + "".join(f"Kjent {n}, kjent{n}@example.org\n" for n in range(2, 10)) + "".join(
        f"Ny {n}, ny{n}@example.org\n" for n in range(40))
    token = csrf_token(staff)

    def preview(lines):
        return staff.post(f"/people/groups/{group.id}/members/paste", headers=EN, data={
            "lines": lines, "joined_on": "2016-09-01", "action": "preview", "csrf_token": token})

    preview(short)  # the first request of a sign-in notes its use once
    with count_queries() as few:
        assert preview(short).status_code == 200
    with count_queries() as many:
        assert preview(long).status_code == 200
    assert many["n"] == few["n"]


# A namesake and lines of separators (review of issue 11, item 10)


def test_a_line_with_the_name_of_someone_in_the_group_is_flagged_and_needs_confirming(staff, db, group):
    before = counts(db)
    lines = "  kari   NORDMANN ; kari.n@example.org\nOla Nordmann, ola@lanekassen.example.org\n"
    preview = paste(staff, group, lines)
    assert preview.status_code == 200
    first, second = rows(preview)
    assert ("Kari Nordmann is already in this group as top leader, with another address "
            "(kari@lanekassen.example.org): is this the same person?") in first
    assert "Add anyway" in first and "New person" in second
    page = read(preview.data)
    [box] = page.all("input", name="add_anyway")
    assert box["value"] == "1|kari.n@example.org" and box["form"] == "paste-form"

    refused = paste(staff, group, lines, action="save")
    assert refused.status_code == 400
    assert "line 1 (kari NORDMANN)" in summary(refused)
    assert counts(db) == before, "nothing is added until the namesake is confirmed"

    # A tick given to another line (or an edited paste) does not count.
    staff.post(f"/people/groups/{group.id}/members/paste", headers=EN, data={
        "lines": lines, "joined_on": "2016-09-01", "action": "save",
        "add_anyway": "1|other@example.org", "csrf_token": csrf_token(staff)})
    assert counts(db) == before

    saved = staff.post(f"/people/groups/{group.id}/members/paste", headers=EN, data={
        "lines": lines, "joined_on": "2016-09-01", "action": "save",
        "add_anyway": "1|kari.n@example.org", "csrf_token": csrf_token(staff)})
    assert saved.status_code == 302
    assert counts(db) == (before[0] + 2, before[1] + 2)


def test_the_namesake_warning_is_in_the_readers_language(staff, db, group):
    preview = paste(staff, group, "Kari Nordmann; kari.n@example.org", headers=NB)
    assert ("Kari Nordmann er allerede i denne gruppen som toppleder, med en annen adresse "
            "(kari@lanekassen.example.org): er dette samme person?") in rows(preview)[0]


def test_the_same_person_by_address_is_no_namesake(staff, db, group):
    preview = paste(staff, group, "Kari Nordmann; kari@lanekassen.example.org")
    [row] = rows(preview)
    assert "already a member of this group" in row and "Add anyway" not in row


@pytest.mark.parametrize("separators", [";;", ",,", "\t\t", " ; , ", ";"])
def test_a_line_of_separators_only_is_skipped_like_an_empty_line(staff, db, group, separators):
    lines = f"Ola Nordmann, ola@lanekassen.example.org\n{separators}\nAnne Lie, anne@lanekassen.example.org\n"
    preview = paste(staff, group, lines)
    assert preview.status_code == 200
    assert len(rows(preview)) == 2
    assert paste(staff, group, lines, action="save").status_code == 302
    assert {m[0] for m in members(db, group)} == {"Kari Nordmann", "Ola Nordmann", "Anne Lie"}
