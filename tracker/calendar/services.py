"""Calendar feeds: who may see and reset which feed, its secret address, and what it holds.

A feed is a group's (its cohort's joint sessions and its own), a cohort's (the joint sessions
only: every group of the cohort may see it, so it holds nothing that is one group's) or a
person's (every session they are expected at, across all their groups). Calendar clients cannot
sign in, so the address carries a secret token. Every group, cohort and person has its token from
the moment it is saved (made in the same flush), so a page only reads it: a GET writes nothing,
and the first visitor gets a working address like every later one. Resetting replaces the token,
so the old address stops working at once; deleting the group, cohort or person deletes it.
"""
import re
import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import abort, current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, event, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as DatabaseSession
from sqlalchemy.orm import selectinload

from tracker import clock
from tracker.access import allows
from tracker.calendar.models import FeedKind, FeedToken
from tracker.cohorts.models import Cohort
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.people.models import Membership, Person
from tracker.schedule.models import Session
from tracker.schedule.attendance import EXPECTED_ROLES, expected_memberships

if TYPE_CHECKING:
    from tracker.users.models import User

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


def may_see_feed(user: "User", kind: FeedKind, subject: Subject) -> bool:
    """Whoever may see the group, cohort or person (`can_view`); and a person's own account
    their own feed."""
    if kind is FeedKind.PERSON and user.person_id is not None and user.person_id == subject.id:
        return True
    return subject.can_view(user)


def may_reset_feed(user: "User", kind: FeedKind, subject: Subject) -> bool:
    """As `may_see_feed`, except a cohort's feed: resetting it breaks every group's
    subscription, so only those the access table lets change the cohort may."""
    if kind is FeedKind.COHORT:
        return allows(user, "cohorts.edit", subject)
    return may_see_feed(user, kind, subject)


def get_subject_to_reset_or_404(kind: FeedKind, subject_id: int, for_user: "User") -> Subject:
    """The group, cohort or person whose feed the user asks to reset.

    :raise 404: when there is none, or the user may not reset its feed (an agency leader asking
        for the cohort's, anyone asking for another person's): outsiders cannot tell the two
        apart.
    """
    subject = load_subject(kind, subject_id)
    if subject is None or not may_reset_feed(for_user, kind, subject):
        abort(404)
    return subject


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _token_row(kind: FeedKind, subject_id: int) -> FeedToken | None:
    return db.session.scalar(
        select(FeedToken).where(FeedToken.kind == kind, FeedToken.subject_id == subject_id)
    )


@event.listens_for(DatabaseSession, "after_flush")
def _feeds_follow_their_subjects(session: DatabaseSession, flush_context) -> None:
    """Give each group, cohort and person saved in this flush its feed token, and delete the
    token of each one deleted, in the same transaction.

    A token left behind by a deleted subject is deleted before the new one is made, so a new
    record that gets an old id never inherits the old address.
    """
    made = [(KIND_OF[type(record)], record.id) for record in session.new if type(record) in KIND_OF]
    gone = [(KIND_OF[type(record)], record.id) for record in session.deleted if type(record) in KIND_OF]
    if not made and not gone:
        return
    connection = session.connection()
    for kind, subject_id in made + gone:
        connection.execute(
            delete(FeedToken).where(FeedToken.kind == kind, FeedToken.subject_id == subject_id)
        )
    if made:
        connection.execute(FeedToken.__table__.insert(), [
            {"kind": kind, "subject_id": subject_id, "token": new_token(), "created_at": clock.now()}
            for kind, subject_id in made
        ])


def feed_token(kind: FeedKind, subject_id: int) -> tuple[FeedToken, bool]:
    """The feed's token, made now if it has none (a subject saved before tokens came with their
    subjects, that the data migration missed); and whether it was made now. Flushes, never
    commits: only for requests that may write, and commands."""
    row = _token_row(kind, subject_id)
    if row is not None:
        return row, False
    # Two first visits at once may both get here: the database keeps the first token, and the
    # second visit reads it back instead of failing.
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    made = db.session.execute(
        insert(FeedToken)
        .values(kind=kind, subject_id=subject_id, token=new_token(), created_at=clock.now())
        .on_conflict_do_nothing(index_elements=["kind", "subject_id"])
        .returning(FeedToken.id)
    ).first()
    return _token_row(kind, subject_id), made is not None


def reset_feed(kind: FeedKind, subject_id: int) -> FeedToken:
    """Give the feed a new token, so its old address stops working. Flushes, never commits."""
    row = _token_row(kind, subject_id)
    if row is None:
        row = FeedToken(kind=kind, subject_id=subject_id, token=new_token())
        db.session.add(row)
    else:
        row.token = new_token()
    db.session.flush()
    return row


def find_feed(token: str) -> FeedToken | None:
    """The feed this token opens, or None for an unknown, reset or malformed one."""
    if not TOKEN_PATTERN.fullmatch(token):
        return None
    row = db.session.scalar(select(FeedToken).where(FeedToken.token == token))
    # The lookup already matched; compare again in constant time so that nothing about a
    # near miss can be learnt from how long the answer takes.
    if row is None or not secrets.compare_digest(row.token.encode(), token.encode()):
        return None
    return row


# What a page shows about a feed


@dataclass(frozen=True)
class FeedLinks:
    """A feed as a page offers it: its addresses, and whether the reader may reset it."""

    kind: FeedKind
    subject_id: int
    url: str
    subscribe_url: str
    download_url: str
    can_reset: bool


def webcal(url: str) -> str:
    """The same address for calendar apps: webcal:// instead of http:// or https://."""
    return "webcal://" + url.split("://", 1)[1]


def feed_links(user: "User", kind: FeedKind, subject: Subject) -> FeedLinks | None:
    """The feed's links for this user, or None when they may not see it. Reads only."""
    if subject is None or not may_see_feed(user, kind, subject):
        return None
    row = _token_row(kind, subject.id)
    if row is None:
        # Every subject gets its token when it is saved; one without is a bug, not a reason
        # to write during a page view.
        current_app.logger.error("The %s feed of %s has no token", kind.value, subject.id)
        return None
    url = url_for("calendar.feed", token=row.token, _external=True)
    return FeedLinks(
        kind=kind,
        subject_id=subject.id,
        url=url,
        subscribe_url=webcal(url),
        download_url=url_for("calendar.feed", token=row.token, download=1),
        can_reset=may_reset_feed(user, kind, subject),
    )


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


def feed_content(row: FeedToken) -> tuple[list[Session], str] | None:
    """The sessions of the feed this token opens and the calendar's name; None when what the
    feed was about no longer exists."""
    subject = load_subject(row.kind, row.subject_id)
    if subject is None:
        return None
    if row.kind is FeedKind.ENROLMENT:
        return (sessions_of_enrolment_feed(subject),
                f"{subject.organisation.name_nb} – {subject.cohort.label}")
    if row.kind is FeedKind.COHORT:
        return sessions_of_cohort_feed(subject), f"{subject.programme.name_nb} – {subject.label}"
    return (sessions_of_person_feed(subject),
            _("Sessions for %(name)s", name=subject.name or _("(erased)")))


def feed_filename(row: FeedToken) -> str:
    """The name a downloaded feed is saved under."""
    return f"toppledergrupper-{row.kind.value}-{row.subject_id}.ics"
