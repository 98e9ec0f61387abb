"""API tokens expire when their owner chose, and die with the password or the account."""
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tests.auth.conftest import logged
from tests.conftest import PASSWORD, csrf_token, login_as
from tracker.audit.models import AuditAction, AuditEntry
from tracker.auth.models import ApiToken
from tracker.auth.tokens import new_token, revoke

START = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


def api_works(client, secret) -> bool:
    status = client.get("/api/v1/cohorts", headers={"Authorization": f"Bearer {secret}"}).status_code
    assert status in (200, 401)
    return status == 200


@pytest.fixture
def user(make_user):
    return make_user("coordinator")


def test_a_token_works_until_its_expiry(client, user, db, frozen_clock):
    frozen_clock(START)
    token, secret = new_token(user, "script", lifetime_days=30)
    db.session.commit()
    assert token.expires_at == START + timedelta(days=30)
    frozen_clock(START + timedelta(days=29, hours=23))
    assert api_works(client, secret)
    frozen_clock(START + timedelta(days=30))
    assert not api_works(client, secret)


def test_the_expiry_is_chosen_on_the_account_page(client, user, db, frozen_clock):
    frozen_clock(START)
    login_as(client, user)
    response = client.post("/account/tokens", data={"name": "Rapport", "lifetime": "90",
                                                    "csrf_token": csrf_token(client)})
    assert response.status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "Rapport"))
    assert token.expires_at == START + timedelta(days=90)
    response = client.post("/account/tokens", data={"name": "For alltid", "lifetime": "",
                                                    "csrf_token": csrf_token(client)})
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "For alltid")).expires_at is None
    response = client.post("/account/tokens", data={"name": "Rart", "lifetime": "7",
                                                    "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "Rart")) is None


def test_a_password_change_revokes_every_token(client, user, db):
    from tracker.users.services import change_password

    _token, secret = new_token(user, "script")
    db.session.commit()
    assert api_works(client, secret)
    change_password(user, PASSWORD, "et helt nytt og langt passord")
    db.session.commit()
    assert not api_works(client, secret)


def test_deactivation_revokes_tokens_and_reactivation_revives_none(client, user, db):
    from tracker.users.services import deactivate

    token, secret = new_token(user, "script")
    db.session.commit()
    deactivate(user)
    db.session.commit()
    assert token.revoked_at is not None
    user.active = True
    db.session.commit()
    assert not api_works(client, secret)


def test_a_password_rehashed_at_sign_in_revokes_nothing(app, client, user, db, monkeypatch):
    from tests.auth.test_sign_in import sign_in

    _token, secret = new_token(user, "script")
    db.session.commit()
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)  # stronger: the next sign-in rehashes
    old_hash = user.password_hash
    assert sign_in(client, user.email, PASSWORD).status_code == 302
    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert api_works(app.test_client(), secret)
    assert client.get("/account").status_code == 200


def test_making_and_revoking_a_token_are_in_the_change_log_and_the_security_log(user, db, caplog):
    with caplog.at_level(logging.INFO, logger="tracker.security"):
        token, secret = new_token(user, "script", lifetime_days=365)
        db.session.commit()
        revoke(token)
        db.session.commit()
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.table_name == "api_token", AuditEntry.record_id == token.id)
        .order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries] == [AuditAction.CREATE, AuditAction.UPDATE]
    assert entries[0].changes["name"] == [None, "script"]
    assert secret not in str(entries[0].changes)
    assert list(entries[1].changes) == ["revoked_at"]
    assert logged(caplog, event="api_token_created", user_id=user.id, token_id=token.id)
    assert logged(caplog, event="api_token_revoked", user_id=user.id, token_id=token.id)


def test_using_a_token_is_not_in_the_change_log(client, user, db, frozen_clock):
    frozen_clock(START)
    token, secret = new_token(user, "script")
    db.session.commit()
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    assert api_works(client, secret)
    db.session.refresh(token)
    assert token.last_used_at == START
    assert db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) == before
