from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login_as
from tests.html import read
from tracker.audit.models import AuditAction, AuditEntry
from tracker.groups.models import EnrolmentStatus
from tracker.groups.services import enrol, record_status
from tracker.organisations.models import Organisation


def entries_for(db, table, record_id):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.table_name == table, AuditEntry.record_id == record_id).order_by(AuditEntry.id)).all()


def test_create_update_and_delete_are_recorded_with_old_and_new_values(db, make_organisation):
    org = make_organisation(name_nb="Konkurransetilsynet", org_number="974761246")
    db.session.commit()
    org.short_name = "KT"
    org.name_en = "Norwegian Competition Authority"
    db.session.commit()
    db.session.delete(org)
    db.session.commit()
    created, updated, deleted = entries_for(db, "organisation", org.id)
    assert created.action is AuditAction.CREATE
    assert created.changes["org_number"] == [None, "974761246"]
    assert created.changes["kind"] == [None, "DIRECTORATE"]
    assert updated.action is AuditAction.UPDATE
    assert updated.changes == {"short_name": [None, "KT"], "name_en": [None, "Norwegian Competition Authority"]}
    assert deleted.action is AuditAction.DELETE
    assert deleted.changes["name_nb"] == ["Konkurransetilsynet", None]
    assert {created.actor, updated.actor, deleted.actor} == {"cli"}


def test_the_entry_shares_the_changes_transaction(db, make_organisation):
    make_organisation(name_nb="Mattilsynet")
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_an_unchanged_save_writes_nothing(db, make_organisation):
    org = make_organisation(name_nb="Mattilsynet", short_name="MT")
    db.session.commit()
    org.short_name = "MT"
    db.session.commit()
    assert len(entries_for(db, "organisation", org.id)) == 1


def test_entries_know_their_cohort_and_group(db, make_cohort, make_organisation):
    cohort = make_cohort()
    enrolment = enrol(cohort, make_organisation())
    db.session.commit()
    record_status(enrolment, EnrolmentStatus.CONFIRMED, reason="Bekreftet i møte")
    db.session.commit()
    changes = db.session.scalars(select(AuditEntry).where(AuditEntry.enrolment_id == enrolment.id)).all()
    assert {e.table_name for e in changes} == {"enrolment", "enrolment_status_change"}
    assert all(e.cohort_id == cohort.id for e in changes)


def test_passwords_never_reach_the_log(db, make_user):
    from tracker.users.services import change_password

    user = make_user("coordinator")
    change_password(user, "korrekt hest batteri stift", "fjord paraply kanelbolle")
    db.session.commit()
    logged = [e.changes for e in entries_for(db, "user_account", user.id)]
    assert all("argon2" not in str(changes) for changes in logged)
    assert logged[-1] == {"password_hash": ["[hidden]", "[hidden]"]}


def test_a_change_through_the_ui_names_who_made_it(client, db, make_user):
    admin = make_user("admin")
    login_as(client, admin)
    client.post("/admin/users/new", data={"email": "ny@example.org", "role": "COORDINATOR", "organisation": "",
                                          "password": "fjord paraply kanelbolle", "csrf_token": csrf_token(client)})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.table_name == "user_account")
                              .order_by(AuditEntry.id.desc()))
    assert entry.actor == admin.email and entry.user_id == admin.id
    assert entry.changes["email"] == [None, "ny@example.org"]


@pytest.fixture
def coordinator(client, make_user):
    login_as(client, make_user("coordinator"))
    return client


def test_log_pages_show_the_newest_first_per_cohort_and_group(coordinator, db, make_cohort, make_organisation):
    first = make_cohort(label="Kull 1")
    other = make_cohort(label="Kull 2", start_date=date(2016, 10, 3))
    enrolment = enrol(first, make_organisation(name_nb="Helsedirektoratet"))
    enrol(other, make_organisation(name_nb="Mattilsynet"))
    db.session.commit()
    record_status(enrolment, EnrolmentStatus.WITHDRAWN, reason="Omorganisering")
    db.session.commit()
    cohort_page = read(coordinator.get(f"/audit/cohorts/{first.id}?demo=y").get_data(as_text=True)
                       .split("audit-actions")[1].encode())
    assert "Omorganisering" in cohort_page.text and "Mattilsynet" not in cohort_page.text
    group_page = coordinator.get(f"/audit/groups/{enrolment.id}?demo=y").get_data(as_text=True)
    assert group_page.index("invitert → trukket") < group_page.index("lagt til, invitert")
    programme = read(coordinator.get("/audit/?demo=y").data)
    assert "Mattilsynet" in programme.text and "Helsedirektoratet" in programme.text


def test_the_log_is_paginated_and_a_page_past_the_end_is_404(coordinator, db, make_organisation):
    for n in range(60):
        make_organisation(name_nb=f"Virksomhet {n:02}")
    db.session.commit()
    # One commit, one action: sixty organisations added in one go are one entry.
    first = coordinator.get("/audit/?demo=y").get_data(as_text=True)
    assert sum("Virksomhet" in action for action in first.split('class="audit-action"')[1:]) == 1


def test_the_log_is_paginated_by_action_and_a_page_past_the_end_is_404(coordinator, db, make_organisation):
    import re

    from tracker.audit.routes import PER_PAGE

    for n in range(PER_PAGE + 10):
        make_organisation(name_nb=f"Virksomhet {n:02}")
        db.session.commit()
    first = coordinator.get("/audit/?demo=y").get_data(as_text=True)
    assert f"Virksomhet {PER_PAGE + 9}" in first and "Virksomhet 10" in first and "Virksomhet 09" not in first
    older = re.search(r'href="([^"]+)" rel="next">', first).group(1).replace("&amp;", "&")
    assert "demo=y" in older and "before=" in older
    second = coordinator.get(older).get_data(as_text=True)
    assert "Virksomhet 09" in second and "Virksomhet 00" in second and "Virksomhet 10" not in second
    assert "Nyeste endringer" in second  # back to the first page
    past = coordinator.get("/audit/?before=1&demo=y", headers={"Accept-Language": "en"})
    assert past.status_code == 404
    assert "There are no older changes in the log." in past.get_data(as_text=True)
    assert 'href="/audit/?demo=y">Go to the newest changes</a>' in past.get_data(as_text=True)


def test_an_empty_log_says_the_command_lines_changes_are_left_out(coordinator, db, make_organisation):
    """A new user opening the demo's log sees why it looks empty: what the demo loaded was done
    from the command line, shown only with the box ticked."""
    make_organisation(name_nb="Virksomhet fra kommandolinjen")
    db.session.commit()
    plain = coordinator.get("/audit/").get_data(as_text=True)
    assert "Ingen endringer er registrert ennå." in plain
    assert "Vis demoens egne endringer" in plain and "er utelatt med mindre du krysser av" in plain
    ticked = coordinator.get("/audit/?demo=y").get_data(as_text=True)
    assert "Virksomhet fra kommandolinjen" in ticked and "er utelatt med mindre" not in ticked
