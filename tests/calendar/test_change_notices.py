"""Change notices: a session moved, given another place or cancelled tells everyone expected
at it, once each, with the scheduling message (iTIP) that updates the event their calendar
already has from the feed or a reminder: the same UID, a higher SEQUENCE, REQUEST or CANCEL."""
from datetime import date, timedelta
from email.utils import parseaddr

import icalendar
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as, oslo
from tests.html import read
from tests.outbox import queued, text_of
from tracker.calendar.ics import build_calendar, session_uid
from tracker.calendar.notices import change_session, notice_recipients
from tracker.extensions import db as _db
from tracker.groups.models import EnrolmentStatus
from tracker.outbox.models import MailKind, OutboxMessage
from tracker.people.models import MemberRole
from tracker.reminders.services import DueReminder, reminder_message
from tracker.schedule.attendance import add_guest
from tracker.schedule.models import SessionStatus
from tracker.schedule.warnings import UnseenWarnings

NB = {"Accept-Language": "nb"}
EN = {"Accept-Language": "en"}
TODAY = date(2027, 1, 4)


@pytest.fixture
def world(db, make_cohort, make_group, make_organisation, make_module, make_member, make_person,
          make_session, frozen_clock):
    """Kull 7 (starts 11 January 2027) with Udir's group: Tone (top leader), Kari (member),
    Ola (member without an e-mail address), Per (left before the session), Cecilie (the
    contact person, not expected); SKD's group with Sigrid; Siri from Udir, a stand-in added to
    Udir's coaching session on 3 February alone. Today is 4 January 2027."""
    frozen_clock(TODAY)
    cohort = make_cohort(label="Kull 7", start_date=date(2027, 1, 11))
    udir_org = make_organisation(name_nb="Utdanningsdirektoratet", short_name="Udir")
    udir = make_group(cohort, udir_org, status=EnrolmentStatus.CONFIRMED)
    skd = make_group(cohort, make_organisation(name_nb="Skattedirektoratet", short_name="SKD"),
                     status=EnrolmentStatus.CONFIRMED)
    people = {
        "tone": make_member(udir, role=MemberRole.TOP_LEADER, name="Tone Leder",
                            email="tone@udir.example").person,
        "kari": make_member(udir, name="Kari Nordmann", email="kari@udir.example").person,
        "per": make_member(udir, name="Per Sluttet", email="per@udir.example",
                           left_on=date(2027, 1, 20)).person,
        "cecilie": make_member(udir, role=MemberRole.CONTACT, name="Cecilie Kontakt",
                               email="cecilie@udir.example").person,
        "sigrid": make_member(skd, name="Sigrid Skatt", email="sigrid@skd.example").person,
        "siri": make_person(name="Siri Stedfortreder", email="siri@udir.example",
                            organisation=udir_org),
    }
    ola = make_member(udir, name="Ola Utenpost", email="ola@udir.example").person
    ola.email = None  # a member nobody has an address for
    people["ola"] = ola
    coaching = make_session(cohort, make_module(cohort.programme, name_nb="Veiledning",
                                                name_en="Coaching"),
                            udir, starts_at=oslo(2027, 2, 3), ends_at=oslo(2027, 2, 3, 12),
                            location="Udir, Schweigaards gate 15")
    add_guest(coaching, people["siri"].id)
    _db.session.commit()
    return {"cohort": cohort, "udir": udir, "skd": skd, "coaching": coaching, **people}


@pytest.fixture
def coordinator(client, make_user, world):
    login_as(client, make_user("coordinator"))
    return client


def form_data(client, session, **changes):
    """The edit form as the page fills it, "Tell the people expected" ticked, and `changes`."""
    page = read(client.get(f"/schedule/sessions/{session.id}/edit").data)
    data = {"csrf_token": csrf_token(client)}
    for tag in page.all("input"):
        if tag.get("name") and tag.get("type") not in ("checkbox", "submit"):
            data[tag["name"]] = tag.get("value", "")
    data["status"] = next(o["value"] for o in page.all("option")
                          if "selected" in o and o.get("value") in SessionStatus.__members__)
    data["tell"] = "y"
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def edit(client, session, **changes):
    return client.post(f"/schedule/sessions/{session.id}/edit", headers=NB,
                       data=form_data(client, session, **changes))


def notices():
    return queued(kind=MailKind.CHANGE_NOTICE)


def recipients(messages) -> set[str]:
    return {parseaddr(str(message["To"]))[1] for message in messages}


def itip_files(message) -> list[icalendar.Calendar]:
    """Every .ics attachment of the message, parsed."""
    return [icalendar.Calendar.from_ical(part.get_content())
            for part in message.iter_attachments() if part.get_filename("").endswith(".ics")]


def inline_calendar(message):
    """The text/calendar alternative (what Outlook acts on) and its parsed content."""
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, icalendar.Calendar.from_ical(part.get_content())


def attendees(event) -> list[str]:
    found = event.get("ATTENDEE")
    return [str(a).lower() for a in (found if isinstance(found, list) else [found])]


def change(session, **values):
    """`change_session` with the session's values and `values`, warnings seen."""
    values = {"version": session.version, "starts_at": session.starts_at,
              "ends_at": session.ends_at, "location": session.location,
              "status": session.status, **values}
    try:
        return change_session(session, **values)
    except UnseenWarnings as warnings:
        return change_session(session, **values, seen_warnings=warnings.key)


def feed_event(session) -> icalendar.Event:
    """The session's (first) event as the calendar feed writes it now."""
    calendar = icalendar.Calendar.from_ical(build_calendar([session], "Feed"))
    return calendar.walk("VEVENT")[0]


EXPECTED = {"tone@udir.example", "kari@udir.example", "siri@udir.example"}


# Moving, re-placing, cancelling


def test_moving_a_session_tells_everyone_expected_once_with_a_request_for_the_same_event(
    coordinator, world, app
):
    session = world["coaching"]
    before = feed_event(session)

    response = edit(coordinator, session, start_date="2027-02-10")

    assert response.status_code == 302
    _db.session.expire_all()
    messages = notices()
    # The stand-in is told; the member who left, the contact, the member without an address
    # and the other group are not; nobody twice.
    assert len(messages) == 3 and recipients(messages) == EXPECTED
    assert session.sequence == before["SEQUENCE"] + 1
    after = feed_event(session)
    organizer = parseaddr(app.config["MAIL_FROM"])[1]
    for message in messages:
        to = parseaddr(str(message["To"]))[1]
        [calendar] = itip_files(message)
        assert str(calendar["METHOD"]) == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert str(event["UID"]) == str(before["UID"]) == str(after["UID"]) == session_uid(session)
        assert event["SEQUENCE"] == after["SEQUENCE"] == before["SEQUENCE"] + 1
        assert event.decoded("DTSTART") == oslo(2027, 2, 10)
        assert event.decoded("DTEND") == oslo(2027, 2, 10, 12)
        assert str(event["STATUS"]) == "CONFIRMED"
        assert str(event["ORGANIZER"]).lower() == f"mailto:{organizer}".lower()
        assert attendees(event) == [f"mailto:{to}"]
        part, inline = inline_calendar(message)
        assert part.get_param("method") == "REQUEST"
        assert str(inline.walk("VEVENT")[0]["UID"]) == session_uid(session)
        assert calendar.walk("VTIMEZONE"), "times need their zone's rules"

    text = text_of(next(m for m in messages if "kari@" in str(m["To"])))
    # In bokmål: what changed, old and new, and which session it is.
    assert "Veiledning er endret" in text
    assert "onsdag 3. februar 2027 kl. 09.00–12.00 → onsdag 10. februar 2027 kl. 09.00–12.00" in text
    assert "Kull 7" in text and "Utdanningsdirektoratet" in text
    assert str(messages[0]["Subject"]) == "Endret: Veiledning, 10.02.2027"


def test_a_new_place_tells_the_old_and_the_new_place(coordinator, world):
    session = world["coaching"]

    assert edit(coordinator, session, location="Difi, Grev Wedels plass 9").status_code == 302

    messages = notices()
    assert recipients(messages) == EXPECTED
    text = text_of(messages[0])
    assert "Hvor: Udir, Schweigaards gate 15 → Difi, Grev Wedels plass 9" in text
    [calendar] = itip_files(messages[0])
    assert str(calendar.walk("VEVENT")[0]["LOCATION"]) == "Difi, Grev Wedels plass 9"


def test_cancelling_sends_a_cancel_with_the_reason(coordinator, world):
    session = world["coaching"]
    sequence = session.sequence

    response = edit(coordinator, session, status="CANCELLED", cancellation_reason="Veilederen er syk")

    assert response.status_code == 302
    messages = notices()
    assert recipients(messages) == EXPECTED
    for message in messages:
        assert str(message["Subject"]).startswith("Avlyst: Veiledning")
        assert "Veilederen er syk" in text_of(message)
        [calendar] = itip_files(message)
        assert str(calendar["METHOD"]) == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == session_uid(session)
        assert event["SEQUENCE"] == sequence + 1
        assert inline_calendar(message)[0].get_param("method") == "CANCEL"


def test_a_cancelled_session_planned_again_is_requested_again(coordinator, world):
    session = world["coaching"]
    edit(coordinator, session, status="CANCELLED", cancellation_reason="Feil")
    _db.session.query(OutboxMessage).delete()
    _db.session.commit()

    assert edit(coordinator, session, status="PLANNED", cancellation_reason="").status_code == 302

    messages = notices()
    assert recipients(messages) == EXPECTED
    assert str(messages[0]["Subject"]).startswith("Gjennomføres likevel: Veiledning")
    [calendar] = itip_files(messages[0])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 2


def test_a_two_day_gathering_made_one_day_cancels_its_second_day(db, world, make_module,
                                                                 make_session):
    cohort = world["cohort"]
    gathering = make_session(cohort, make_module(cohort.programme, name_nb="Samling"), world["udir"],
                             starts_at=oslo(2027, 3, 1), ends_at=oslo(2027, 3, 2, 15))

    change(gathering, tell=True, ends_at=oslo(2027, 3, 1, 15))

    message = queued(kind=MailKind.CHANGE_NOTICE, to="kari@udir.example")[0]
    methods = {str(c.walk("VEVENT")[0]["UID"]): str(c["METHOD"]) for c in itip_files(message)}
    assert methods == {session_uid(gathering): "REQUEST", session_uid(gathering, 2): "CANCEL"}


# Not telling


def test_unticking_tell_saves_the_change_and_raises_the_sequence_silently(coordinator, world):
    session = world["coaching"]
    before = feed_event(session)

    response = edit(coordinator, session, start_date="2027-02-10", tell=None)

    assert response.status_code == 302
    assert notices() == []
    _db.session.expire_all()
    assert session.starts_at == oslo(2027, 2, 10)
    assert feed_event(session)["SEQUENCE"] == before["SEQUENCE"] + 1


def test_a_save_that_changes_no_time_place_or_cancellation_sends_nothing(coordinator, world):
    session = world["coaching"]
    sequence = session.sequence

    assert edit(coordinator, session).status_code == 302  # saved as it is
    assert edit(coordinator, session, location="  Udir, Schweigaards gate 15 ").status_code == 302

    assert notices() == []
    _db.session.expire_all()
    assert session.sequence == sequence


def test_a_session_held_or_over_is_corrected_without_notices(coordinator, world, frozen_clock,
                                                             make_user):
    session = world["coaching"]
    frozen_clock(date(2027, 2, 4))  # the day after it
    login_as(coordinator, make_user("coordinator"))

    page = coordinator.get(f"/schedule/sessions/{session.id}/edit", headers=EN)
    assert "held or over" in page.get_data(as_text=True)
    assert read(page.data).all("input", name="tell") == []

    assert edit(coordinator, session, location="Et annet rom").status_code == 302
    assert notices() == []
    _db.session.expire_all()
    assert session.sequence == 1  # the feeds show the corrected place


def test_marking_a_session_held_while_changing_its_place_tells_nobody(coordinator, world):
    session = world["coaching"]

    assert edit(coordinator, session, status="HELD", location="Rom 2").status_code == 302

    assert notices() == []


# Who will be told, shown before saving


def test_the_form_lists_who_will_be_told_before_saving(coordinator, world):
    html = coordinator.get(f"/schedule/sessions/{world['coaching'].id}/edit",
                           headers=EN).get_data(as_text=True)
    section = read(html).all("section", id="change-notice")
    assert section, "the list of people told is on the form"
    for name, address in (("Tone Leder", "tone@udir.example"), ("Kari Nordmann", "kari@udir.example"),
                          ("Siri Stedfortreder", "siri@udir.example")):
        assert f"{name} &lt;{address}&gt;" in html
    assert "per@udir.example" not in html and "cecilie@udir.example" not in html
    assert "sigrid@skd.example" not in html
    assert "1 person expected has no e-mail address and is not told: Ola Utenpost." in html
    [box] = read(html).all("input", name="tell")
    assert "checked" in box


def test_the_form_says_when_nobody_can_be_told(coordinator, world, make_module, make_session):
    cohort = world["cohort"]
    session = make_session(cohort, make_module(cohort.programme), world["skd"],
                           starts_at=oslo(2027, 2, 4))
    world["sigrid"].email = None
    _db.session.commit()

    html = coordinator.get(f"/schedule/sessions/{session.id}/edit", headers=EN).get_data(as_text=True)

    assert "Nobody: none of the people expected has an e-mail address." in html


def test_recipients_leave_out_the_erased(world):
    world["kari"].erased_at = oslo(2027, 1, 1)
    told = notice_recipients(world["coaching"]).told
    assert {p.email for p in told} == {"tone@udir.example", "siri@udir.example"}


# The transaction


def test_a_refused_change_queues_nothing(coordinator, world):
    response = edit(coordinator, world["coaching"], end_time="08:00")  # ends before it starts

    assert response.status_code == 400
    assert notices() == []


def test_a_change_rolled_back_queues_nothing(db, world):
    session = world["coaching"]
    with _db.session.begin_nested() as savepoint:
        change(session, tell=True, starts_at=oslo(2027, 2, 10), ends_at=oslo(2027, 2, 10, 12))
        assert len(notices()) == 3
        savepoint.rollback()

    assert _db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert session.sequence == 0


def test_a_change_saved_while_the_mail_server_is_down_is_saved_and_its_notices_wait(
    coordinator, world, app, monkeypatch
):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:1")  # nothing listens there

    assert edit(coordinator, world["coaching"], start_date="2027-02-10").status_code == 302

    _db.session.expire_all()
    assert world["coaching"].starts_at == oslo(2027, 2, 10)
    assert recipients(notices()) == EXPECTED


# Hostile values


def test_hostile_names_and_places_stay_in_their_place(coordinator, world):
    world["kari"].name = "Kari\r\nBcc: mallory@evil.example <script>alert(1)</script>"
    world["tone"].name = 'Tone "T";ROLE=CHAIR:mailto:mallory@evil.example'
    _db.session.commit()
    place = 'Rom <b>1</b>; "ATTENDEE:mailto:mallory@evil.example"'

    assert edit(coordinator, world["coaching"], location=place).status_code == 302

    messages = notices()
    assert recipients(messages) == EXPECTED
    for message in messages:
        assert message.get_all("Bcc") is None and len(message.get_all("To")) == 1
        html = message.get_body(preferencelist=("html",)).get_content()
        assert "<script>" not in html and "<b>1</b>" not in html
        assert "Rom &lt;b&gt;1&lt;/b&gt;" in html
        [calendar] = itip_files(message)
        [event] = calendar.walk("VEVENT")
        assert str(event["LOCATION"]) == place  # kept as text, not read as a property
        assert attendees(event) == [f"mailto:{parseaddr(str(message['To']))[1]}"]
    [tone] = queued(kind=MailKind.CHANGE_NOTICE, to="tone@udir.example")
    [event] = itip_files(tone)[0].walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:tone@udir.example"
    assert event["ATTENDEE"].params["CN"] == 'Tone "T";ROLE=CHAIR:mailto:mallory@evil.example'
    assert event["ATTENDEE"].params["ROLE"] == "REQ-PARTICIPANT"
    kari = queued(kind=MailKind.CHANGE_NOTICE, to="kari@udir.example")[0]
    assert "\n" not in str(kari["To"]) and "mallory" not in parseaddr(str(kari["To"]))[1]


def test_control_characters_in_the_place_are_refused_and_nothing_is_queued(coordinator, world):
    response = edit(coordinator, world["coaching"],
                    location="Rom 1\x1b[31m\r\nX-Evil: yes", start_date="2027-02-10")

    assert response.status_code == 400
    assert notices() == []
    _db.session.expire_all()
    assert world["coaching"].sequence == 0


def test_a_notice_box_sent_with_any_value_counts_as_ticked_and_false_as_not(coordinator, world):
    # A box is ticked when it is sent at all (what a browser sends is "y"); WTForms reads
    # "false" as unticked. Nothing of the value reaches a mail.
    assert edit(coordinator, world["coaching"], tell="false", start_date="2027-02-10").status_code == 302
    assert notices() == []

    assert edit(coordinator, world["coaching"], tell="\x00<x>", start_date="2027-02-17").status_code == 302
    assert recipients(notices()) == EXPECTED


# The feed and the reminders carry the same revision


def test_the_reminder_attachment_carries_the_current_sequence(db, world):
    session = world["coaching"]
    change(session, tell=False, starts_at=oslo(2027, 2, 10), ends_at=oslo(2027, 2, 10, 12))

    message = reminder_message(DueReminder(session, world["kari"], 7, (7,)), "nb")

    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    event = icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert str(event["UID"]) == session_uid(session)
    assert event["SEQUENCE"] == session.sequence == 1


def test_a_withdrawn_groups_cancelled_sessions_get_a_higher_sequence(db, world):
    from tracker.schedule.sessions import change_group_status

    session = world["coaching"]
    change_group_status(world["udir"], EnrolmentStatus.WITHDRAWN, "Ny direktør",
                        world["udir"].version, cancel_sessions=True, now=oslo(2027, 1, 4, 12))

    assert session.is_cancelled and session.sequence == 1
    assert notices() == []  # the group is no longer expected anywhere
    assert feed_event(session)["SEQUENCE"] == 1


def test_a_withdrawal_that_cancels_the_groups_sessions_tells_those_who_were_expected(db, world):
    from tracker.calendar.notices import change_group_status_and_tell

    session = world["coaching"]
    expected = sorted(p.email for p in notice_recipients(session).told)
    assert expected  # someone to tell, before the group withdraws

    change_group_status_and_tell(world["udir"], EnrolmentStatus.WITHDRAWN, "Ny direktør",
                                 world["udir"].version, cancel_sessions=True,
                                 now=oslo(2027, 1, 4, 12))

    mails = queued(kind=MailKind.CHANGE_NOTICE)
    assert sorted(m["To"].addresses[0].addr_spec for m in mails) == expected
    for mail in mails:
        [calendar] = itip_files(mail)
        assert calendar["METHOD"] == "CANCEL"
        assert calendar.walk("VEVENT")[0]["SEQUENCE"] == session.sequence == 1


def test_a_withdrawal_that_keeps_the_sessions_tells_no_one(db, world):
    from tracker.calendar.notices import change_group_status_and_tell

    change_group_status_and_tell(world["udir"], EnrolmentStatus.WITHDRAWN, "Ny direktør",
                                 world["udir"].version, cancel_sessions=False,
                                 now=oslo(2027, 1, 4, 12))
    assert queued(kind=MailKind.CHANGE_NOTICE) == []


def test_sequence_starts_where_the_feed_left_it(world):
    # A new session is revision 0, as the feed wrote it (version 1 less one) before sequences.
    assert world["coaching"].sequence == 0 and feed_event(world["coaching"])["SEQUENCE"] == 0


def test_moving_twice_gives_each_notice_its_own_revision(db, world):
    session = world["coaching"]
    for day in (10, 17):
        change(session, tell=True, starts_at=oslo(2027, 2, day), ends_at=oslo(2027, 2, day, 12))
    sequences = sorted(itip_files(m)[0].walk("VEVENT")[0]["SEQUENCE"]
                       for m in queued(kind=MailKind.CHANGE_NOTICE, to="tone@udir.example"))
    assert sequences == [1, 2]
    assert session.ends_at - session.starts_at == timedelta(hours=3)


def test_someone_expected_on_the_old_day_but_not_the_new_one_gets_a_cancel(db, world, make_member):
    lise = make_member(world["udir"], name="Lise Slutter", email="lise@udir.example",
                       left_on=date(2027, 2, 5)).person
    session = world["coaching"]

    saved = change(session, tell=True, starts_at=oslo(2027, 2, 10), ends_at=oslo(2027, 2, 10, 12))

    assert saved.told == 4
    assert recipients(notices()) == EXPECTED | {"lise@udir.example"}
    [message] = queued(kind=MailKind.CHANGE_NOTICE, to=lise.email)
    [calendar] = itip_files(message)
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == session_uid(session) and str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == session.sequence
    assert "ikke lenger er medlem av gruppen" in text_of(message)
    assert "Hvis du ikke kan komme" not in text_of(message)
    # The others get the new time.
    [kari] = queued(kind=MailKind.CHANGE_NOTICE, to="kari@udir.example")
    assert str(itip_files(kari)[0]["METHOD"]) == "REQUEST"


def test_a_cancelled_session_moved_while_still_cancelled_tells_nobody_again(db, world):
    session = world["coaching"]
    change(session, tell=True, status=SessionStatus.CANCELLED, cancellation_reason="Syk")
    assert len(notices()) == 3

    change(session, tell=True, starts_at=oslo(2027, 2, 10), ends_at=oslo(2027, 2, 10, 12),
           cancellation_reason="Syk")

    assert len(notices()) == 3 and session.sequence == 2


def test_a_change_over_someone_elses_save_is_refused_and_tells_nobody(coordinator, world):
    stale = form_data(coordinator, world["coaching"], start_date="2027-02-10")
    change(world["coaching"], tell=False, location="Rom 3")
    _db.session.commit()

    response = coordinator.post(f"/schedule/sessions/{world['coaching'].id}/edit", headers=NB,
                                data=stale)

    assert response.status_code == 409
    assert notices() == []
    _db.session.expire_all()
    assert world["coaching"].starts_at == oslo(2027, 2, 3)
