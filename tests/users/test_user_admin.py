import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, csrf_token, login_as
from tests.html import read
from tracker.domain import DomainError
from tracker.organisations.models import OrganisationKind
from tracker.roles import Role
from tracker.users.models import User
from tracker.users.services import check_password_policy, create_user


def user_count(db):
    return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("password", ["elleve tegn", "password123", "Qwertyuiop123", "passord12345", "zzzzzzzzzzzzzz"])
def test_short_or_common_passwords_are_refused(password):
    with pytest.raises(DomainError):
        check_password_policy(password)


def test_a_long_uncommon_password_is_accepted():
    check_password_policy("fjord paraply kanelbolle")


@pytest.mark.parametrize("role, kind, field_ok", [
    (Role.AGENCY, OrganisationKind.DIRECTORATE, True),
    (Role.AGENCY, OrganisationKind.MINISTRY, True),  # a ministry's own group has leaders too
    (Role.MINISTRY, OrganisationKind.MINISTRY, True),
    (Role.MINISTRY, OrganisationKind.DIRECTORATE, False),
    (Role.COORDINATOR, OrganisationKind.DIRECTORATE, False),
    (Role.COORDINATOR, None, True),
    (Role.AGENCY, None, False),
])
def test_roles_and_scopes_must_fit(db, make_organisation, role, kind, field_ok):
    organisation = make_organisation(kind=kind) if kind else None
    if field_ok:
        create_user("ny@example.org", role, organisation, password=PASSWORD)
    else:
        with pytest.raises(DomainError) as error:
            create_user("ny@example.org", role, organisation, password=PASSWORD)
        assert error.value.field == "organisation"


@pytest.fixture
def admin_client(client, make_user):
    admin = make_user("admin")
    login_as(client, admin)
    client.admin = admin
    return client


def test_an_admin_creates_a_user_from_the_form(admin_client, db, make_organisation):
    udir = make_organisation(name_nb="Utdanningsdirektoratet")
    db.session.commit()
    response = admin_client.post("/admin/users/new", data={
        "email": "Leder@Udir.example.org", "role": "AGENCY", "organisation": str(udir.id),
        "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "leder@udir.example.org"))
    assert user.role is Role.AGENCY and user.organisation_id == udir.id
    assert not user.has_password  # they choose it through the invitation


@pytest.mark.parametrize("data, field", [
    ({"email": "ikke-en-adresse", "role": "COORDINATOR", "password": "fjord paraply kanelbolle"}, "email"),
    ({"email": "ny@example.org", "role": "AGENCY", "password": "fjord paraply kanelbolle"}, "organisation"),
    ({"email": "ny@example.org", "role": "EMPEROR", "password": "fjord paraply kanelbolle"}, "role"),
    ({"email": "x" * 250 + "@example.org", "role": "COORDINATOR", "password": "fjord paraply kanelbolle"}, "email"),
])
def test_bad_input_re_renders_the_form_with_the_field_marked_and_nothing_created(admin_client, db, data, field):
    before = user_count(db)
    response = admin_client.post("/admin/users/new", data={**data, "organisation": "", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 400
    page = read(response.data)
    assert page.all("input" if field in ("email", "password") else "select", id=field)[0].get("aria-invalid") == "true"
    assert page.all("div", **{"class": "ds-error-summary"})
    if field == "email" and "@" in data["email"]:
        assert page.all("input", id="email")[0]["value"] == data["email"]  # keeps what was typed
    assert user_count(db) == before


def test_a_duplicate_email_is_refused(admin_client, db, make_user):
    existing = make_user("coordinator")
    response = admin_client.post("/admin/users/new", data={
        "email": existing.email.upper(), "role": "COORDINATOR", "organisation": "",
        "password": "fjord paraply kanelbolle", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 400
    assert "finnes allerede" in read(response.data).text


def test_changing_a_role_signs_the_user_out_and_takes_effect(app, admin_client, db, make_user, make_organisation):
    target = make_user("coordinator")
    theirs = app.test_client()
    login_as(theirs, target)
    assert theirs.get("/people/").status_code == 200
    agency = make_organisation(name_nb="Lånekassen")
    db.session.commit()
    response = admin_client.post(f"/admin/users/{target.id}", data={
        "role": "AGENCY", "organisation": str(agency.id), "active": "y", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 302
    assert "/login" in theirs.get("/people/").headers["Location"]
    db.session.refresh(target)
    login_as(theirs, target)
    assert theirs.get("/people/").status_code == 403


def test_deactivating_from_the_form_signs_the_user_out(app, admin_client, db, make_user):
    target = make_user("coordinator")
    theirs = app.test_client()
    login_as(theirs, target)
    admin_client.post(f"/admin/users/{target.id}", data={"role": "COORDINATOR", "organisation": "",
                                                        "csrf_token": csrf_token(admin_client)})
    assert "/login" in theirs.get("/").headers["Location"]


def test_an_admin_cannot_lock_themselves_out(admin_client, db):
    response = admin_client.post(f"/admin/users/{admin_client.admin.id}", data={
        "role": "COORDINATOR", "organisation": "", "active": "y", "csrf_token": csrf_token(admin_client)})
    assert response.status_code == 400
    db.session.refresh(admin_client.admin)
    assert admin_client.admin.role is Role.ADMIN


class TestCommandLine:
    def run(self, app, *args, input=None):
        return app.test_cli_runner().invoke(args=["users", *args], input=input)

    def test_create_with_password_from_stdin_then_sign_in(self, app, client, db, make_organisation):
        make_organisation(name_nb="Kunnskapsdepartementet", short_name="KD", kind=OrganisationKind.MINISTRY,
                          org_number="872417842")
        db.session.commit()
        result = self.run(app, "create", "--email", "kd@example.org", "--role", "ministry",
                          "--organisation", "kd", "--password-stdin", input="fjord paraply kanelbolle\n")
        assert result.exit_code == 0, result.output
        assert "Password" not in result.output
        user = db.session.scalar(select(User).where(User.email == "kd@example.org"))
        assert user.role is Role.MINISTRY and user.organisation.short_name == "KD"
        response = client.post("/login", data={"email": "kd@example.org", "password": "fjord paraply kanelbolle",
                                               "csrf_token": csrf_token(client)})
        assert response.status_code == 302

    def test_create_by_org_number_sends_an_invitation(self, app, db, make_organisation):
        make_organisation(name_nb="Skattedirektoratet", org_number="974761076")
        db.session.commit()
        result = self.run(app, "create", "--email", "skd@example.org", "--role", "agency",
                          "--organisation", "974 761 076")
        assert result.exit_code == 0, result.output
        assert "Queued an invitation to skd@example.org" in result.output
        assert "/invitation/" in result.output  # no MAIL_URL: the operator gets the link too
        assert "Password" not in result.output

    @pytest.mark.parametrize("args, message", [
        (["--role", "emperor"], "emperor"),
        (["--role", "agency", "--organisation", "NOSUCH"], "NOSUCH"),
        (["--role", "agency"], "organisation"),
        (["--role", "coordinator", "--password-stdin"], "password"),
    ])
    def test_bad_arguments_are_refused_and_nothing_is_created(self, app, db, args, message):
        result = self.run(app, "create", "--email", "x@example.org", *args, input="kort\n")
        assert result.exit_code != 0
        assert message in result.output
        assert user_count(db) == 0

    def test_list_and_deactivate(self, app, make_user):
        user = make_user("coordinator", password=None)
        assert f"{user.email}\tcoordinator\t-\tinvited" in self.run(app, "list").output
        assert self.run(app, "deactivate", user.email.upper()).exit_code == 0
        assert f"{user.email}\tcoordinator\t-\tdeactivated" in self.run(app, "list").output
        result = self.run(app, "deactivate", "nobody@example.org")
        assert result.exit_code != 0 and "nobody@example.org" in result.output


def test_a_token_from_the_command_line_may_expire(app, db, make_user, frozen_clock):
    from datetime import datetime, timedelta, timezone

    from tracker.auth.models import ApiToken

    now = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)
    frozen_clock(now)
    user = make_user("coordinator")
    result = app.test_cli_runner().invoke(args=["users", "token", user.email, "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "2026-12-02 08:00" in result.output
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.expires_at == now + timedelta(days=30)
    refused = app.test_cli_runner().invoke(args=["users", "token", user.email, "--days", "7"])
    assert refused.exit_code != 0


def test_an_account_without_a_password_costs_a_hash_like_any_other(make_user, monkeypatch):
    """Invited and single-sign-on accounts have no password; a wrong guess at one must take as
    long as at any other account, or the time tells which addresses have none."""
    from argon2 import PasswordHasher

    from tracker.users.services import authenticate

    invited = make_user("agency", password=None)
    verified = []
    original = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify",
                        lambda self, hash, password: verified.append(hash) or original(self, hash, password))
    assert authenticate(invited.email, "noe helt annet enn et passord") is None
    assert len(verified) == 1
