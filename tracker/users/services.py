"""Accounts: passwords, roles and scopes, sign-in."""
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from flask import current_app
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from tracker import bounds, security_log
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.people.services import normalise_email
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.programmes.models import Programme
from tracker.programmes.services import create_programme
from tracker.roles import STAFF, Role
from tracker.urls import absolute_url
from tracker.users.mails import send_password_changed_mail
from tracker.users.models import CoordinatorProgramme, User

MIN_PASSWORD_LENGTH = 12


@cache
def _argon2(time_cost: int | None, memory_cost: int | None) -> PasswordHasher:
    params = {k: v for k, v in (("time_cost", time_cost), ("memory_cost", memory_cost)) if v}
    return PasswordHasher(**params)


def _hasher() -> PasswordHasher:
    """Argon2id; the library's recommended cost unless the configuration lowers it (tests do)."""
    config = current_app.config
    return _argon2(config.get("ARGON2_TIME_COST"), config.get("ARGON2_MEMORY_COST"))


# Norwegian words people build passwords from (months, seasons, "hjemmekontor", "passord",
# clubs, towns, names...), which the English-language lists below miss; one a line.
NORWEGIAN_WORDS_FILE = Path(__file__).with_name("common_passwords_nb.txt")


@cache
def norwegian_common_words() -> tuple[str, ...]:
    """The Norwegian list, lower case, in the file's order (most tried first, for zxcvbn)."""
    lines = NORWEGIAN_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(line.strip().lower() for line in lines
                               if line.strip() and not line.startswith("#")))


# What people put around a word to meet a length rule: digits (a year), symbols, spaces.
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def password_stem(password: str) -> str:
    """The word inside the padding, lower case: "Sommer2026!!!" -> "sommer"."""
    return _PADDING.sub("", password.lower())


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong password."""
    return hasher.hash("not a real password, only for timing")


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's list of the passwords people choose most (30 000 of them, from leaked sets),
    its most common English words and surnames, and Norwegian ones the lists miss."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = set(FREQUENCY_LISTS["passwords"])
    for name in ("english_wikipedia", "surnames", "us_tv_and_film"):
        # Only the first few thousand: a twelve-character word deep in these lists is a
        # passphrase's building block, not a password on its own anyone tries first.
        words.update(FREQUENCY_LISTS.get(name, [])[:5000])
    return frozenset(words) | frozenset(norwegian_common_words())


# zxcvbn's estimate, 0 (guessed at once) to 4: below this it would fall to an offline guesser
# within a few days (score 3 is about 10^8 guesses or more).
MIN_PASSWORD_SCORE = 3


# A piece of the e-mail address or name shorter than this is part of too many good words
# ("per" in "super"); zxcvbn still counts it through `user_inputs`.
MIN_PERSONAL_WORD = 4


def personal_words(user: User | None, email: str | None = None) -> list[str]:
    """What a guesser who knows the user tries first: the e-mail, its local part and the parts
    of it, and the name of the person the account belongs to (and its parts)."""
    email = (email or (user.email if user is not None else "") or "").lower()
    words = []
    if email:
        local = email.partition("@")[0]
        words += [email, local, *re.split(r"[._+\-]+", local)]
    if user is not None and user.person is not None and user.person.name:
        name = user.person.name.lower()
        words += [name, *name.split()]
    return [word for word in dict.fromkeys(words) if word]


def _holds_word(password: str, word: str) -> bool:
    """Does `password` hold `word` as a whole word: not inside a longer word ("leder" is not
    in "toppledergruppe"), with or without the spaces or dots between its parts?"""
    squeezed = re.sub(r"[\s._+\-]+", "", word)
    for candidate in {word, squeezed}:
        if len(candidate) >= MIN_PERSONAL_WORD and re.search(
                rf"(?<![^\W\d_]){re.escape(candidate)}(?![^\W\d_])", password):
            return True
    return False


def check_password_policy(password: str, field: str = "password", user: User | None = None,
                          *, email: str | None = None) -> None:
    """Refuse passwords that are short, that attackers try first (also with a year, digits or
    symbols around them: "Sommer2026!!!"), or that hold the user's own e-mail address or name
    as a whole word (`user`, or an `email` before the account exists). The reason is given in
    the reader's language, naming what to change."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _l("The password must be at least %(n)s characters.", n=MIN_PASSWORD_LENGTH), field=field
        )
    lowered = password.lower()
    common = common_passwords()
    if lowered in common or password_stem(password) in common or len(set(lowered)) <= 2:
        raise DomainError(
            _l("This password is too common. Choose another one."), field=field
        )
    mine = personal_words(user, email)
    if any(_holds_word(lowered, word) for word in mine):
        raise DomainError(
            _l("The password must not contain your e-mail address or your name."), field=field
        )
    from zxcvbn import zxcvbn

    # zxcvbn's cost grows with length; past 100 characters the estimate no longer matters. The
    # Norwegian words count as a dictionary of its own, as the user's words do, so
    # "Sommervinter2026" scores as two common words and a year.
    if zxcvbn(password[:100], user_inputs=[*mine, *norwegian_common_words()])["score"] \
            < MIN_PASSWORD_SCORE:
        raise DomainError(
            _l("This password is too easy to guess (a common word, name, date or pattern). "
               "A few unrelated words make a strong password."), field=field
        )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(user: User, password: str) -> bool:
    """Does `password` open `user`'s account? As long to answer with no password as with a
    wrong one, so the time cannot tell an invited or single-sign-on account apart."""
    hasher = _hasher()
    try:
        if not user.has_password:
            hasher.verify(_dummy_hash(hasher), password)
            return False
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def account_id(email: str) -> int | None:
    """The id of the account with this email, for the security log (which holds no emails)."""
    return db.session.scalar(select(User.id).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None, in the same time either way."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        try:
            _hasher().verify(_dummy_hash(_hasher()), password)
        except VerificationError:
            pass
        return None
    if not password_matches(user, password) or not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_scope(role: Role, organisation: Organisation | None) -> None:
    """Group leaders need the organisation whose leadership group they belong to (an agency or
    a ministry: ministries take part as groups too); ministry viewers a ministry; staff neither."""
    if role is Role.AGENCY:
        if organisation is None:
            raise DomainError(_l("A group leader needs the organisation whose leadership group "
                                 "they belong to."), field="organisation")
    elif role is Role.MINISTRY:
        if organisation is None or organisation.kind is not OrganisationKind.MINISTRY:
            raise DomainError(_l("A ministry viewer needs a ministry."), field="organisation")
    elif role is Role.PARTICIPANT and organisation is not None:
        raise DomainError(_l("A participant is not tied to an organisation: they see the groups "
                             "they are a member of."), field="organisation")
    elif organisation is not None:
        raise DomainError(_l("Administrators and coordinators are not tied to an organisation."),
                          field="organisation")


def check_email(email: str) -> str:
    """`email` as stored (`normalise_email`), once it is an address the tracker can mail: the
    same check as the forms' (email_validator), for every way an account is made.

    :raise DomainError: (field "email") when it is not an address, or its part before the @
        holds letters beyond ASCII (æ, ø, å, emoji): mail to those needs SMTPUTF8, which the
        tracker does not send, so the invitation could never arrive.
    """
    email = normalise_email(email)
    if not email.rpartition("@")[0].isascii():
        raise DomainError(_l("The part before @ can hold only the letters a-z, digits and "
                             ". _ + -: the tracker cannot send mail to other letters (such as "
                             "æ, ø, å)."), field="email")
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise DomainError(_l("Enter a valid email address."), field="email") from None
    return email


def create_user(email: str, role: Role, organisation: Organisation | None = None, *,
                password: str | None = None, invited_by: User | None = None) -> User:
    """A new account. Without `password` it has none: the user chooses one (or signs in with
    an identity provider) through the invitation (tracker.users.links.send_invitation), so no
    administrator ever knows it. A `password` (the command line's --password-stdin, the demo,
    tests) is held to the password policy. `invited_by` is the administrator who made it.

    :raise DomainError: for an address the tracker cannot mail (`check_email`), one already
        taken, a refused password or a role without its organisation.
    """
    email = check_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(_l("There is already a user with this email."), field="email")
    if password is not None:
        check_password_policy(password, email=email)
    check_scope(role, organisation)
    user = User(email=email, password_hash=hash_password(password) if password is not None else None,
                role=role, organisation=organisation)
    db.session.add(user)
    db.session.flush()
    security_log.record("user_created", user_id=user.id,
                        by_user_id=invited_by.id if invited_by is not None else None)
    return user


def update_account(
    user: User, *, role: Role, organisation: Organisation | None, active: bool, acting: User,
    programmes: list[Programme] | None = None,
) -> None:
    """Change a user's role, scope and whether they may sign in.

    Any change signs them out everywhere, so a narrower role takes effect at their next
    request; deactivation also revokes their API tokens (tracker.auth.sessions does both when
    the session version moves on). An admin cannot lock themselves out: someone must be left to
    manage users.
    """
    if user.id == acting.id and (not active or role is not Role.ADMIN):
        raise DomainError(
            _l("You cannot deactivate yourself or take away your own admin role."), field="role"
        )
    check_scope(role, organisation)
    organisation_id = organisation.id if organisation else None
    if (user.role, user.organisation_id, user.active) != (role, organisation_id, active):
        if user.active and not active:
            security_log.record("user_deactivated", user_id=user.id, by_user_id=acting.id)
        user.role, user.organisation, user.active = role, organisation, active
        user.session_version += 1
    if programmes is not None:
        limit_to_programmes(user, programmes)


def limit_to_programmes(user: User, programmes: list[Programme]) -> None:
    """Limit a coordinator to these programmes' cohorts (`User.programme_ids`); none: every
    programme. Only a coordinator is limited: any other role keeps no limit. Each programme
    added or taken away is a row of the change log (`CoordinatorProgramme` is audited).

    The limit is read afresh at every request, so it takes effect at the user's next one
    without signing them out.
    """
    wanted = {p.id for p in programmes} if user.role is Role.COORDINATOR else set()
    for limit in list(user.programme_limits):
        if limit.programme_id not in wanted:
            user.programme_limits.remove(limit)
    have = {limit.programme_id for limit in user.programme_limits}
    for programme in programmes:
        if programme.id in wanted and programme.id not in have:
            user.programme_limits.append(CoordinatorProgramme(programme=programme))
    db.session.flush()


def create_programme_for(user: User, **values) -> Programme:
    """A new programme (`programmes.services.create_programme`); a coordinator limited to some
    programmes gets it among theirs, so they see what they made.

    :raise DomainError: naming the field at fault.
    """
    programme = create_programme(**values)
    if user.programme_ids is not None:
        user.programme_limits.append(CoordinatorProgramme(programme=programme))
        db.session.flush()
    return programme


def deactivate(user: User) -> None:
    """Stop `user` signing in: their sessions end and their API tokens are revoked, for good
    (reactivation revives neither)."""
    if user.active:
        user.active = False
        user.session_version += 1
        security_log.record("user_deactivated", user_id=user.id)


def check_erasable(user: User) -> None:
    """A staff account ends only by an administrator's deactivation, which keeps the last
    administrator; never as a side effect of erasing the person it belongs to."""
    if user.active and user.role in STAFF:
        raise DomainError(
            _l("This person signs in as %(role)s. An administrator must deactivate the account "
               "first, under Users.", role=str(user.role.label).lower()),
            field="confirm",
        )


def erase_account(user: User) -> None:
    """The sign-in account of a person whose data is erased: it signs no one in any more (its
    sessions end and its tokens are revoked, as on deactivation), and nothing in it names them:
    the e-mail becomes an address that names no one, and no password opens it."""
    check_erasable(user)
    deactivate(user)
    user.email = f"erased-{user.id}@invalid"
    user.password_hash = "!"  # no Argon2 hash: every password is refused
    user.person = None


def change_password(user: User, current: str, new: str) -> None:
    """Replace the password; every sign-in session of the user ends and every API token is
    revoked (tracker.auth.sessions), so whoever knew the old one is out."""
    if not password_matches(user, current):
        raise DomainError(_l("The current password is wrong."), field="current_password")
    set_password(user, new, field="new_password", event="password_changed")


def notify_password_changed(user: User) -> None:
    """Mail `user` that their password was changed, with where to get a new one if it was not
    them (best effort: see tracker.users.mails)."""
    send_password_changed_mail(user, absolute_url("links.forgot"))


def set_password(user: User, new: str, *, field: str = "password",
                 event: str = "password_set", notify: bool = True) -> None:
    """Give `user` the password `new` (held to the policy): from a reset link, an invitation,
    the command line or the change-password page. Every sign-in session of the user ends and
    every API token is revoked (tracker.auth.sessions listens to the flush), so whoever knew
    the old password, or held a session, is out; their live links stop working
    (tracker.users.links listens too). They get the "password changed" mail, so a change
    they did not make does not go unnoticed; only the invitation, where they choose their
    first password themselves, passes `notify=False`."""
    if not user.active:
        raise DomainError(_l("A deactivated user cannot get a new password. Activate the "
                             "account first."), field=field)
    check_password_policy(new, field=field, user=user)
    user.password_hash = hash_password(new)
    user.session_version += 1
    security_log.record(event, user_id=user.id)
    if notify:
        notify_password_changed(user)


def reset_two_factor(user: User, acting: User) -> None:
    """Take away `user`'s authenticator and recovery codes (a staff member who lost their
    phone): they enrol a new one at their next sign-in. Their sign-in sessions end, so a thief
    holding the lost phone and a session is out too. (The recovery codes and the last step go
    with the authenticator: tracker.auth.factors listens to the flush, whoever removes it.)"""
    if not user.has_two_factor:
        raise DomainError(_l("This user has no two-factor sign-in to remove."), field="two_factor")
    user.totp_secret = None
    user.session_version += 1
    security_log.record("two_factor_reset", user_id=user.id, by_user_id=acting.id)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def find_scope_organisation(key: str) -> Organisation | None:
    """An organisation by its number or short name, as people type them on the command line."""
    key = key.strip()
    return db.session.scalar(
        select(Organisation).where(
            or_(Organisation.org_number == key.replace(" ", ""),
                func.lower(Organisation.short_name) == key.lower())
        )
    )


def users_by_email() -> Select[tuple[User]]:
    """Every user by email, with the organisation they are scoped to loaded."""
    return select(User).options(selectinload(User.organisation)).order_by(User.email)


def search_users(email_contains: str = "", role: Role | None = None,
                 organisation_id: int | None = None) -> Select[tuple[User]]:
    """Users whose e-mail contains `email_contains` (folded alike, as every list's search:
    bounds.matches), of `role` and scoped to `organisation_id` when given, by e-mail."""
    query = users_by_email()
    if email_contains:
        query = query.where(bounds.matches(email_contains, User.email))
    if role is not None:
        query = query.where(User.role == role)
    if organisation_id is not None:
        query = query.where(User.organisation_id == organisation_id)
    return query


def active_coordinators() -> list[User]:
    """The coordinators who hear of what waits for them (a stand-in to decide, a proposal to
    answer): active accounts of the coordinator role, by address."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.COORDINATOR, User.active.is_(True))
        .order_by(User.email)))
