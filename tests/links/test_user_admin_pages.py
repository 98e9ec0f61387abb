"""The administrator's user list (search and filters) and a user's page: status, how they sign
in, live links, and the buttons that send or revoke links and remove two-factor."""
import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.auth.models import ExternalIdentity, RecoveryCode
from tracker.organisations.models import OrganisationKind


def emails_listed(response) -> list[str]:
    page = read(response.data)
    return [a["href"] for a in page.all("a") if a.get("href", "").startswith("/admin/users/")
            and a["href"].rstrip("/").rsplit("/", 1)[-1].isdigit()]


def test_search_and_filters(admin, db, make_user, make_organisation):
    kd = make_organisation(name_nb="Kunnskapsdepartementet", kind=OrganisationKind.MINISTRY)
    udir = make_organisation(name_nb="Utdanningsdirektoratet", owning_ministry=kd)
    db.session.commit()
    kari = make_user("agency", organisation=udir, email="kari.nordmann@udir.example.org")
    ola = make_user("ministry", organisation=kd, email="ola@kd.example.org")
    per = make_user("coordinator", email="per_100%@example.org")

    def found(**query):
        response = admin.get("/admin/users/", query_string=query)
        assert response.status_code == 200
        text = read(response.data).text
        return {user.email for user in (kari, ola, per) if user.email in text}

    assert found() == {kari.email, ola.email, per.email}
    assert found(q="NORDMANN") == {kari.email}
    assert found(q="_100%") == {per.email}  # wildcards are letters, not patterns
    assert found(q="%") == {per.email}
    assert found(role="MINISTRY") == {ola.email}
    assert found(organisation=str(udir.id)) == {kari.email}
    assert found(q="example.org", role="AGENCY", organisation=str(kd.id)) == set()



@pytest.mark.parametrize("query, says", [
    ({"role": "EMPEROR"}, "Rolle: velg en fra listen."),
    ({"organisation": "99999"}, "Virksomhet: velg en fra listen."),
    ({"q": "x" * 5000}, "E-post inneholder: høyst"),
    ({"organisation": "x\x00"}, "Virksomhet:"),
])
def test_a_filter_that_cannot_be_read_is_said_so_not_ignored(admin, make_user, query, says):
    make_user("coordinator", email="kari@example.org")
    response = admin.get("/admin/users/", query_string=query)
    assert response.status_code == 400
    text = read(response.data).text
    assert says in text and "kari@example.org" not in text


def test_the_list_shows_status_and_last_sign_in(admin, db, make_user):
    make_user("coordinator", email="invitert@example.org", password=None)
    text = read(admin.get("/admin/users/").data).text
    assert "Invitert" in text and "Aldri" in text
    assert "Aktiv" in text  # the admin, who is signed in


def test_a_users_page_shows_how_they_sign_in_and_their_links(app, admin, db, make_user, inbox,
                                                              monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_PROVIDERS", {"entra": {
        "name": "Entra ID", "issuer": "https://login.example/t/v2.0", "client_id": "y"}})
    user = make_user("coordinator", email="kari@example.org", password=None)
    db.session.add(ExternalIdentity(user=user, provider="entra", subject="abc", label="kari@dfo.no"))
    db.session.commit()
    admin.post(f"/admin/users/{user.id}/password-reset", data={"csrf_token": csrf_token(admin)})
    text = read(admin.get(f"/admin/users/{user.id}").data).text
    assert "Invitert" in text  # never signed in
    assert "Entra ID: kari@dfo.no" in text and "entra:" not in text
    assert "Nytt passord, sendt" in text
    assert "Fjern totrinnsinnlogging" not in text  # none enrolled


def test_removing_two_factor(app, admin, db, make_user):
    user = make_user("coordinator")
    user.totp_secret = "JBSWY3DPEHPK3PXP"
    user.totp_last_step = 123
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash="x" * 64) for _ in range(3)])
    db.session.commit()
    theirs = app.test_client()
    login_as(theirs, user)
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f'action="/admin/users/{user.id}/two-factor/reset"' in page
    response = admin.post(f"/admin/users/{user.id}/two-factor/reset",
                          data={"csrf_token": csrf_token(admin)})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.totp_secret is None and user.totp_last_step is None
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id)) == 0
    assert "/login" in theirs.get("/").headers["Location"]
    # Again: nothing left to remove, said so, nothing breaks.
    response = admin.post(f"/admin/users/{user.id}/two-factor/reset",
                          data={"csrf_token": csrf_token(admin)})
    assert "ingen totrinnsinnlogging" in read(admin.get(response.headers["Location"]).data).text


def test_re_sending_an_invitation_to_someone_who_has_signed_in_is_refused(admin, db, make_user, inbox):
    user = make_user("coordinator")
    login_as(admin.application.test_client(), user)
    response = admin.post(f"/admin/users/{user.id}/invitation", data={"csrf_token": csrf_token(admin)})
    assert "allerede logget inn" in read(admin.get(response.headers["Location"]).data).text
    assert inbox.all() == []


def test_buttons_without_a_csrf_token_do_nothing(admin, db, make_user, inbox):
    user = make_user("coordinator")
    for action in ("invitation", "password-reset", "invitation/revoke", "two-factor/reset"):
        response = admin.post(f"/admin/users/{user.id}/{action}")
        assert response.status_code in (302, 400)
    assert inbox.all() == []


def test_no_one_but_an_admin_sends_links(app, db, make_user, inbox):
    target = make_user("coordinator")
    coordinator = app.test_client()
    login_as(coordinator, make_user("coordinator"))
    response = coordinator.post(f"/admin/users/{target.id}/password-reset",
                                data={"csrf_token": csrf_token(coordinator)})
    assert response.status_code == 403
    assert inbox.all() == []


def test_only_changing_the_role_asks_for_a_recent_check(admin, db, make_user, frozen_clock, monkeypatch):
    """The page and the link buttons do not; a role change does (tracker.auth.recent)."""
    from datetime import timedelta

    import tracker.auth.recent
    from tracker import clock

    user = make_user("coordinator")
    frozen_clock(clock.now() + timedelta(minutes=20))
    assert admin.get(f"/admin/users/{user.id}").status_code == 200
    assert admin.post(f"/admin/users/{user.id}/password-reset",
                      data={"csrf_token": csrf_token(admin)}).status_code == 302
    asked = []
    monkeypatch.setattr(tracker.auth.recent, "url_for", lambda endpoint, **values: asked.append(endpoint) or "/")
    admin.post(f"/admin/users/{user.id}", data={"role": "ADMIN", "organisation": "", "active": "y",
                                                "csrf_token": csrf_token(admin)})
    assert asked == ["auth.confirm"]
    db.session.expire_all()
    assert user.role.name == "COORDINATOR"


def test_an_account_given_a_password_is_active_not_invited(admin, db, make_user):
    """Invited means only the invitation opens the account: an account that has a password
    (the command line, the demo, before sign-ins were recorded) is active, and gets no
    "send the invitation again" button, though nobody has signed in to it yet."""
    with_password = make_user("coordinator", email="passord@example.org")
    invited = make_user("coordinator", email="invitert@example.org", password=None)
    assert with_password.status.name == "ACTIVE" and invited.status.name == "INVITED"
    page = read(admin.get(f"/admin/users/{with_password.id}").data).text
    assert "Aktiv" in page and "Invitert" not in page
    assert "Send invitasjonen på nytt" not in page
    page = read(admin.get(f"/admin/users/{invited.id}").data).text
    assert "Invitert" in page and "Send invitasjonen på nytt" in page


def test_times_are_written_in_the_house_style_and_a_links_origin_plainly(admin, db, make_user,
                                                                     frozen_clock, inbox):
    from datetime import datetime, timezone

    frozen_clock(datetime(2026, 11, 28, 6, 57, 14, tzinfo=timezone.utc))  # 07:57:14 in Oslo
    user = make_user("coordinator", email="ny@example.org", password=None)
    response = admin.post(f"/admin/users/{user.id}/invitation",
                          data={"csrf_token": csrf_token(admin)})
    flashed = read(admin.get(response.headers["Location"]).data).text
    assert "1. desember 2026 kl. 07.57" in flashed and "07.57.14" not in flashed
    from tracker.users.links import send_password_reset

    send_password_reset(user)
    db.session.commit()
    page = read(admin.get(f"/admin/users/{user.id}").data).text
    assert "07.57.14" not in page and "28. november 2026 kl. 07.57" in page
    assert "bestilt 28. november 2026 kl. 07.57 av brukeren selv eller laget på kommandolinjen" in page


def test_the_welcome_after_single_sign_on_names_the_provider(app):
    from tracker.users.links import welcome_message

    with app.test_request_context(headers={"Accept-Language": "nn"}):
        assert welcome_message("ID-porten") == (
            "Velkomen! Du er logga inn med ID-porten. Neste gong vel du ID-porten på "
            "innloggingssida.")
        assert welcome_message() == "Velkomen! Passordet ditt er lagra."


def test_an_account_with_a_password_gets_no_invitation_and_is_told_why(admin, db, make_user,
                                                                        inbox):
    user = make_user("coordinator", email="robot@example.org")  # a password, never signed in
    response = admin.post(f"/admin/users/{user.id}/invitation",
                          data={"csrf_token": csrf_token(admin)})
    text = read(admin.get(response.headers["Location"]).data).text
    assert "har et passord" in text and inbox.all() == []
