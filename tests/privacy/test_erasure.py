"""Erasure is complete: after a person is erased, no table and no mail file holds their name or
e-mail address, and no address of their calendar feed opens it."""
import hashlib
import os
from datetime import date, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tracker.calendar.models import FeedKind, FeedToken
from tracker.calendar.services import make_address
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol
from tracker.mail import send
from tracker.people.models import MemberRole, Membership, Person
from tracker.programmes.models import CourseModule, ModuleKind
from tracker.schedule.models import Attendance, AttendanceStatus, Session, SessionStatus

NAME, EMAIL = "Kari Ærlighetsen", "kari.aerlighetsen@example.org"
SHARED = "d" * 43  # a shared address of her feed, from before each reader had their own


@pytest.fixture
def mail_folder(app, monkeypatch, tmp_path):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    return folder


@pytest.fixture
def kari(app, db, make_cohort, make_organisation, make_user, mail_folder):
    """Kari, top leader of Lånekassen's group: a held session with a note about her absence, a
    planned one a week ahead that she is reminded of by mail, her feed's addresses, and mail
    about her to someone else."""
    cohort = make_cohort(start_date=date(2016, 9, 1))
    group = enrol(cohort, make_organisation(name_nb="Lånekassen"), status=EnrolmentStatus.CONFIRMED)
    person = Person(name=NAME, email=EMAIL, title="Direktør")
    group.memberships.append(Membership(person=person, role=MemberRole.TOP_LEADER, joined_on=date(2016, 9, 1)))
    module = CourseModule(programme=cohort.programme, position=1, name_nb="Fellessamling 1",
                          name_en="Joint gathering 1", kind=ModuleKind.JOINT_GATHERING, is_joint=True,
                          offset_weeks=8)
    held_start = datetime(2016, 10, 3, 7, tzinfo=timezone.utc)
    held = Session(cohort=cohort, module=module, starts_at=held_start, ends_at=held_start + timedelta(hours=6),
                   status=SessionStatus.HELD)
    db.session.add(Attendance(person=person, session=held, status=AttendanceStatus.EXCUSED,
                              note=f"{NAME} hadde legetime"))
    planned_start = datetime(2016, 11, 8, 8, tzinfo=timezone.utc)
    db.session.add(Session(cohort=cohort, module=module, starts_at=planned_start,
                           ends_at=planned_start + timedelta(hours=6), status=SessionStatus.PLANNED))
    db.session.commit()
    coordinator = make_user("coordinator", email="koordinator@example.org")
    make_address(coordinator, FeedKind.PERSON, person)
    db.session.add(FeedToken(kind=FeedKind.PERSON, subject_id=person.id,
                             token_hash=hashlib.sha256(SHARED.encode()).hexdigest()))
    db.session.commit()
    # The reminder a week before the planned session, as the nightly run sends it.
    result = app.test_cli_runner().invoke(args=["reminders", "send", "--today", "2016-11-01"])
    assert result.exit_code == 0, result.output
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    # A mail about her to someone else, its text base64-encoded; and one that does not name her.
    about = EmailMessage()
    about["Subject"], about["To"] = "Fravær", "koordinator@example.org"
    about.set_content(f"Hei!\n{NAME.upper()} har meldt forfall.\n", charset="utf-8", cte="base64")
    other = EmailMessage()
    other["Subject"], other["To"] = "Påminnelse", "ola@example.org"
    other.set_content("Hei Ola!\n")
    send(about)
    send(other)
    return person


def dump_database(db) -> str:
    """Every column of every row of every table the models know."""
    lines = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            lines.append(f"{table.name}: " + " | ".join(str(value) for value in row))
    return "\n".join(lines)


def dump_mail(folder) -> str:
    """Every file in the mail folder, raw and as a reader would see it (decoded)."""
    texts = []
    for name in sorted(os.listdir(folder)):
        raw = (folder / name).read_bytes()
        message = BytesParser(policy=policy.default).parsebytes(raw)
        texts.append(raw.decode("utf-8", errors="replace"))
        texts += [str(value) for value in message.values()]
        texts += [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join(texts)


def names(text: str) -> set[str]:
    return {value for value in (NAME, EMAIL) if value.casefold() in text.casefold()}


def test_before_erasure_the_world_names_her_in_the_tables_and_the_mail(db, kari, mail_folder):
    """The check below can fail: she is there to be found before."""
    assert names(dump_database(db)) == {NAME, EMAIL}
    assert names(dump_mail(mail_folder)) == {NAME, EMAIL}
    assert len(os.listdir(mail_folder)) == 3


def test_after_erasure_no_table_and_no_mail_file_names_her(client, db, kari, mail_folder, make_user):
    login_as(client, make_user("coordinator"))
    response = client.post(f"/people/{kari.id}/erase", data={"confirm": "y", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert names(dump_database(db)) == set()
    assert names(dump_mail(mail_folder)) == set()
    assert len(os.listdir(mail_folder)) == 1  # the mail to Ola stays
    assert "Ola" in dump_mail(mail_folder)


def test_after_erasure_no_address_opens_her_feed(client, db, kari, make_user):
    login_as(client, make_user("coordinator"))
    client.post(f"/people/{kari.id}/erase", data={"confirm": "y", "csrf_token": csrf_token(client)})
    assert client.get(f"/calendar/{SHARED}.ics").status_code == 404
    assert db.session.scalar(select(FeedToken.id).where(FeedToken.kind == FeedKind.PERSON,
                                                        FeedToken.subject_id == kari.id)) is None


def test_erasing_a_person_with_an_account_closes_it_and_forgets_it(client, db, kari, make_user):
    """Her own account (she signs in to My group) goes with her: after erasure it signs no one
    in, her browser's cookie is dead, her token is revoked, and no table names her: nor her
    national identity number, the ID-porten identity's label, her invitation and reset links,
    her authenticator's secret or her recovery codes."""
    import pyotp

    from tracker.auth import factors
    from tracker.auth.models import ExternalIdentity, RecoveryCode, SignInSession
    from tracker.auth.tokens import new_token
    from tracker.users.links import issue_link
    from tracker.users.models import AccountLink, LinkPurpose, User

    account = make_user("agency", email=EMAIL, organisation=kari.memberships[0].enrolment.organisation)
    account.person = kari
    _token, secret = new_token(account, "Karis skript")
    pid = "05057012345"
    db.session.add(ExternalIdentity(user=account, provider="idporten", subject=pid, label=NAME))
    issue_link(account, LinkPurpose.INVITATION)
    issue_link(account, LinkPurpose.PASSWORD_RESET)
    account.totp_secret = totp_secret = pyotp.random_base32()
    db.session.flush()
    factors.new_recovery_codes(account)
    db.session.commit()
    assert pid in dump_database(db) and totp_secret in dump_database(db)
    assert db.session.scalar(select(RecoveryCode.id).where(RecoveryCode.user_id == account.id))
    her_browser = client.application.test_client()
    login_as(her_browser, account)
    assert her_browser.get("/groups/mine").status_code == 200

    staff = client.application.test_client()
    login_as(staff, make_user("coordinator"))
    response = staff.post(f"/people/{kari.id}/erase",
                          data={"confirm": "y", "csrf_token": csrf_token(staff)})
    assert response.status_code == 302
    db.session.expire_all()

    assert names(dump_database(db)) == set()
    account = db.session.get(User, account.id)
    assert (account.active, account.person_id) == (False, None)
    assert db.session.scalar(select(SignInSession.id).where(SignInSession.user_id == account.id)) is None
    for model in (ExternalIdentity, AccountLink, RecoveryCode):
        assert db.session.scalar(select(model.id).where(model.user_id == account.id)) is None, model
    assert account.totp_secret is None and account.totp_last_step is None
    assert pid not in dump_database(db) and totp_secret not in dump_database(db)
    assert her_browser.get("/groups/mine").status_code == 302  # to sign in
    assert client.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_a_person_who_signs_in_as_staff_is_not_erased_until_their_account_is_deactivated(
        client, db, kari, make_user, mail_folder, role):
    """Erasure never closes a staff account on the side (the last administrator, say): an
    administrator deactivates it first, where that rule lives. Nothing is touched meanwhile."""
    from tracker.users.models import User

    account = make_user(role, email=EMAIL)
    account.person = kari
    db.session.commit()
    files = sorted(os.listdir(mail_folder))
    login_as(client, make_user("coordinator"))
    response = client.post(f"/people/{kari.id}/erase", headers={"Accept-Language": "en"},
                           data={"confirm": "y", "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert f"This person signs in as {role}" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (kari.name, db.session.get(User, account.id).active) == (NAME, True)
    assert sorted(os.listdir(mail_folder)) == files

    account = db.session.get(User, account.id)
    account.active = False
    db.session.commit()
    response = client.post(f"/people/{kari.id}/erase",
                           data={"confirm": "y", "csrf_token": csrf_token(client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert names(dump_database(db)) == set()


def test_erasure_deletes_only_mail_that_names_the_person_as_a_whole_word(db, mail_folder):
    """A short name is found as a word, not inside another (Ola in Nikolai) or in base64."""
    from tracker.privacy.services import mail_files_naming

    ola = Person(name="Ola", email="ola@example.org")
    db.session.add(ola)
    db.session.flush()
    for to, text in (("nikolai@example.org", "Hei Nikolai!\n"), ("kari@example.org", "Ola har meldt forfall.\n")):
        message = EmailMessage()
        message["Subject"], message["To"] = "Samling", to
        message.set_content(text, charset="utf-8", cte="base64")
        send(message)
    named = [open(path, "rb").read() for path in mail_files_naming(ola)]
    assert len(named) == 1 and b"kari@example.org" in named[0]


def test_mail_waiting_in_the_outbox_that_names_her_is_not_sent_after_erasure(client, db, kari, make_user):
    from tracker.outbox.models import MailKind, OutboxMessage
    from tracker.outbox.services import queue

    waiting = EmailMessage()
    waiting["Subject"], waiting["To"] = "Forfall", "koordinator@example.org"
    waiting.set_content(f"Hei!\n{NAME} kommer ikke.\n")
    other = EmailMessage()
    other["Subject"], other["To"] = "Påminnelse", "ola@example.org"
    other.set_content("Hei Ola!\n")
    queue(waiting, kind=MailKind.MESSAGE)
    queue(other, kind=MailKind.MESSAGE)
    db.session.commit()
    login_as(client, make_user("coordinator"))

    client.post(f"/people/{kari.id}/erase", data={"confirm": "y", "csrf_token": csrf_token(client)})

    db.session.expire_all()
    assert names(dump_database(db)) == set()
    assert [row.recipient for row in db.session.scalars(select(OutboxMessage))] == ["ola@example.org"]
