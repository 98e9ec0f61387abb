"""Rules about organisations: numbers, owning ministries, participation."""
from datetime import date

from flask import abort

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, UniqueConstraint, and_, case, exists, false, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from tracker.bounds import LIKE_ESCAPE, contains, matches
from tracker.concurrency import check_version
from tracker.domain import DomainError
from tracker.extensions import db
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.roles import Reader
from tracker import security_log

MOD11_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def is_valid_org_number(number: str) -> bool:
    """True for a nine-digit Enhetsregisteret number whose last digit is its MOD11 check digit."""
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        return False
    d = [ord(c) - 48 for c in number]
    # Written out: the import checks 100,000 numbers in one request.
    remainder = (3 * d[0] + 2 * d[1] + 7 * d[2] + 6 * d[3] + 5 * d[4] + 4 * d[5] + 3 * d[6]
                 + 2 * d[7]) % 11
    if remainder == 1:
        return False
    return (0 if remainder == 0 else 11 - remainder) == d[8]


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


def name_key(name: str) -> str:
    """A name as compared when matching: case and spacing aside ("FINANSDEPARTEMENTET" and
    "Finansdepartementet  " are one name)."""
    return " ".join(name.casefold().split())


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


def organisation_list(user: Reader, search: str = "") -> Select[tuple[Organisation]]:
    """The organisations in the user's scope whose name (bokmål or English), short name or
    organisation number holds `search` (fold()ed, so "ØKONOMI" finds "Direktoratet for
    forvaltning og økonomistyring"), in the order the list shows them: each ministry followed
    by its agencies, by name, ministries by name, and those without an owning ministry last.
    So a page of the list is a run of this order, and its headings follow from it."""
    owner = aliased(Organisation)
    # The ministry an organisation is listed under: itself for a ministry, else its owner.
    heading = case((Organisation.kind == OrganisationKind.MINISTRY, Organisation.name_nb),
                   else_=owner.name_nb)
    query = (
        select(Organisation)
        .outerjoin(owner, Organisation.owning_ministry_id == owner.id)
        .where(Organisation.visible_to(user))
        .options(contains_eager(Organisation.owning_ministry.of_type(owner)))
        .order_by(heading.is_(None), heading, Organisation.kind != OrganisationKind.MINISTRY,
                  Organisation.name_nb, Organisation.id)
    )
    if search:
        number = search.replace(" ", "").replace("\u00a0", "")
        query = query.where(or_(
            matches(search, Organisation.name_nb, Organisation.name_en, Organisation.short_name),
            Organisation.org_number.like(contains(number), escape=LIKE_ESCAPE) if number
            else false(),
        ))
    return query


def by_ministry(organisations: list[Organisation]) -> list[tuple[Organisation | None, list[Organisation]]]:
    """A run of organisation_list() as (ministry, its agencies in the run) sections; the
    ministry None heads those without one. A ministry whose agencies run on from the page
    before heads them again."""
    sections: list[tuple[Organisation | None, list[Organisation]]] = []
    for organisation in organisations:
        if organisation.kind is OrganisationKind.MINISTRY:
            sections.append((organisation, []))
            continue
        ministry = organisation.owning_ministry
        if not sections or sections[-1][0] is not ministry:
            sections.append((ministry, []))
        sections[-1][1].append(organisation)
    return sections


def get_organisation_or_404(organisation_id: int, for_user: Reader) -> Organisation:
    """The organisation with this id, if the user may see it.

    :raise 404: when there is none, or it is outside the user's scope (an outsider cannot
        tell the two apart).
    """
    # Its page (and the API's answer) names the owning ministry: joined, so an agency's page
    # asks as many statements as a ministry's.
    organisation = db.session.get(Organisation, organisation_id,
                                  options=[joinedload(Organisation.owning_ministry)])
    if organisation is None or not organisation.can_view(for_user):
        abort(404)
    return organisation


# Merging and deleting
#
# Records of higher features (groups, people, users, programmes) refer to organisations, and this
# feature may not import them (docs/ARCHITECTURE.md). So a merge finds what refers to an
# organisation from the mapped foreign keys themselves: a table added later that refers to
# organisations is moved along without anyone remembering to list it here.

# What each referring table is called in a message; a table not named here is called by its name.
REFERRING_NOUNS = {
    "enrolment": _l("leadership groups"),
    "user_account": _l("user accounts"),
    "person": _l("people"),
    "programme": _l("programmes"),
    "organisation": _l("agencies it owns"),
}


def referring_columns() -> list[tuple[type, str]]:
    """Every mapped (model, attribute) whose column is a foreign key to an organisation."""
    found = []
    for mapper in db.Model.registry.mappers:
        for prop in mapper.column_attrs:
            for column in prop.columns:
                if any(fk.column.table.name == Organisation.__tablename__ for fk in column.foreign_keys):
                    found.append((mapper.class_, prop.key))
    return sorted(found, key=lambda pair: (pair[0].__tablename__, pair[1]))


def references_to(organisation: Organisation) -> list[tuple[str, int]]:
    """What refers to the organisation: (noun, count) for each kind of record that does."""
    counts: dict[str, int] = {}
    for model, attribute in referring_columns():
        count = db.session.scalar(
            select(func.count()).select_from(model).where(getattr(model, attribute) == organisation.id))
        if count:
            noun = str(REFERRING_NOUNS.get(model.__tablename__, model.__tablename__))
            counts[noun] = counts.get(noun, 0) + count
    return sorted(counts.items())


def delete_organisation(organisation: Organisation, *, version: object) -> None:
    """Delete an organisation nothing refers to (a mistake, or a duplicate never used).

    :raise DomainError: when anything refers to it; merging is the way to remove those.
    :raise ConflictError: when someone saved it after `version`.
    """
    check_version(organisation, version)
    references = references_to(organisation)
    if references:
        raise DomainError(_l(
            "%(name)s cannot be deleted: %(references)s refer to it. Merge it into another "
            "organisation instead.", name=organisation.name_nb,
            references=", ".join(f"{noun} ({count})" for noun, count in references)))
    db.session.delete(organisation)
    db.session.flush()


def merge_candidates(organisation: Organisation) -> list[Organisation]:
    """The organisations another one may be merged into: not itself, nor one it owns."""
    return list(db.session.scalars(
        select(Organisation)
        .where(Organisation.id != organisation.id)
        .where(Organisation.owning_ministry_id.is_(None)
               | (Organisation.owning_ministry_id != organisation.id))
        .order_by(Organisation.name_nb)
    ))


def merge_organisations(merged: Organisation, survivor: Organisation, *, version: object) -> dict[str, int]:
    """Move everything that refers to `merged` (its groups with their members and history, user
    accounts, people, programmes, agencies) to `survivor`, fill the survivor's blank number,
    English name and short name from it, and delete it. Every moved record is in the change log.
    Returns how many records of each table moved.

    :raise DomainError: (field `into`) into itself, into one of its own agencies, an owner of
        agencies into a body that is not a ministry, or when both have a record that may exist
        once per organisation (groups in the same cohort).
    :raise ConflictError: when someone saved `merged` after `version`.
    """
    check_version(merged, version)
    if survivor.id == merged.id:
        raise DomainError(_l("An organisation cannot be merged into itself."), field="into")
    if survivor.owning_ministry_id == merged.id:
        raise DomainError(_l("%(name)s cannot be merged into one of its own agencies.",
                             name=merged.name_nb), field="into")
    if survivor.kind is not OrganisationKind.MINISTRY and owns_agencies(merged):
        raise DomainError(_l("%(name)s owns agencies, so it can only be merged into a ministry.",
                             name=merged.name_nb), field="into")
    for model, attribute in referring_columns():
        check_no_clash(model, attribute, merged, survivor)
    moved: dict[str, int] = {}
    for model, attribute in referring_columns():
        column = getattr(model, attribute)
        for record in db.session.scalars(select(model).where(column == merged.id)):
            setattr(record, attribute, survivor.id)
            if hasattr(record, "session_version"):
                # A user's scope changes with their organisation: their sign-ins start again.
                record.session_version += 1
            moved[model.__tablename__] = moved.get(model.__tablename__, 0) + 1
    db.session.flush()
    db.session.expire(merged)
    kept = {name: getattr(merged, name) for name in ("org_number", "name_en", "short_name")}
    merged_id = merged.id
    db.session.delete(merged)
    db.session.flush()
    for name, value in kept.items():
        if value and not getattr(survivor, name):
            setattr(survivor, name, value)
    db.session.flush()
    # Users' scope moved with them: a security event as well as entries in the change log.
    security_log.record("organisation_merged", merged_id=merged_id, into_id=survivor.id,
                        moved={table: count for table, count in moved.items()})
    return moved


def check_no_clash(model: type, attribute: str, merged: Organisation, survivor: Organisation) -> None:
    """Refuse a merge that would give the survivor two records where the database allows one per
    organisation (two groups in one cohort): which one to keep is a person's choice."""
    table = model.__table__
    column = table.c[getattr(model, attribute).property.columns[0].name]
    for constraint in table.constraints:
        if not isinstance(constraint, UniqueConstraint) or column.name not in constraint.columns.keys():
            continue
        if len(constraint.columns) < 2:
            continue
        others = [c for c in constraint.columns if c is not column]
        mine, theirs = table.alias("mine"), table.alias("theirs")
        clash = db.session.execute(
            select(mine.c[others[0].name])
            .join(theirs, and_(*(mine.c[c.name] == theirs.c[c.name] for c in others)))
            .where(mine.c[column.name] == merged.id, theirs.c[column.name] == survivor.id)
            .limit(1)
        ).first()
        if clash is None:
            continue
        if model.__tablename__ == "enrolment":
            record = db.session.scalars(select(model).where(
                column == merged.id, others[0] == clash[0])).first()
            cohort = getattr(record, "cohort", None)
            raise DomainError(_l(
                "%(merged)s and %(survivor)s both have a leadership group in %(cohort)s. Remove "
                "or withdraw one of them first; nothing is merged.", merged=merged.name_nb,
                survivor=survivor.name_nb, cohort=getattr(cohort, "label", clash[0])), field="into")
        raise DomainError(_l(
            "%(merged)s and %(survivor)s both have %(noun)s that may exist only once per "
            "organisation. Remove one of them first; nothing is merged.", merged=merged.name_nb,
            survivor=survivor.name_nb, noun=REFERRING_NOUNS.get(model.__tablename__, model.__tablename__)),
            field="into")
