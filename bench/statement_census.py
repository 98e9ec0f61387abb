"""SQL statements per GET page, for each kind of user, on the demo programme.

Run with `.venv/bin/python bench/statement_census.py [max]`. It builds a throwaway SQLite database
(or uses BENCH_DATABASE_URL), loads the demo, signs in as the demo coordinator, a group leader
(agency), a participant and a ministry viewer, opens every GET page of the URL map with arguments
taken from the demo (the Udir group of the newest cohort, which all four may see) and prints the
statements each answered in; pages over `max` (15) are marked. Asserts nothing:
tests/test_page_statements.py holds the pages to their count.
"""
import os
import re
import sys
import tempfile
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402

USERS = {
    "coordinator": ("koordinator@example.org", "demo fjordlys koordinator"),
    "agency": ("leder.udir@example.org", "demo fjordlys virksomhetsleder"),
    "participant": ("deltaker.udir@example.org", "demo fjordlys deltaker"),
    "ministry": ("departement.kd@example.org", "demo fjordlys departement"),
}
FIXED = {"filename": "css/tracker.css", "kind": "baseline", "fmt": "csv", "provider": "idporten"}
FIXED_FOR = {"calendar.end_shared": {"kind": "enrolment"}}
SKIPPED = {"static", "sso.start", "sso.callback"}


def _arguments() -> dict:
    from tracker.assessments.models import AssessmentDimension
    from tracker.cohorts.models import Cohort
    from tracker.groups.models import Enrolment
    from tracker.materials.models import Material
    from tracker.messages.models import CohortMessage
    from tracker.organisations.models import Organisation
    from tracker.people.models import Membership
    from tracker.programmes.models import CourseModule
    from tracker.schedule.models import Session
    from tracker.surveys.models import HeadlineFigure, Instrument, SurveyRound

    first = lambda statement: db.session.scalar(statement.limit(1))  # noqa: E731
    udir = first(select(Organisation).where(Organisation.name_nb == "Utdanningsdirektoratet"))
    enrolment = first(select(Enrolment).join(Enrolment.cohort).where(Enrolment.organisation_id == udir.id)
                      .order_by(Cohort.ordinal.desc()))
    cohort = enrolment.cohort
    membership = first(select(Membership).where(Membership.enrolment_id == enrolment.id))
    session = first(select(Session).where(Session.enrolment_id == enrolment.id).order_by(Session.starts_at))
    gathering = first(select(Session).where(Session.cohort_id == cohort.id, Session.enrolment_id.is_(None)))
    round_ = first(select(SurveyRound).where(SurveyRound.enrolment_id == enrolment.id))
    instrument = first(select(Instrument))
    values = {
        "cohort_id": cohort.id, "organisation_id": udir.id, "enrolment_id": enrolment.id,
        "subject_id": enrolment.id, "person_id": membership.person_id, "membership_id": membership.id,
        "session_id": session.id, "gathering_id": gathering.id if gathering else None,
        "programme_id": cohort.programme_id,
        "module_id": first(select(CourseModule.id).where(CourseModule.programme_id == cohort.programme_id)),
        "dimension_id": first(select(AssessmentDimension.id)),
        "round_id": round_.id if round_ else None,
        "instrument_id": instrument.id if instrument else None,
        "number": 1, "part": 1,
        "headline_id": first(select(HeadlineFigure.id)),
        "material_id": first(select(Material.id)),
        "message_id": first(select(CohortMessage.id).where(CohortMessage.cohort_id == cohort.id)),
    }
    return values


def census(app, most: int = 15) -> dict:
    with app.app_context():
        values = _arguments()
        engine = db.engine
        rules = [rule for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and rule.endpoint not in SKIPPED and "token" not in rule.arguments
                 and "user_id" not in rule.arguments]
    count = {"n": 0}
    event.listen(engine, "before_cursor_execute",
                 lambda *args, **kwargs: count.__setitem__("n", count["n"] + 1))
    results = {}
    for role, (email, password) in USERS.items():
        client = app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
        answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token.group(1)})
        assert answer.status_code == 302, (role, answer.status_code)
        for rule in sorted(rules, key=lambda rule: rule.rule):
            arguments = {name: FIXED_FOR.get(rule.endpoint, {}).get(name, FIXED.get(name, values.get(name)))
                         for name in rule.arguments}
            if None in arguments.values():
                continue
            with app.test_request_context():
                from flask import url_for
                url = url_for(rule.endpoint, **arguments)
            client.get(url)  # warm: first-time loads (translations, caches) are not the page's
            count["n"] = 0
            response = client.get(url)
            results[(role, rule.endpoint, url)] = (response.status_code, count["n"], response.mimetype)
    return results


def main() -> None:
    most = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    folder = tempfile.mkdtemp()

    class Bench(TestConfig):
        TESTING = False
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/census.sqlite")

    app = create_app(Bench)
    with app.app_context():
        from flask_migrate import upgrade

        from tracker.seed.demo import load_demo

        upgrade()
        load_demo()
    results = census(app, most)
    print(f"{'role':12} {'endpoint':40} {'status':>6} {'SQL':>4}  url")
    for (role, endpoint, url), (status, statements, mimetype) in results.items():
        mark = " <-- over" if statements > most and status == 200 else ""
        print(f"{role:12} {endpoint:40} {status:>6} {statements:>4}  {url} {mimetype}{mark}")


if __name__ == "__main__":
    main()
