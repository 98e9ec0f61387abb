"""Notice of absence and stand-ins (issue 13, item 2): a participant, their group's contact
person or staff says before a session that someone cannot come, with a reason and a stand-in
from the same organisation; the coordinator sees it on the roster as excused in advance and
accepts or declines the stand-in, who is then expected at that one session; the register and
the attention list count a notice given in advance apart from an absence without one."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.outbox import queued, text_of
from tracker.extensions import db as _db
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.outbox.models import MailKind
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.absence import give_notice
from tests.schedule.reference_attendance import group_attendance
from tracker.schedule.attendance import AttendanceTally, expected_people
from tracker.schedule.models import (
    AbsenceNotice,
    Attendance,
    AttendanceStatus,
    NoticeGiver,
    Session,
    SessionGuest,
    SessionStatus,
    StandInDecision,
)

OSLO = ZoneInfo("Europe/Oslo")
EN = {"Accept-Language": "en"}
START = date(2027, 3, 8)
TODAY = date(2027, 4, 1)  # the clock in every test: before the coaching in May


def at(day: date, hour=9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)


@pytest.fixture
def world(db, make_cohort, make_organisation, make_user, frozen_clock):
    """Kull 9: Udir's group (Ada the top leader, Ulf a member, Cora the contact), Bufdir's
    (Bodil); Sara of Udir in no group (a stand-in), Per of Bufdir; Udir's own coaching on
    18 May and a joint gathering on 1 June; each of Ada, Ulf, Cora and Bodil signs in."""
    frozen_clock(TODAY)
    cohort = make_cohort(label="Kull 9", start_date=START)
    gathering = CourseModule(programme=cohort.programme, position=1, name_nb="Samling",
                             name_en="Gathering", kind=ModuleKind.JOINT_GATHERING,
                             is_joint=True, offset_weeks=0, duration_days=1)
    coaching = CourseModule(programme=cohort.programme, position=2, name_nb="Veiledning",
                            name_en="Coaching", kind=ModuleKind.GROUP_WORK, is_joint=False,
                            offset_weeks=10, duration_days=1, hours_per_day=3)
    db.session.add_all([gathering, coaching])
    udir_org = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir")
    bufdir_org = make_organisation(name_nb="Bufdir", short_name="Bufdir")
    udir = enrol(cohort, udir_org, status=EnrolmentStatus.CONFIRMED)
    bufdir = enrol(cohort, bufdir_org, status=EnrolmentStatus.CONFIRMED)
    people = {}

    def add(enrolment, name, role):
        person = Person(name=name, email=f"{name.lower()}@example.org",
                        organisation=enrolment.organisation)
        enrolment.memberships.append(Membership(person=person, role=role, joined_on=START))
        people[name] = person

    add(udir, "Ada", MemberRole.TOP_LEADER)
    add(udir, "Ulf", MemberRole.MEMBER)
    add(udir, "Cora", MemberRole.CONTACT)
    add(bufdir, "Bodil", MemberRole.TOP_LEADER)
    people["Sara"] = Person(name="Sara", email="sara@example.org", organisation=udir_org)
    people["Per"] = Person(name="Per", email="per@example.org", organisation=bufdir_org)
    db.session.add_all([people["Sara"], people["Per"]])
    coaching_session = Session(cohort=cohort, module=coaching, enrolment=udir,
                               starts_at=at(date(2027, 5, 18)), ends_at=at(date(2027, 5, 18), 12),
                               location="Udir, Oslo", status=SessionStatus.PLANNED)
    joint = Session(cohort=cohort, module=gathering, starts_at=at(date(2027, 6, 1)),
                    ends_at=at(date(2027, 6, 1), 16), location="Oslo", status=SessionStatus.PLANNED)
    db.session.add_all([coaching_session, joint])
    db.session.commit()
    users = {}
    for name, organisation in (("Ada", udir_org), ("Ulf", udir_org), ("Cora", udir_org),
                               ("Bodil", bufdir_org)):
        user = make_user("agency", organisation=organisation, email=f"{name.lower()}.user@example.org")
        user.person = people[name]
        users[name] = user
    users["coordinator"] = make_user("coordinator", email="koordinator@example.org")
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "bufdir": bufdir, "coaching": coaching_session,
            "joint": joint, "users": users, **people}


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, headers=EN)


def notice_url(session):
    return f"/schedule/sessions/{session.id}/absence"


def notices():
    return _db.session.scalars(select(AbsenceNotice)).all()


# Giving notice


def test_a_participant_gives_notice_with_a_reason_and_the_contact_person_is_told(client, world):
    login_as(client, world["users"]["Ulf"])
    page = client.get(notice_url(world["coaching"]), headers=EN)
    assert page.status_code == 200 and "I cannot come" in page.get_data(as_text=True)

    response = post(client, notice_url(world["coaching"]), person=world["Ulf"].id,
                    reason="Tannlege")

    assert response.status_code == 302
    [notice] = notices()
    assert (notice.person, notice.reason, notice.given_as, notice.stand_in) == (
        world["Ulf"], "Tannlege", NoticeGiver.PERSON, None)
    assert notice.given_by_id == world["users"]["Ulf"].id
    # No stand-in to decide: the coordinators see it on the roster; the contact hears of it.
    assert queued(MailKind.ABSENCE_NOTICE, to="koordinator@example.org") == []
    [mail] = queued(MailKind.ABSENCE_NOTICE, to="cora@example.org")
    assert "Ulf" in mail["Subject"] and "kan ikke komme" in text_of(mail)
    assert "Tannlege" not in text_of(mail)  # the reason never goes by mail


def test_the_roster_shows_the_notice_as_excused_in_advance_and_prefills_excused(client, world):
    give_notice(world["coaching"], world["Ulf"].id, user=world["users"]["Ulf"], reason="Tannlege")
    _db.session.commit()
    login_as(client, world["users"]["coordinator"])

    html = client.get(f"/schedule/sessions/{world['coaching'].id}/attendance",
                      headers=EN).get_data(as_text=True)

    assert "Excused in advance" in html and "Tannlege" in html
    assert f'name="status_{world["Ulf"].id}" type="radio" value="EXCUSED" checked' in html \
        or f'checked id="status_{world["Ulf"].id}-1"' in html or _checked(html, world["Ulf"].id)


def _checked(html, person_id) -> bool:
    from tests.html import read

    return any(a.get("value") == "EXCUSED" and "checked" in a
               for a in read(html).all("input", name=f"status_{person_id}"))


def test_a_stand_in_is_proposed_accepted_and_then_expected_with_its_reminder(client, world, app):
    login_as(client, world["users"]["Ada"])
    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in=world["Sara"].id)
    assert response.status_code == 302
    [notice] = notices()
    assert notice.stand_in == world["Sara"] and notice.stand_in_decision is StandInDecision.PENDING
    [to_coordinator] = queued(MailKind.ABSENCE_NOTICE, to="koordinator@example.org")
    assert "Sara" in text_of(to_coordinator)
    assert world["Sara"] not in expected_people(world["coaching"])

    login_as(client, world["users"]["coordinator"])
    roster = client.get(f"/schedule/sessions/{world['coaching'].id}/attendance", headers=EN)
    assert "Waiting for a coordinator" in roster.get_data(as_text=True)
    response = post(client, f"/schedule/sessions/{world['coaching'].id}/absence/stand-in",
                    notice=notice.id, decision="accept")

    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(AbsenceNotice, notice.id).stand_in_decision is StandInDecision.ACCEPTED
    assert _db.session.scalar(select(SessionGuest).where(SessionGuest.person_id == world["Sara"].id))
    assert world["Sara"] in expected_people(world["coaching"])
    [told] = queued(MailKind.ABSENCE_NOTICE, to="sara@example.org")
    assert "stedfortreder" in text_of(told) and "Ada" in text_of(told)
    [ics] = [part for part in told.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert b"BEGIN:VEVENT" in ics.get_content().encode() if isinstance(ics.get_content(), str) \
        else b"BEGIN:VEVENT" in ics.get_content()
    # The reminder run finds the stand-in like any member.
    from tracker.reminders.services import due_reminders, start_of_day

    due = due_reminders(date(2027, 5, 11), start_of_day(date(2027, 5, 11)), (7,))
    assert world["Sara"] in {d.person for d in due if d.session.id == world["coaching"].id}


def test_a_declined_stand_in_is_not_expected(client, world):
    notice = give_notice(world["coaching"], world["Ada"].id, user=world["users"]["Ada"],
                         stand_in_id=world["Sara"].id)
    _db.session.commit()
    login_as(client, world["users"]["coordinator"])

    response = post(client, f"/schedule/sessions/{world['coaching'].id}/absence/stand-in",
                    notice=notice.id, decision="decline")

    assert response.status_code == 302
    _db.session.expire_all()
    assert _db.session.get(AbsenceNotice, notice.id).stand_in_decision is StandInDecision.DECLINED
    assert world["Sara"] not in expected_people(world["coaching"])
    assert queued(MailKind.ABSENCE_NOTICE, to="sara@example.org") == []
    # Deciding again is refused, naming the notice.
    again = post(client, f"/schedule/sessions/{world['coaching'].id}/absence/stand-in",
                 notice=notice.id, decision="accept")
    assert again.status_code == 400 and "no stand-in waiting" in again.get_data(as_text=True)


def test_a_new_stand_in_is_made_a_person_of_the_organisation(client, world):
    login_as(client, world["users"]["Ada"])

    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in_name="Nina Ny", stand_in_email="Nina.Ny@Example.org")

    assert response.status_code == 302
    [notice] = notices()
    assert (notice.stand_in.name, notice.stand_in.email, notice.stand_in.organisation) == (
        "Nina Ny", "nina.ny@example.org", world["udir"].organisation)


def test_the_contact_person_gives_notice_for_a_member(client, world):
    login_as(client, world["users"]["Cora"])
    page = client.get(notice_url(world["coaching"]), headers=EN).get_data(as_text=True)
    assert "Ada" in page and "Ulf" in page

    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id, reason="Syk")

    assert response.status_code == 302
    [notice] = notices()
    assert notice.given_as is NoticeGiver.CONTACT
    # Given by the contact: the contact is not told of it again.
    assert queued(MailKind.ABSENCE_NOTICE) == []


def test_staff_give_notice_on_anyones_behalf(client, world):
    login_as(client, world["users"]["coordinator"])
    response = post(client, notice_url(world["joint"]), person=world["Bodil"].id)
    assert response.status_code == 302
    assert notices()[0].given_as is NoticeGiver.STAFF


def test_my_sessions_lists_the_upcoming_ones_with_an_action(client, world):
    give_notice(world["joint"], world["Ulf"].id, user=world["users"]["Ulf"])
    _db.session.commit()
    login_as(client, world["users"]["Ulf"])

    html = client.get("/schedule/absence/mine", headers=EN).get_data(as_text=True)

    assert "Coaching" in html and "Gathering" in html
    assert f"{notice_url(world['coaching'])}?person={world['Ulf'].id}" in html
    assert "Excused in advance" in html


def test_the_reason_is_read_by_the_person_and_staff_not_by_the_rest_of_the_group(client, world):
    give_notice(world["coaching"], world["Ulf"].id, user=world["users"]["Ulf"],
                reason="Markør-grunn")
    _db.session.commit()
    for who, reads in (("Ulf", True), ("coordinator", True), ("Cora", False), ("Ada", False)):
        login_as(client, world["users"][who])
        html = client.get(notice_url(world["coaching"]), headers=EN).get_data(as_text=True)
        assert ("Markør-grunn" in html) is reads, who
    # Ada sees no one's notice but her own (she speaks for no one else).
    assert "Ulf" not in html.split("Notices given")[-1] if "Notices given" in html else True


# Withdrawing


def test_a_notice_is_withdrawn_with_its_accepted_stand_in(client, world):
    from tracker.schedule.absence import decide_stand_in

    notice = give_notice(world["coaching"], world["Ada"].id, user=world["users"]["Ada"],
                         stand_in_id=world["Sara"].id)
    decide_stand_in(world["coaching"], notice.id, accept=True)
    _db.session.commit()
    login_as(client, world["users"]["Ada"])

    response = post(client, f"{notice_url(world['coaching'])}/withdraw", notice=notice.id)

    assert response.status_code == 302
    _db.session.expire_all()
    assert notices() == []
    assert world["Sara"] not in expected_people(world["coaching"])
    # A new notice may follow.
    assert post(client, notice_url(world["coaching"]), person=world["Ada"].id).status_code == 302


def test_someone_else_cannot_withdraw_a_notice(client, world):
    notice = give_notice(world["coaching"], world["Ada"].id, user=world["users"]["Ada"])
    _db.session.commit()
    login_as(client, world["users"]["Ulf"])
    response = post(client, f"{notice_url(world['coaching'])}/withdraw", notice=notice.id)
    assert response.status_code == 403
    assert len(notices()) == 1


# Bad input: a clear message naming the field, nothing changed


def test_a_notice_for_someone_one_may_not_speak_for_is_refused(client, world):
    login_as(client, world["users"]["Ulf"])
    assert post(client, notice_url(world["coaching"]), person=world["Ada"].id).status_code == 403
    # Another group's session is not there at all for Ulf.
    login_as(client, world["users"]["Bodil"])
    assert client.get(notice_url(world["coaching"])).status_code == 404
    assert post(client, notice_url(world["coaching"]), person=world["Ada"].id).status_code == 404
    assert notices() == []


def test_a_notice_for_someone_not_expected_names_the_person(client, world):
    login_as(client, world["users"]["coordinator"])
    response = post(client, notice_url(world["coaching"]), person=world["Sara"].id)
    assert response.status_code == 400
    assert "Person: choose someone expected at this session." in response.get_data(as_text=True)
    assert notices() == []


@pytest.mark.parametrize("status", [SessionStatus.CANCELLED, None])
def test_a_notice_for_a_session_cancelled_or_started_is_refused(client, world, frozen_clock, status):
    session = world["coaching"]
    if status is SessionStatus.CANCELLED:
        session.status = SessionStatus.CANCELLED
        session.cancellation_reason = "Avlyst."
        _db.session.commit()
    login_as(client, world["users"]["coordinator"])
    if status is None:
        frozen_clock(session.starts_at + timedelta(minutes=5))
        login_as(client, world["users"]["coordinator"])
    page = client.get(notice_url(session), headers=EN).get_data(as_text=True)
    assert ("is cancelled" if status else "has started") in page

    response = post(client, notice_url(session), person=world["Ulf"].id)

    assert response.status_code == 400
    assert "Session:" in response.get_data(as_text=True)
    assert notices() == []


def test_a_stand_in_from_another_organisation_is_refused(client, world):
    login_as(client, world["users"]["Ada"])
    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in=world["Per"].id)
    assert response.status_code == 400
    assert "Stand-in: Per is not of Utdanningsdirektoratet" in response.get_data(as_text=True)
    assert notices() == []
    # Typed in as new with Per's address, refused too, without saying whose address it is
    # (addresses are for staff to read: no one finds a name by typing one).
    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in_name="Per P", stand_in_email="per@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "belongs to someone who cannot stand in here" in html
    assert "Per is" not in html
    assert notices() == [] and _db.session.scalar(select(func.count(Person.id))) == 6


def test_a_stand_in_already_expected_is_refused(client, world):
    login_as(client, world["users"]["Ada"])
    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in_name="Ulf", stand_in_email="ulf@example.org")
    assert response.status_code == 400
    assert "belongs to someone who cannot stand in here" in response.get_data(as_text=True)
    assert notices() == []


def test_a_second_notice_for_the_same_person_and_session_is_refused(client, world):
    give_notice(world["coaching"], world["Ulf"].id, user=world["users"]["Ulf"])
    _db.session.commit()
    with pytest.raises(Exception) as refused:
        give_notice(world["coaching"], world["Ulf"].id, user=world["users"]["coordinator"])
    assert getattr(refused.value, "field", None) == "person"
    _db.session.rollback()
    login_as(client, world["users"]["coordinator"])
    response = post(client, notice_url(world["joint"]), person=world["Ulf"].id)
    assert response.status_code == 302  # another session is another notice
    assert len(notices()) == 2


def test_half_a_new_stand_in_names_the_missing_field(client, world):
    login_as(client, world["users"]["Ada"])
    response = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in_name="Nina Ny")
    assert response.status_code == 400
    assert "New stand-in&#39;s email: enter their address too." in response.get_data(as_text=True)
    assert notices() == []


# Counting: excused in advance apart from absent without notice


def test_the_tally_tells_excused_in_advance_from_absent():
    marks = [AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.EXCUSED,
             AttendanceStatus.ABSENT, None]
    tally = AttendanceTally.of(3, marks, [False, True, False, False, True])
    assert (tally.present, tally.absent, tally.excused_in_advance, tally.excused, tally.marked) == (
        1, 1, 1, 1, 4)
    assert tally.share == pytest.approx(1 / 3)


def test_notices_in_advance_are_not_held_against_the_group_but_absence_is(app):
    with app.test_request_context():
        away = [AttendanceStatus.PRESENT, AttendanceStatus.EXCUSED, AttendanceStatus.EXCUSED]
        assert not AttendanceTally.of(3, away, [False, True, True]).is_low(0.75)
        absent = [AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.ABSENT]
        assert AttendanceTally.of(3, absent).is_low(0.75)
        # Excused after the fact, without a notice, counts as before: not present.
        assert AttendanceTally.of(3, away).is_low(0.75)


def test_group_attendance_counts_notices_given_for_held_sessions(world):
    udir = world["udir"]
    sessions = []
    for day in (date(2027, 3, 15), date(2027, 3, 22), date(2027, 3, 29)):
        sessions.append(Session(cohort=world["cohort"], module=world["coaching"].module,
                                enrolment=udir, starts_at=at(day), ends_at=at(day, 12),
                                status=SessionStatus.HELD))
    _db.session.add_all(sessions)
    _db.session.flush()
    memberships = list(udir.memberships)
    marks = {(s.id, world["Ada"].id): AttendanceStatus.PRESENT for s in sessions}
    marks |= {(s.id, world["Ulf"].id): AttendanceStatus.EXCUSED for s in sessions}
    noticed = {(s.id, world["Ulf"].id) for s in sessions}

    with_notices = group_attendance(udir, sessions, memberships, marks, noticed)
    without = group_attendance(udir, sessions, memberships, marks)

    assert (with_notices.excused_in_advance, with_notices.share) == (3, 1.0)
    assert (without.excused_in_advance, without.share) == (0, 0.5)


def test_the_attention_list_flags_absence_without_notice_not_notices(app, world, client):
    from tracker.attention.services import Kind, needs_attention

    udir = world["udir"]
    held = []
    for day in (date(2027, 3, 15), date(2027, 3, 22), date(2027, 3, 29)):
        session = Session(cohort=world["cohort"], module=world["coaching"].module, enrolment=udir,
                          starts_at=at(day), ends_at=at(day, 12), status=SessionStatus.HELD)
        _db.session.add(session)
        held.append(session)
        _db.session.add(Attendance(person=world["Ada"], session=session,
                                   status=AttendanceStatus.PRESENT))
    _db.session.flush()
    for session in held[1:]:
        _db.session.add(Attendance(person=world["Ulf"], session=session,
                                   status=AttendanceStatus.EXCUSED))
        _db.session.add(AbsenceNotice(session=session, person=world["Ulf"], given_as=NoticeGiver.PERSON,
                                      given_at=session.starts_at - timedelta(days=3)))
    _db.session.add(Attendance(person=world["Ulf"], session=held[0], status=AttendanceStatus.PRESENT))
    _db.session.flush()

    def low():
        with app.test_request_context(headers=EN):
            return [i for i in needs_attention(TODAY) if i.kind is Kind.LOW_ATTENDANCE
                    and i.url_values.get("enrolment_id") == udir.id]

    assert low() == []
    for notice in _db.session.scalars(select(AbsenceNotice)):
        _db.session.delete(notice)
    for mark in _db.session.scalars(select(Attendance).where(Attendance.status == AttendanceStatus.EXCUSED)):
        mark.status = AttendanceStatus.ABSENT
    _db.session.flush()
    [item] = low()
    with app.test_request_context(headers=EN):
        assert "Absent without notice: 2" in str(item.reason)


# Hostile input (the form fuzzer's sessions are long past, so the forms are tried here)

HOSTILE = ["", "\x00", "line\nbreak", str(2**63), "-1", "0", "9" * 400, "NaN", "x" * 5000,
           "<script>x</script>", "%(x)s", "١٢"]


def test_hostile_values_are_refused_and_change_nothing(client, world):
    from tests.test_fuzz_forms import stored_data

    login_as(client, world["users"]["coordinator"])
    notice = give_notice(world["coaching"], world["Ada"].id, user=world["users"]["coordinator"],
                         stand_in_id=world["Sara"].id)
    _db.session.commit()
    session_url = notice_url(world["coaching"])
    good = {"person": str(world["Ulf"].id), "reason": "", "stand_in": "", "stand_in_name": "",
            "stand_in_email": ""}
    posts = []
    for name in good:
        posts += [(session_url, {**good, name: value}) for value in HOSTILE]
    for value in HOSTILE:
        posts.append((f"{session_url}/withdraw", {"notice": value}))
        posts.append((f"{session_url}/stand-in", {"notice": value, "decision": "accept"}))
        posts.append((f"{session_url}/stand-in", {"notice": str(notice.id), "decision": value}))
    for url, data in posts:
        _db.session.expire_all()
        before = stored_data()
        response = post(client, url, **data)
        assert response.status_code < 500, (url, data)
        if response.status_code >= 400:
            _db.session.expire_all()
            assert stored_data() == before, (url, data)
        elif url == session_url:
            # A reason or name the rules accept: take it back for the next try.
            _db.session.expire_all()
            for made in _db.session.scalars(select(AbsenceNotice).where(
                    AbsenceNotice.person_id == world["Ulf"].id)):
                _db.session.delete(made)
            _db.session.commit()


def test_the_group_page_tells_excused_in_advance_from_excused(client, world):
    udir = world["udir"]
    days = (date(2027, 3, 15), date(2027, 3, 22))
    held = [Session(cohort=world["cohort"], module=world["coaching"].module, enrolment=udir,
                    starts_at=at(day), ends_at=at(day, 12), status=SessionStatus.HELD) for day in days]
    _db.session.add_all(held)
    _db.session.flush()
    _db.session.add_all([Attendance(person=world["Ulf"], session=s, status=AttendanceStatus.EXCUSED)
                         for s in held])
    _db.session.add(AbsenceNotice(session=held[0], person=world["Ulf"], given_as=NoticeGiver.PERSON,
                                  given_at=held[0].starts_at - timedelta(days=2)))
    _db.session.commit()
    login_as(client, world["users"]["coordinator"])

    html = client.get(f"/groups/{udir.id}", headers=EN).get_data(as_text=True)

    assert html.count("Excused in advance") == 1 and ">Excused" in html


def test_reasons_can_be_forgotten_with_the_person(world):
    from tracker.schedule.absence import forget_reasons

    give_notice(world["coaching"], world["Ulf"].id, user=world["users"]["Ulf"], reason="Sykmeldt")
    assert forget_reasons(world["Ulf"]) == 1
    assert notices()[0].reason == ""


def test_a_refused_decision_shows_the_roster_with_the_message(client, world):
    notice = give_notice(world["coaching"], world["Ada"].id, user=world["users"]["Ada"])
    _db.session.commit()
    login_as(client, world["users"]["coordinator"])

    response = post(client, f"/schedule/sessions/{world['coaching'].id}/absence/stand-in",
                    notice=notice.id, decision="accept")

    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Notice: there is no stand-in waiting" in html
    assert f'name="version" type="hidden" value="{world["coaching"].version}"' in html


def test_the_contact_persons_list_offers_notice_for_the_groups_sessions(client, world):
    login_as(client, world["users"]["Cora"])
    html = client.get("/schedule/absence/mine", headers=EN).get_data(as_text=True)
    assert "As contact person for Utdanningsdirektoratet" in html
    assert notice_url(world["coaching"]) in html and notice_url(world["joint"]) in html


def test_a_member_with_a_participants_account_gives_notice_for_themselves_only(client, world, make_user):
    """A member's own account (Role.PARTICIPANT) has no scope of its own, only its person: it
    lists and gives notice for that person's sessions, and sees no other session."""
    ulf = make_user("participant", email="ulf.deltaker@example.org")
    ulf.person = world["Ulf"]
    _db.session.commit()
    login_as(client, ulf)

    mine = client.get("/schedule/absence/mine", headers=EN)
    assert mine.status_code == 200 and notice_url(world["joint"]) in mine.get_data(as_text=True)
    answer = post(client, notice_url(world["joint"]), person=str(world["Ulf"].id), reason="Kurs")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    [notice] = notices()
    assert notice.person_id == world["Ulf"].id and notice.given_as is NoticeGiver.PERSON
    # Not for a colleague, and no session of another group.
    refused = post(client, notice_url(world["coaching"]), person=str(world["Ada"].id))
    assert refused.status_code in (403, 404) and len(notices()) == 1
    bufdir_session = Session(cohort=world["cohort"], module=world["coaching"].module,
                             enrolment=world["bufdir"], starts_at=at(date(2027, 5, 19)),
                             ends_at=at(date(2027, 5, 19), 12), status=SessionStatus.PLANNED)
    _db.session.add(bufdir_session)
    _db.session.commit()
    assert client.get(notice_url(bufdir_session), headers=EN).status_code == 404


def test_erasing_a_person_forgets_the_reasons_of_their_notices(world):
    from tracker.privacy.services import erase_person

    give_notice(world["joint"], world["Ulf"].id, user=world["users"]["Ulf"], reason="Legetime")
    erase_person(world["Ulf"])
    _db.session.flush()
    [notice] = notices()
    assert notice.reason == ""


def test_a_stand_in_decided_by_another_coordinator_a_moment_ago_is_not_decided_again(world):
    from sqlalchemy import update

    from tracker.domain import DomainError
    from tracker.schedule.absence import decide_stand_in

    notice = give_notice(world["coaching"], world["Ada"].id, user=world["users"]["Ada"],
                         stand_in_id=world["Sara"].id)
    _db.session.flush()
    # Another coordinator accepted it in their own request a moment ago; this one still
    # holds the notice as it was when the page was drawn.
    _db.session.execute(update(AbsenceNotice).where(AbsenceNotice.id == notice.id)
                        .values(stand_in_decision=StandInDecision.ACCEPTED)
                        .execution_options(synchronize_session=False))
    with pytest.raises(DomainError) as refused:
        decide_stand_in(world["coaching"], notice.id, accept=False)
    assert refused.value.field == "notice"
    _db.session.refresh(notice)
    assert notice.stand_in_decision is StandInDecision.ACCEPTED


def test_a_notice_withdrawn_before_its_mail_went_is_not_told_of(client, world):
    login_as(client, world["users"]["Ulf"])
    post(client, notice_url(world["joint"]), person=world["Ulf"].id, reason="Kurs")
    assert queued(MailKind.ABSENCE_NOTICE, to="cora@example.org")
    [notice] = notices()

    post(client, f"{notice_url(world['joint'])}/withdraw", notice=notice.id)

    assert notices() == []
    assert queued(MailKind.ABSENCE_NOTICE, to="cora@example.org") == []
    # Given again, it is told of again.
    post(client, notice_url(world["joint"]), person=world["Ulf"].id)
    assert len(queued(MailKind.ABSENCE_NOTICE, to="cora@example.org")) == 1


def test_a_new_stand_in_must_have_an_address_of_the_organisation(client, world):
    for person in (world["Ada"], world["Ulf"], world["Cora"], world["Sara"]):
        person.email = person.email.replace("@example.org", "@udir.no")
    _db.session.commit()
    login_as(client, world["users"]["Ada"])

    refused = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                   stand_in_name="Ekstern Person", stand_in_email="ekstern@nav.no")

    assert refused.status_code == 400 and "udir.no" in refused.get_data(as_text=True)
    assert notices() == [] and _db.session.scalar(
        select(func.count(Person.id)).where(Person.email == "ekstern@nav.no")) == 0
    accepted = post(client, notice_url(world["coaching"]), person=world["Ada"].id,
                    stand_in_name="Nina Ny", stand_in_email="nina.ny@UDIR.no")
    assert accepted.status_code == 302


def test_my_group_shows_the_notice_given_on_the_sessions_row(client, world):
    login_as(client, world["users"]["Ulf"])
    post(client, notice_url(world["joint"]), person=world["Ulf"].id)

    html = client.get("/groups/mine", headers=EN).get_data(as_text=True)

    assert "Notice of absence given" in html


def test_the_mail_of_a_notice_shows_a_name_with_markup_as_text(client, world):
    world["Ulf"].name = "<b>Ulf</b>\nBrev"
    _db.session.commit()
    login_as(client, world["users"]["Ulf"])
    post(client, notice_url(world["joint"]), person=world["Ulf"].id)

    [mail] = queued(MailKind.ABSENCE_NOTICE, to="cora@example.org")
    html = mail.get_body(("html",)).get_content()

    assert "&lt;b&gt;Ulf&lt;/b&gt;" in html and "<b>" not in html
    assert html.lstrip().lower().startswith("<!doctype html>")


# Statements (issue 14, item 5)


@pytest.mark.parametrize("reader", ["Ulf", "Cora", "coordinator"])
def test_the_notice_page_asks_the_same_few_statements_with_notices_stand_ins_and_guests(
        client, world, count_queries, reader):
    """Whom the reader may speak for is worked out once a request, and the notices, their
    stand-ins and the session's guests come joined: the page of a later session answers in the
    same number of statements with them as without, and in at most 15."""
    login_as(client, world["users"][reader])
    url = notice_url(world["coaching"])
    client.get(url)
    with count_queries() as bare:
        assert client.get(url).status_code == 200
    give_notice(world["coaching"], world["Ada"].id, user=world["users"]["coordinator"],
                reason="Syk", stand_in_id=world["Sara"].id)
    guest = Person(name="Gjest", email="gjest@example.org", organisation=world["udir"].organisation)
    _db.session.add(SessionGuest(session=world["coaching"], person=guest))
    _db.session.commit()
    with count_queries() as full:
        html = client.get(url, headers=EN).get_data(as_text=True)
    # Ulf may still give his own; the contact person and staff see Ada's, with her stand-in.
    assert "I cannot come" in html
    assert ("Sara" in html) is (reader != "Ulf")
    assert full["n"] == bare["n"] <= 15


def test_the_low_attendance_reason_tells_every_mark(app):
    """The numbers add up to those recorded: present, absent without notice, excused on the day
    or after (counted as not present), excused in advance (not counted)."""
    from tracker.attention.services import low_attendance_reason

    tally = AttendanceTally(held=5, marked=25, present=11, absent=11, excused_in_advance=0)
    with app.test_request_context(headers=EN):
        reason = str(low_attendance_reason(tally))
    assert "11 present of 25 recorded" in reason
    assert "Absent without notice: 11; excused on the day or after: 3; excused in advance, not counted: 0." in reason
