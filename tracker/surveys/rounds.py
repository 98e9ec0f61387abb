"""Opening a round, its respondents and their personal links.

A personal link is drawn from the app's key, the respondent and a nonce kept with them, so the
reminder can carry the same link as the invitation; only the link's SHA-256 is stored, to find
whose it is. A new nonce makes a new link and kills the old one. A link answers once: after
its respondent has submitted, it only says so.
"""
import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from flask import abort, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from tracker.domain import DomainError
from tracker.extensions import db
from tracker.groups.models import Enrolment
from tracker.i18n import current_language, day
from tracker.people.models import MemberRole, Membership, Person
from tracker.surveys.models import (
    GROUP_KINDS,
    LEAST_MINIMUM,
    InstrumentVersion,
    Respondent,
    RoundKind,
    SurveyRound,
)
from tracker.users.models import User

# Who answers the group-effectiveness survey: the group's top leader and members (the contact
# person organises, and answers only if also a member).
ANSWERING_ROLES = (MemberRole.TOP_LEADER, MemberRole.MEMBER)
# A round stays open at most this long: a longer one is a typo for a year.
LONGEST_ROUND_DAYS = 120


def link_token(respondent: Respondent) -> str:
    """The secret in the respondent's personal link (256 bits, URL-safe)."""
    key = hashlib.sha256(b"survey-link:" + current_app.secret_key.encode()).digest()
    digest = hmac.new(key, f"{respondent.id}:{respondent.link_nonce}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def renew_link(respondent: Respondent) -> str:
    """A new personal link for the respondent; the one before stops working."""
    respondent.link_nonce = uuid.uuid4().hex
    token = link_token(respondent)
    respondent.token_hash = token_hash(token)
    return token


def respondent_for_link(token: str) -> Respondent | None:
    """Whose link this is, or None for a link that never was or was replaced."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        select(Respondent).where(Respondent.token_hash == token_hash(token))
        .options(selectinload(Respondent.round)))


def members_on(enrolment: Enrolment, day: date) -> list[Person]:
    """The group's top leaders and members on `day`, who have not been erased; by name."""
    return list(db.session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.enrolment_id == enrolment.id,
            Membership.role.in_(ANSWERING_ROLES),
            Membership.joined_on <= day,
            Membership.not_left_by(day),
            Person.erased_at.is_(None),
        )
        .order_by(Person.name, Person.id)
        .distinct()
    ))


def check_minimum(minimum) -> int:
    if not isinstance(minimum, int) or isinstance(minimum, bool) or minimum < LEAST_MINIMUM:
        raise DomainError(
            _l("At least %(n)s must answer before results are shown; it cannot be fewer, or "
               "one person's answers could be worked out.", n=LEAST_MINIMUM),
            field="minimum_respondents")
    if minimum > 1000:
        raise DomainError(_l("Enter a whole number from %(low)s to %(high)s.", low=LEAST_MINIMUM,
                             high=1000), field="minimum_respondents")
    return minimum


def check_closing(closes_on: date | None, today: date) -> date:
    if closes_on is None:
        raise DomainError(_l("Enter the last day for answers."), field="closes_on")
    if closes_on < today:
        raise DomainError(_l("The last day for answers cannot be in the past."), field="closes_on")
    if (closes_on - today).days > LONGEST_ROUND_DAYS:
        raise DomainError(_l("A round is open for at most %(n)s days: the last day can be "
                             "%(day)s at the latest.", n=LONGEST_ROUND_DAYS,
                             day=day(today + timedelta(days=LONGEST_ROUND_DAYS))),
                          field="closes_on")
    return closes_on


def open_round(
    enrolment: Enrolment,
    kind: RoundKind,
    version: InstrumentVersion,
    *,
    closes_on: date,
    minimum_respondents: int = LEAST_MINIMUM,
    people: Iterable[Person],
    opened_by: User | None,
    today: date,
) -> SurveyRound:
    """Open the group's baseline or final round with `version`, asking `people`.

    The round keeps its version for good. Invitations go with the next mail run.

    :raise DomainError: naming the field: the group has a round of this kind, the version has
        no items or belongs to another programme, the closing day is past or too far, the
        minimum is below three, or fewer people are asked than the minimum (both naming the
        group, as the cohort-wide opening passes them on).
    """
    if kind not in GROUP_KINDS:
        raise DomainError(_l("A group's round is a baseline or a final survey."), field="kind")
    if version.instrument.programme_id != enrolment.cohort.programme_id:
        raise DomainError(_l("This instrument belongs to another programme."), field="version")
    if not version.items:
        raise DomainError(_l("This version has no items to answer."), field="version")
    if db.session.scalar(select(SurveyRound.id).where(
            SurveyRound.enrolment_id == enrolment.id, SurveyRound.kind == kind)):
        raise DomainError(_l("%(group)s already has a %(kind)s round.",
                             group=enrolment.organisation.label(current_language()),
                             kind=kind.label.lower()),
                          field="kind")
    check_closing(closes_on, today)
    check_minimum(minimum_respondents)
    people = list({p.id: p for p in people}.values())
    if len(people) < minimum_respondents:
        raise DomainError(
            _l("%(group)s: %(asked)s are asked, but results need at least %(n)s answers: ask "
               "more people or lower the minimum (not below %(least)s).",
               group=enrolment.organisation.label(current_language()), asked=len(people),
               n=minimum_respondents, least=LEAST_MINIMUM),
            field="respondents")
    survey_round = SurveyRound(
        enrolment=enrolment, kind=kind, instrument_version=version, closes_on=closes_on,
        minimum_respondents=minimum_respondents, opened_by_id=opened_by.id if opened_by else None,
    )
    db.session.add(survey_round)
    for person in people:
        survey_round.respondents.append(Respondent(person=person))
    db.session.flush()
    for respondent in survey_round.respondents:
        renew_link(respondent)
    # The version is in use from now on. Writing the instrument's row moves its record version
    # on, so an edit of this version opened before (tracker.surveys.instruments.save_edit) is
    # a conflict instead of changing texts a round was just sent with; on PostgreSQL an edit
    # saving at this very moment holds the row, and one of the two is refused.
    flag_modified(version.instrument, "name_nb")
    db.session.flush()
    return survey_round


def get_round_or_404(round_id: int, for_user: User) -> SurveyRound:
    """The group's round, when the user may see its group; else 404 (a gathering's
    evaluation has pages of its own: tracker/surveys/evaluation_routes.py)."""
    survey_round = db.session.get(SurveyRound, round_id)
    if survey_round is None or survey_round.enrolment is None \
            or not survey_round.enrolment.can_view(for_user):
        abort(404)
    return survey_round
