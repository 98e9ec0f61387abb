"""Calendar feeds: who may see which feed, each reader's secret address, and what a feed holds.

A feed is a group's (its cohort's joint sessions and its own), a cohort's (the joint sessions
only: every group of the cohort may see it, so it holds nothing that is one group's) or a
person's (every session they are expected at, across all their groups). Calendar clients cannot
sign in, so the address carries a secret token, stored only as its SHA-256 (`FeedToken`).

Each reader makes their own address for a feed they may see, with a POST, and is shown it on
that answer only; making a new one ends the one they had, and nobody else's. That is how a
second member of a group gets the group's calendar: they make their own, and a colleague who
resets theirs breaks nothing for them. An address opens its feed only while its owner is active
and may still see what it is about. Addresses from before (shared, no owner) keep working until
someone who may end them for everyone does: staff, and for a group's feed its own agency
leaders, for a person's the person; never a ministry viewer, who reads but does not run a group.
Deleting a group, cohort or person deletes its addresses; erasing a person revokes theirs.
"""
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, delete, event, insert, or_, select
from sqlalchemy.orm import Session as DatabaseSession
from sqlalchemy.orm import selectinload

from tracker import bounds, clock, security_log
from tracker.access import allows
from tracker.audit.models import AuditAction, AuditEntry
from tracker.audit.services import HIDDEN, current_actor
from tracker.auth.tokens import hash_token
from tracker.calendar.models import FeedKind, FeedToken
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment, EnrolmentStatus
from tracker.people.models import Membership, Person
from tracker.roles import STAFF, Role
from tracker.schedule.attendance import EXPECTED_ROLES, expected_memberships
from tracker.schedule.models import Session, SessionStatus
from tracker.urls import absolute_url
from tracker.users.models import User

if TYPE_CHECKING:
    from flask_login import AnonymousUserMixin

# What secrets.token_urlsafe(32) makes: 43 characters of the URL-safe base64 alphabet. Anything
# else is refused before the database is asked.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
TOKEN_BYTES = 32

Subject = Enrolment | Cohort | Person
KIND_OF = {Enrolment: FeedKind.ENROLMENT, Cohort: FeedKind.COHORT, Person: FeedKind.PERSON}


def parse_kind(value: str) -> FeedKind:
    """The feed kind an address names (enrolment, cohort or person).

    :raise 404: for anything else.
    """
    try:
        return FeedKind(value)
    except ValueError:
        abort(404)


def load_subject(kind: FeedKind, subject_id: int) -> Subject | None:
    """The group, cohort or person a feed is about, or None when there is none."""
    model = {FeedKind.ENROLMENT: Enrolment, FeedKind.COHORT: Cohort, FeedKind.PERSON: Person}[kind]
    return db.session.get(model, subject_id)


def may_see_feed(user: "User | AnonymousUserMixin", kind: FeedKind, subject: Subject) -> bool:
    """Whoever may see the group, cohort or person (`can_view`); and a person's own account
    their own feed. Seeing a feed is what lets a reader make their own address for it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if kind is FeedKind.PERSON and user.person_id is not None and user.person_id == subject.id:
        return True
    return subject.can_view(user)


def may_end_shared_address(user: "User", kind: FeedKind, subject: Subject) -> bool:
    """Who may end a shared address (one from before each reader had their own) for everyone
    who subscribed with it: those who run what the feed is about. A cohort's: those the access
    table lets change the cohort. A group's: staff and the group's own agency leaders, not a
    ministry viewer, who may see the group but does not run it. A person's: the person and
    staff."""
    if not may_see_feed(user, kind, subject) or not allows(user, "calendar.end_shared"):
        return False
    if kind is FeedKind.COHORT:
        return allows(user, "cohorts.edit", subject)
    if user.is_staff:
        return kind is FeedKind.PERSON or subject.can_view(user)
    if kind is FeedKind.ENROLMENT:
        return user.role is Role.AGENCY and user.organisation_id == subject.organisation_id
    return user.person_id is not None and user.person_id == subject.id


def get_subject_or_404(kind: FeedKind, subject_id: int, for_user: "User", *,
                       to_end_shared: bool = False) -> Subject:
    """The group, cohort or person whose feed the user asks for an address of (or, with
    `to_end_shared`, whose shared address they ask to end).

    :raise 404: when there is none, or the user may not do that (an agency leader asking for
        another group's feed, anyone for another person's, a ministry viewer ending a group's
        shared address): outsiders cannot tell the two apart.
    """
    subject = load_subject(kind, subject_id)
    if subject is None:
        abort(404)
    allowed = (may_end_shared_address if to_end_shared else may_see_feed)(for_user, kind, subject)
    if not allowed:
        abort(404)
    return subject


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def own_address(user: "User", kind: FeedKind, subject_id: int) -> FeedToken | None:
    return db.session.scalar(select(FeedToken).where(
        FeedToken.kind == kind, FeedToken.subject_id == subject_id, FeedToken.user_id == user.id))


def shared_address(kind: FeedKind, subject_id: int) -> FeedToken | None:
    return db.session.scalar(select(FeedToken).where(
        FeedToken.kind == kind, FeedToken.subject_id == subject_id, FeedToken.user_id.is_(None)))


@event.listens_for(DatabaseSession, "after_flush")
def _feeds_follow_their_subjects(session: DatabaseSession, flush_context) -> None:
    """Delete every address of each group, cohort and person deleted in this flush, in the same
    transaction; and any left behind under the id of one saved in it (by a bulk delete that
    bypassed the session), so a new record that gets an old id never inherits an old address.
    """
    subjects = [(KIND_OF[type(record)], record.id)
                for record in (*session.new, *session.deleted) if type(record) in KIND_OF]
    if not subjects:
        return
    connection = session.connection()
    for kind, subject_id in subjects:
        connection.execute(
            delete(FeedToken).where(FeedToken.kind == kind, FeedToken.subject_id == subject_id)
        )


def _audit(row_id: int, action: AuditAction, kind: FeedKind, subject: Subject,
           changes: dict[str, list]) -> None:
    """A change log entry for an address made, replaced or ended; never its hash."""
    cohort_id, enrolment_id = subject.audit_scope() if hasattr(subject, "audit_scope") else (None, None)
    user_id, actor = current_actor()
    db.session.execute(insert(AuditEntry).values(
        at=clock.now(), user_id=user_id, actor=actor, action=action, table_name="feed_token",
        record_id=row_id, cohort_id=cohort_id, enrolment_id=enrolment_id,
        changes=changes,
    ))


def make_address(user: "User", kind: FeedKind, subject: Subject) -> str:
    """Give the user a new address of their own for the feed, ending the one they had (theirs
    only); return it, to show once. Written to the security log and the change log. Flushes,
    never commits."""
    secret = new_token()
    row = own_address(user, kind, subject.id)
    if row is None:
        row = FeedToken(kind=kind, subject_id=subject.id, user_id=user.id, token_hash=hash_token(secret),
                        created_at=clock.now())
        db.session.add(row)
        db.session.flush()
        _audit(row.id, AuditAction.CREATE, kind, subject,
               {"kind": [None, kind.name], "subject_id": [None, subject.id],
                "user_id": [None, user.id], "token_hash": [None, HIDDEN]})
        security_log.record("feed_created", user_id=user.id, kind=kind.value, subject_id=subject.id)
    else:
        row.token_hash, row.created_at = hash_token(secret), clock.now()
        db.session.flush()
        _audit(row.id, AuditAction.UPDATE, kind, subject, {"token_hash": [HIDDEN, HIDDEN]})
        security_log.record("feed_reset", user_id=user.id, kind=kind.value, subject_id=subject.id,
                            which="own")
    return secret


def end_shared_address(user: "User", kind: FeedKind, subject: Subject) -> bool:
    """End the feed's shared address for everyone who subscribed with it; False when it had
    none. Written to the security log and the change log. Flushes, never commits."""
    row = shared_address(kind, subject.id)
    if row is None:
        return False
    row_id = row.id
    db.session.delete(row)
    db.session.flush()
    _audit(row_id, AuditAction.DELETE, kind, subject,
           {"kind": [kind.name, None], "subject_id": [subject.id, None], "token_hash": [HIDDEN, None]})
    security_log.record("feed_reset", user_id=user.id, kind=kind.value, subject_id=subject.id,
                        which="shared")
    return True


def revoke_person_feeds(person: Person) -> int:
    """End every address of the person's own feed, theirs and anyone's; how many there were.
    For erasure: the feed is about them. Flushes, never commits."""
    rows = db.session.scalars(select(FeedToken).where(
        FeedToken.kind == FeedKind.PERSON, FeedToken.subject_id == person.id)).all()
    for row in rows:
        _audit(row.id, AuditAction.DELETE, FeedKind.PERSON, person,
               {"kind": [row.kind.name, None], "subject_id": [person.id, None],
                "user_id": [row.user_id, None], "token_hash": [HIDDEN, None]})
        db.session.delete(row)
    db.session.flush()
    if rows:
        user_id, _actor = current_actor()
        security_log.record("feed_revoked", user_id=user_id, kind=FeedKind.PERSON.value,
                            subject_id=person.id, addresses=len(rows))
    return len(rows)


def open_feed(token: str) -> tuple[FeedToken, Subject] | None:
    """The address this token is and what its feed is about; None for an unknown, ended or
    malformed one, one whose owner is deactivated or may no longer see the feed, or one whose
    group, cohort or person is gone."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    # The hash is looked up, not the token: nothing about a near miss can be learnt from how
    # long the answer takes, and the table holds nothing that opens a feed.
    row = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == hash_token(token)))
    if row is None:
        return None
    subject = load_subject(row.kind, row.subject_id)
    if subject is None:
        return None
    if row.user_id is not None:
        owner = db.session.get(User, row.user_id)
        if owner is None or not may_see_feed(owner, row.kind, subject):
            return None
    return row, subject


# What a page shows about a feed


@dataclass(frozen=True)
class FeedSection:
    """A feed as a page offers it to one reader: whether they have their own address (it cannot
    be shown again), whether a shared one from before still works, and what they may do."""

    kind: FeedKind
    subject_id: int
    own_made_at: datetime | None
    shared_made_at: datetime | None
    can_end_shared: bool


@dataclass(frozen=True)
class FeedAddress:
    """A new address, as the answer that makes it shows it, once."""

    url: str
    subscribe_url: str
    download_url: str


def webcal(url: str) -> str:
    """The same address for calendar apps: webcal:// instead of http:// or https://."""
    return "webcal://" + url.split("://", 1)[1]


def feed_address(token: str) -> FeedAddress:
    """The addresses a new token gives, under BASE_URL (never the request's Host header)."""
    url = absolute_url("calendar.feed", token=token)
    return FeedAddress(url=url, subscribe_url=webcal(url),
                       download_url=absolute_url("calendar.feed", token=token, download=1))


def feed_section(user: "User", kind: FeedKind, subject: Subject | None) -> FeedSection | None:
    """The feed as this reader's page shows it, or None when they may not see it. Reads only."""
    return feed_sections(user, [(kind, subject)])[0]


def feed_sections(user: "User", feeds: list[tuple[FeedKind, Subject | None]]) -> list[FeedSection | None]:
    """`feed_section` of each of these feeds, in their order, in one statement (a page that
    offers several asks once)."""
    seen = [(kind, subject) for kind, subject in feeds
            if subject is not None and may_see_feed(user, kind, subject)]
    rows = db.session.scalars(select(FeedToken).where(
        or_(*(and_(FeedToken.kind == kind, FeedToken.subject_id == subject.id) for kind, subject in seen)),
        or_(FeedToken.user_id == user.id, FeedToken.user_id.is_(None)))).all() if seen else []
    sections = []
    for kind, subject in feeds:
        if (kind, subject) not in seen:
            sections.append(None)
            continue
        of_feed = [row for row in rows if row.kind is kind and row.subject_id == subject.id]
        own = next((row for row in of_feed if row.user_id == user.id), None)
        shared = next((row for row in of_feed if row.user_id is None), None)
        sections.append(FeedSection(
            kind=kind,
            subject_id=subject.id,
            own_made_at=own.created_at if own else None,
            shared_made_at=shared.created_at if shared else None,
            can_end_shared=shared is not None and may_end_shared_address(user, kind, subject),
        ))
    return sections


# What a feed holds

_SESSION_DETAILS = (
    selectinload(Session.module),
    selectinload(Session.cohort),
    selectinload(Session.enrolment).selectinload(Enrolment.organisation),
)


def sessions_of_enrolment_feed(enrolment: Enrolment) -> list[Session]:
    """The cohort's joint sessions and the group's own, cancelled ones too, in time order."""
    return list(db.session.scalars(
        select(Session)
        .where(Session.of_group(enrolment))
        .options(*_SESSION_DETAILS)
        .order_by(Session.starts_at, Session.id)
    ))


def sessions_of_cohort_feed(cohort: Cohort) -> list[Session]:
    """The cohort's joint sessions only, cancelled ones too, in time order."""
    return list(db.session.scalars(
        select(Session)
        .where(Session.cohort_id == cohort.id, Session.enrolment_id.is_(None))
        .options(*_SESSION_DETAILS)
        .order_by(Session.starts_at, Session.id)
    ))


def sessions_of_person_feed(person: Person) -> list[Session]:
    """Every session the person is expected at as top leader or member of a group, by the
    schedule's own rule (`expected_memberships`: in the group on the session's first day, the
    group not withdrawn), across all their groups and cohorts, in time order."""
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.person_id == person.id, Membership.role.in_(EXPECTED_ROLES))
        .options(selectinload(Membership.person), selectinload(Membership.enrolment))
    ).all()
    if not memberships:
        return []
    by_cohort: dict[int, list[Membership]] = defaultdict(list)
    for membership in memberships:
        by_cohort[membership.enrolment.cohort_id].append(membership)
    candidates = db.session.scalars(
        select(Session)
        .where(
            Session.cohort_id.in_(by_cohort),
            or_(
                Session.enrolment_id.is_(None),
                Session.enrolment_id.in_([m.enrolment_id for m in memberships]),
            ),
        )
        .options(*_SESSION_DETAILS)
        .order_by(Session.starts_at, Session.id)
    ).all()
    return [s for s in candidates if expected_memberships(s, by_cohort[s.cohort_id])]


def feed_content(kind: FeedKind, subject: Subject) -> tuple[list[Session], str]:
    """The sessions of the feed and the calendar's name."""
    if kind is FeedKind.ENROLMENT:
        return (sessions_of_enrolment_feed(subject),
                f"{subject.organisation.name_nb} – {subject.cohort.label}")
    if kind is FeedKind.COHORT:
        return sessions_of_cohort_feed(subject), f"{subject.programme.name_nb} – {subject.label}"
    return (sessions_of_person_feed(subject),
            _("Sessions for %(name)s", name=subject.name or _("(erased)")))


def called_off_in_feed(kind: FeedKind, subject: Subject, sessions: list[Session]) -> set[int]:
    """Ids of the feed's sessions it shows as cancelled although they are not: in a withdrawn
    group's feed, every session still planned that starts after the withdrawal (the joint ones go
    on for the other groups). They stay in the feed as cancelled rather than drop out of it,
    as a cancelled session does: a calendar that has them then removes them, where an event
    that just disappears stays in a calendar that imported the file."""
    if kind is not FeedKind.ENROLMENT or subject.status is not EnrolmentStatus.WITHDRAWN:
        return set()
    withdrawals = [c.changed_at for c in subject.status_history
                   if c.status is EnrolmentStatus.WITHDRAWN]
    since = withdrawals[-1] if withdrawals else None
    return {s.id for s in sessions
            if s.status is SessionStatus.PLANNED and (since is None or s.starts_at > since)}


def readable_filename(*words: str) -> str:
    """A file name of `words`, as a person would type it: lower case, words joined by
    hyphens, letters kept (æ, ø, å too) and everything else dropped ("Kull 5", "Udir",
    "samlinger" -> "kull-5-udir-samlinger"), without the extension."""
    text = " ".join(bounds.printable(word) for word in words).lower()
    return "-".join(re.findall(r"\w+", text, flags=re.UNICODE)) or "calendar"


def cohort_in_filename(cohort) -> str:
    """A cohort as a file name says it in the reader's language: a label of the programme's
    own form ("Kull 3") is "cohort 3" to an English reader; any other label is a name and
    stays as it is."""
    numbered = re.fullmatch(r"\s*kull\s+(\d+)\s*", cohort.label or "", flags=re.IGNORECASE)
    return _("cohort %(number)s", number=numbered.group(1)) if numbered else cohort.label


def feed_filename(kind: FeedKind, subject: Subject) -> str:
    """The name a downloaded feed is saved under, saying what it holds in the reader's language:
    "kull-5-udir-samlinger.ics", "kull-5-fellessamlinger.ics", "samlinger-kari-nordmann.ics";
    "cohort-5-joint-sessions.ics" in English."""
    if kind is FeedKind.ENROLMENT:
        words = _("%(cohort)s %(group)s sessions", cohort=cohort_in_filename(subject.cohort),
                  group=subject.organisation.short_name or subject.organisation.name_nb)
    elif kind is FeedKind.COHORT:
        words = _("%(cohort)s joint sessions", cohort=cohort_in_filename(subject))
    else:
        words = _("sessions %(name)s", name=subject.name or _("(erased)"))
    return readable_filename(words) + ".ics"


@dataclass(frozen=True)
class SharedAddressReaders:
    """Who ending a feed's shared address touches, as far as the app can tell: the readers
    close to what the feed is about (the group's own leaders and members with an account, the
    cohort's groups', or the person) who have no address of their own, and so may be
    subscribed with the shared one; and how many have their own, which keeps working.
    Staff are left out: any coordinator may have used it, and the page says so."""

    must_subscribe_again: list[User]
    have_their_own: int


def readers_of_shared_address(kind: FeedKind, subject: Subject) -> SharedAddressReaders:
    """The readers ending the feed's shared address touches (`SharedAddressReaders`), by
    email. Reads only."""
    if kind is FeedKind.PERSON:
        close = User.person_id == subject.id
    else:
        enrolment_ids = ([subject.id] if kind is FeedKind.ENROLMENT
                         else select(Enrolment.id).where(Enrolment.cohort_id == subject.id))
        organisation_ids = select(Enrolment.organisation_id).where(Enrolment.id.in_(enrolment_ids))
        member_ids = select(Membership.person_id).where(Membership.enrolment_id.in_(enrolment_ids))
        close = or_(User.organisation_id.in_(organisation_ids), User.person_id.in_(member_ids))
    users = db.session.scalars(
        select(User).where(close, User.active.is_(True), User.role.not_in(STAFF))
        .order_by(User.email)
    ).all()
    readers = [user for user in users if may_see_feed(user, kind, subject)]
    own = set(db.session.scalars(select(FeedToken.user_id).where(
        FeedToken.kind == kind, FeedToken.subject_id == subject.id, FeedToken.user_id.is_not(None))))
    return SharedAddressReaders(
        must_subscribe_again=[user for user in readers if user.id not in own],
        have_their_own=sum(user.id in own for user in readers),
    )
