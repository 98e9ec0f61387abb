import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from tracker.domain import DomainError
from tracker.organisations.models import Organisation, OrganisationKind
from tracker.organisations.services import create_organisation


def count(db):
    return db.session.scalar(select(func.count(Organisation.id)))


def test_creates_an_agency_under_its_ministry(db, make_organisation):
    kd = make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD",
                           kind=OrganisationKind.MINISTRY, org_number="872417842")
    udir = make_organisation(name_nb="Utdanningsdirektoratet", org_number="970 018 131",
                             owning_ministry=kd)
    db.session.commit()
    assert udir.org_number == "970018131"
    assert kd.agencies == [udir]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"org_number": "970018132"}, "org_number"),
        ({"org_number": "12345"}, "org_number"),
        ({"kind": OrganisationKind.MINISTRY, "owning_ministry": "ministry"}, "owning_ministry"),
        ({"owning_ministry": "agency"}, "owning_ministry"),
    ],
)
def test_refuses_bad_input_naming_the_field_and_writes_nothing(db, make_organisation, kwargs, field):
    ministry = make_organisation(name_nb="Finansdepartementet", kind=OrganisationKind.MINISTRY)
    agency = make_organisation(name_nb="Skattedirektoratet", owning_ministry=ministry)
    db.session.commit()
    before = count(db)
    kwargs = {k: {"ministry": ministry, "agency": agency}.get(v, v) if isinstance(v, str) and k == "owning_ministry" else v
              for k, v in kwargs.items()}
    kwargs.setdefault("kind", OrganisationKind.DIRECTORATE)
    with pytest.raises(DomainError) as error:
        create_organisation(name_nb="Nytt direktorat", **kwargs)
    db.session.commit()
    assert error.value.field == field
    assert count(db) == before


def test_refuses_a_number_another_organisation_has(db, make_organisation):
    make_organisation(name_nb="Mattilsynet", org_number="985399077")
    with pytest.raises(DomainError) as error:
        create_organisation(name_nb="Mattilsynet 2", kind=OrganisationKind.DIRECTORATE,
                            org_number="985399077")
    assert error.value.field == "org_number"


def test_database_refuses_a_ministry_with_an_owner(db, make_organisation):
    ministry = make_organisation(name_nb="Klima- og miljødepartementet", kind=OrganisationKind.MINISTRY)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert(Organisation).values(
            name_nb="Departement under departement", kind=OrganisationKind.MINISTRY,
            owning_ministry_id=ministry.id))
    db.session.rollback()


def test_database_refuses_a_short_or_duplicate_number(db, make_organisation):
    make_organisation(name_nb="Miljødirektoratet", org_number="999601391")
    db.session.commit()
    for values in (
        {"name_nb": "Kort", "org_number": "1234"},
        {"name_nb": "Dobbel", "org_number": "999601391"},
    ):
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Organisation).values(kind=OrganisationKind.OTHER, **values))
        db.session.rollback()


def test_database_refuses_an_unknown_kind(db):
    from sqlalchemy import text

    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO organisation (name_nb, kind) VALUES ('X', 'COUNTY')"))
    db.session.rollback()


def test_name_follows_the_language_and_falls_back_to_bokmal(make_organisation):
    org = make_organisation(name_nb="Lånekassen", name_en="Norwegian State Educational Loan Fund")
    assert org.name("en") == "Norwegian State Educational Loan Fund"
    assert org.name("nb") == "Lånekassen"
    assert make_organisation(name_nb="Uten engelsk").name("en") == "Uten engelsk"
