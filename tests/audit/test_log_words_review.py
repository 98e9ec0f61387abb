"""Review 11, item 6: the change log in the programme's words, not the database's."""
from datetime import date

from sqlalchemy import inspect

from tests.audit.test_log_in_words import actions_on, coordinator, world  # noqa: F401
from tracker.audit.services import IGNORED_FIELDS, audited_models
from tracker.audit.words import FIELD_WORDS, MAIN_FIELDS, QUIET_FIELDS, TABLE_WORDS
from tracker.extensions import db
from tracker.people.models import MemberRole, Membership, Person
from tracker.schedule.models import Attendance, AttendanceStatus, SessionGuest


def test_every_audited_table_and_column_has_words(app):
    with app.app_context():
        missing = []
        for model in audited_models():
            if model.__tablename__ not in TABLE_WORDS:
                missing.append(model.__tablename__)
            for attribute in inspect(model).column_attrs:
                key = attribute.key
                if key not in IGNORED_FIELDS | QUIET_FIELDS | MAIN_FIELDS and key not in FIELD_WORDS:
                    missing.append(f"{model.__tablename__}.{key}")
    assert missing == []


def test_a_field_is_named_in_words_and_an_empty_value_is_a_dash(coordinator, world):  # noqa: F811
    world["session"].cancellation_reason = "Toppleder syk"
    db.session.commit()
    text, _ = actions_on(coordinator, "?demo=y&kind=session")
    assert "årsak til avlysning: – → Toppleder syk" in text
    assert "cancellation_reason" not in text and "∅" not in text


def test_a_guest_is_named_with_the_session(coordinator, world, make_person):  # noqa: F811
    ola = make_person(name="Ola Gjest")
    db.session.add(SessionGuest(session=world["session"], person=ola))
    db.session.commit()
    text, _ = actions_on(coordinator, "?demo=y&kind=session_guest")
    module = world["session"].module.name_nb
    assert "Ola Gjest lagt til som gjest" in text and module in text
    assert "session_guest" not in text


def test_feed_addresses_are_left_out_of_the_log(coordinator, world):  # noqa: F811
    from tracker.audit.models import AuditAction, AuditEntry

    db.session.add(AuditEntry(actor="x@example.org", action=AuditAction.CREATE, table_name="feed_token",
                              record_id=1, changes={"token_hash": ["[hidden]", "[hidden]"]}))
    db.session.commit()
    text, _ = actions_on(coordinator, "?demo=y")
    assert "feed_token" not in text and "token_hash" not in text


def test_the_person_filter_is_a_search_and_shows_only_that_person_s_rows(coordinator, world, make_person):  # noqa: F811
    per = make_person(name="Per Hansen")
    db.session.commit()
    db.session.add_all([Attendance(person=world["kari"], session=world["session"], status=AttendanceStatus.PRESENT),
                        Attendance(person=per, session=world["session"], status=AttendanceStatus.PRESENT)])
    db.session.commit()
    page = coordinator.get("/audit/?person=Kari").get_data(as_text=True)
    assert '<select id="person"' not in page and 'name="person"' in page and 'value="Kari"' in page
    text, count = actions_on(coordinator, "?demo=y&person=Kari")
    assert "Kari Nordmann" in text and "Per Hansen" not in text


def test_pasting_members_is_one_line_per_person(coordinator, world):  # noqa: F811
    for name in ("Ola Nordmann", "Eva Hansen"):
        person = Person(name=name, email=f"{name.split()[0].lower()}@example.org")
        db.session.add(Membership(person=person, enrolment=world["group"], role=MemberRole.MEMBER,
                                  joined_on=date(2016, 9, 20)))
    db.session.commit()
    html = coordinator.get("/audit/?demo=y&kind=membership").get_data(as_text=True)
    assert html.count("Ola Nordmann") == 1 and html.count("Eva Hansen") == 1


def test_a_merge_says_what_was_merged_into_what(coordinator, world, make_organisation):  # noqa: F811
    from tracker.organisations.services import merge_organisations

    merged = make_organisation(name_nb="SKATTEETATEN")
    survivor = make_organisation(name_nb="Skatteetaten")
    from tracker.groups.services import enrol
    enrol(world["cohort"], merged)  # its group moves to the survivor
    db.session.commit()
    merge_organisations(merged, survivor, version=merged.version)
    db.session.commit()
    text, _ = actions_on(coordinator, "?demo=y&kind=organisation")
    assert "SKATTEETATEN: slettet, slått sammen med Skatteetaten" in text


def test_a_record_added_and_then_removed_is_named_by_what_it_was_given(coordinator, world, make_organisation):  # noqa: F811
    added = make_organisation(name_nb="Finansdepartementet")
    db.session.commit()
    db.session.delete(added)
    db.session.commit()
    text, _ = actions_on(coordinator, "?demo=y&kind=organisation")
    assert "Finansdepartementet: lagt til" in text and "(slettet): lagt til" not in text


def test_each_record_of_an_action_is_its_own_list_item(coordinator, world, make_organisation):  # noqa: F811
    make_organisation(name_nb="Finansdepartementet")
    make_organisation(name_nb="Skatteetaten")
    db.session.commit()
    html = coordinator.get("/audit/?demo=y&kind=organisation").get_data(as_text=True)
    assert "<li>Finansdepartementet: lagt til" in html and "<li>Skatteetaten: lagt til" in html
    assert '<ul class="audit-changes ds-list">' in html  # bulleted: one line per record
