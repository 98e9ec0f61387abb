"""Rules about organisations: numbers, owning ministries, participation."""
from datetime import date

from flask import abort

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.roles import Reader

MOD11_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def is_valid_org_number(number: str) -> bool:
    """True for a nine-digit Enhetsregisteret number whose last digit is its MOD11 check digit."""
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        return False
    remainder = sum(int(d) * w for d, w in zip(number, MOD11_WEIGHTS)) % 11
    if remainder == 1:
        return False
    check = 0 if remainder == 0 else 11 - remainder
    return check == int(number[8])


def normalise_org_number(raw: str | None) -> str | None:
    """Spaces are allowed as people write them ("974 761 076"); an empty value means unknown."""
    if raw is None:
        return None
    number = raw.replace(" ", "").replace("\u00a0", "").strip()
    if not number:
        return None
    if not is_valid_org_number(number):
        raise DomainError(
            _l("Organisation number must be nine digits with a valid check digit."),
            field="org_number",
        )
    return number


def create_organisation(
    *,
    name_nb: str,
    kind: OrganisationKind,
    name_en: str | None = None,
    short_name: str | None = None,
    org_number: str | None = None,
    owning_ministry: Organisation | None = None,
    active_from: date | None = None,
    active_to: date | None = None,
) -> Organisation:
    """Add an organisation to the session after checking the register's rules."""
    org_number = normalise_org_number(org_number)
    check_owning_ministry(kind, owning_ministry)
    check_active_dates(active_from, active_to)
    check_unique(name_nb, org_number)
    organisation = Organisation(
        name_nb=name_nb,
        name_en=name_en,
        short_name=short_name,
        org_number=org_number,
        kind=kind,
        owning_ministry=owning_ministry,
        active_from=active_from,
        active_to=active_to,
    )
    db.session.add(organisation)
    return organisation


def update_organisation(
    organisation: Organisation,
    *,
    version: object,
    name_nb: str,
    kind: OrganisationKind,
    name_en: str | None = None,
    short_name: str | None = None,
    org_number: str | None = None,
    owning_ministry: Organisation | None = None,
    active_from: date | None = None,
    active_to: date | None = None,
) -> None:
    """Change an organisation after checking the register's rules and the version it was opened at.

    A ministry that owns agencies stays a ministry: its agencies must move first.

    :raise ConflictError: when someone saved the organisation after `version`.
    """
    check_version(organisation, version)
    org_number = normalise_org_number(org_number)
    if owning_ministry is organisation:
        raise DomainError(_l("An organisation cannot own itself."), field="owning_ministry")
    check_owning_ministry(kind, owning_ministry)
    if (
        organisation.kind is OrganisationKind.MINISTRY
        and kind is not OrganisationKind.MINISTRY
        and owns_agencies(organisation)
    ):
        raise DomainError(
            _l("This ministry owns agencies, so it stays a ministry. Move its agencies to "
               "another ministry first."),
            field="kind",
        )
    check_active_dates(active_from, active_to)
    check_unique(name_nb, org_number, other_than=organisation)
    values = {
        "name_nb": name_nb,
        "name_en": name_en,
        "short_name": short_name,
        "org_number": org_number,
        "kind": kind,
        "owning_ministry": owning_ministry,
        "active_from": active_from,
        "active_to": active_to,
    }
    # One UPDATE: loading the old owner must not flush the fields set before it.
    with db.session.no_autoflush:
        for key, value in values.items():
            if getattr(organisation, key) != value:
                setattr(organisation, key, value)


def owns_agencies(ministry: Organisation) -> bool:
    return bool(db.session.scalar(
        select(exists().where(Organisation.owning_ministry_id == ministry.id))
    ))


def check_active_dates(active_from: date | None, active_to: date | None) -> None:
    if active_from and active_to and active_to < active_from:
        raise DomainError(_l("Active to must not be before active from."), field="active_to")


def check_unique(
    name_nb: str, org_number: str | None, other_than: Organisation | None = None
) -> None:
    """Refuse a name or number that another organisation already has."""
    others = select(Organisation.id)
    if other_than is not None and other_than.id is not None:
        others = others.where(Organisation.id != other_than.id)
    if org_number and db.session.scalar(others.where(Organisation.org_number == org_number)):
        raise DomainError(
            _l("Another organisation already has this organisation number."), field="org_number"
        )
    if db.session.scalar(others.where(Organisation.name_nb == name_nb)):
        raise DomainError(_l("Another organisation already has this name."), field="name_nb")


def ministries() -> list[Organisation]:
    """Every ministry by name, for choosing an owner."""
    return list(db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.MINISTRY)
        .order_by(Organisation.name_nb)
    ))


def check_owning_ministry(kind: OrganisationKind, owner: Organisation | None) -> None:
    if kind is OrganisationKind.MINISTRY and owner is not None:
        raise DomainError(_l("A ministry has no owning ministry."), field="owning_ministry")
    if owner is not None and owner.kind is not OrganisationKind.MINISTRY:
        raise DomainError(_l("The owning organisation must be a ministry."), field="owning_ministry")


def organisations_by_ministry(
    user: Reader,
) -> tuple[list[tuple[Organisation, list[Organisation]]], list[Organisation]]:
    """The organisations in the user's scope under their owning ministry, by name.

    Returns (ministry, its agencies) pairs, and the organisations that have no owning ministry.
    A ministry outside the user's scope still heads its agencies, so a reader sees the sector.
    """
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.visible_to(user))
        .options(selectinload(Organisation.owning_ministry))
        .order_by(Organisation.name_nb)
    ).all()
    agencies_of: dict[Organisation | None, list[Organisation]] = {}
    for organisation in organisations:
        if organisation.kind is OrganisationKind.MINISTRY:
            agencies_of.setdefault(organisation, [])
        else:
            agencies_of.setdefault(organisation.owning_ministry, []).append(organisation)
    unowned = agencies_of.pop(None, [])
    ministries = sorted(agencies_of, key=lambda ministry: ministry.name_nb)
    return [(ministry, agencies_of[ministry]) for ministry in ministries], unowned


def get_organisation_or_404(organisation_id: int, for_user: Reader) -> Organisation:
    """The organisation with this id, if the user may see it.

    :raise 404: when there is none, or it is outside the user's scope (an outsider cannot
        tell the two apart).
    """
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not organisation.can_view(for_user):
        abort(404)
    return organisation
