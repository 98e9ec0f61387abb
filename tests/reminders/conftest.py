"""A real SMTP server on loopback, a cohort with sessions to remind people of, and the mail run."""
import email
import email.policy
import socket
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tracker.groups.models import EnrolmentStatus
from tracker.people.models import MemberRole, Membership, Person
from tracker.groups.services import record_status
from tracker.programmes.models import ModuleKind
from tracker.schedule.models import SessionStatus

OSLO = ZoneInfo("Europe/Oslo")


def at(year, month, day, hour=9, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    """One message as the server got it: envelope and the parsed message."""

    sender: str
    recipients: list[str]
    message: email.message.EmailMessage


@dataclass
class Collector:
    """An aiosmtpd handler that keeps every message, and can refuse some recipients for good
    (`refuse`, 550) or for now (`defer`, 450)."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        if address in self.defer:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(Received(
            envelope.mail_from, list(envelope.rcpt_tos),
            email.message_from_bytes(envelope.original_content, policy=email.policy.default),
        ))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=auth_data.password == b"hemmelig passord", handled=False)

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.recipients]


@pytest.fixture
def smtp(app, monkeypatch):
    """An SMTP server on 127.0.0.1 and a free port, which the app sends to (plain SMTP)."""
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port,
                            authenticator=collector.authenticate, auth_require_tls=False)
    controller.start()
    monkeypatch.setitem(app.config, "MAIL_URL", f"smtp://127.0.0.1:{port}")
    collector.port = port
    yield collector
    controller.stop()


@pytest.fixture(autouse=True)
def mail_folder(app, monkeypatch, tmp_path):
    """Mail that goes to the folder goes to a temporary one, never to instance/mail."""
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    monkeypatch.setitem(app.config, "REMINDER_DAYS", "7,1")
    monkeypatch.setitem(app.config, "ATTENDANCE_ALERT_THRESHOLD", 0.75)
    monkeypatch.setitem(app.config, "BASE_URL", "https://tracker.example.org")
    return folder


@dataclass
class Ran:
    """What the daily run and the mail run after it printed, and the worse exit code."""

    queued: Result
    delivered: Result | None

    @property
    def exit_code(self) -> int:
        return max(self.queued.exit_code, self.delivered.exit_code if self.delivered else 0)

    @property
    def output(self) -> str:
        return self.queued.output + (self.delivered.output if self.delivered else "")


@pytest.fixture
def run(app):
    """run("--today", "2016-10-17", ...): `flask reminders send` with these options, then
    `flask mail send`, as cron runs them (not after a dry run)."""

    def invoke(*args):
        runner = app.test_cli_runner()
        queued = runner.invoke(args=["reminders", "send", *args])
        delivered = None if "--dry-run" in args else runner.invoke(args=["mail", "send"])
        return Ran(queued, delivered)

    return invoke


@pytest.fixture
def world(db, make_cohort, make_organisation, make_module, make_group, make_member, make_session):
    """Kull 1 (autumn 2016) with Udir and Bufdir, each a top leader, a member and a contact;
    Udir also has a member without email and an erased one; Lånekassen withdrew.

    Sessions: joint gathering 1 on Monday 24 October 2016 09:00–Tuesday 15:00 (planned, in
    summer time); Udir's coaching on Monday 31 October 09:00–12:00 (planned, winter time); a
    cancelled and an already held session in the same weeks.
    """
    cohort = make_cohort(label="Kull 1", start_date=date(2016, 8, 29))
    gathering = make_module(cohort.programme, name_nb="Fellessamling 1", name_en="Joint gathering 1",
                            kind=ModuleKind.JOINT_GATHERING, offset_weeks=8, duration_days=2)
    coaching = make_module(cohort.programme, name_nb="Veiledning", name_en="Coaching",
                           kind=ModuleKind.GROUP_WORK, offset_weeks=9, duration_days=1, hours_per_day=3)
    people = {}

    def add_member(enrolment, key, role, email=True):
        if email:
            person = make_member(enrolment, role=role, name=key.title(),
                                 email=f"{key.replace(' ', '.').lower()}@example.org").person
        else:  # The people service wants an email; people imported from elsewhere may have none.
            person = Person(name=key.title(), email=None)
            enrolment.memberships.append(Membership(person=person, role=role, joined_on=date(2016, 8, 29)))
        people[key] = person
        return person

    def group(name, short):
        enrolment = make_group(cohort, make_organisation(name_nb=name, short_name=short),
                               status=EnrolmentStatus.CONFIRMED)
        for role in MemberRole:
            add_member(enrolment, f"{short} {role.value}", role)
        return enrolment

    udir = group("Utdanningsdirektoratet", "Udir")
    bufdir = group("Barne-, ungdoms- og familiedirektoratet", "Bufdir")
    add_member(udir, "Udir no email", MemberRole.MEMBER, email=False)
    erased = add_member(udir, "Udir erased", MemberRole.MEMBER)
    withdrawn = group("Lånekassen", "LK")
    record_status(withdrawn, EnrolmentStatus.WITHDRAWN)
    joint = make_session(cohort, gathering, starts_at=at(2016, 10, 24), ends_at=at(2016, 10, 25, 15),
                         location="Difi, Grev Wedels plass 9, Oslo", status=SessionStatus.PLANNED)
    udir_coaching = make_session(cohort, coaching, udir, starts_at=at(2016, 10, 31),
                                 ends_at=at(2016, 10, 31, 12), location="Hos Udir", status=SessionStatus.PLANNED)
    cancelled = make_session(cohort, coaching, bufdir, starts_at=at(2016, 10, 21), ends_at=at(2016, 10, 21, 12),
                             location="Hos Bufdir", status=SessionStatus.CANCELLED)
    held = make_session(cohort, coaching, bufdir, starts_at=at(2016, 10, 20), ends_at=at(2016, 10, 20, 12),
                        location="Hos Bufdir", status=SessionStatus.HELD)
    db.session.flush()
    from tracker.privacy.services import erase_person

    erase_person(erased)
    db.session.commit()
    return {"cohort": cohort, "udir": udir, "bufdir": bufdir, "withdrawn": withdrawn,
            "joint": joint, "udir_coaching": udir_coaching, "cancelled": cancelled, "held": held,
            "gathering": gathering, "coaching": coaching, **people}
