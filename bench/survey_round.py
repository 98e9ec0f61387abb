"""A survey round with 500 respondents: opened, mailed and summarised (issue 12's target: under
a minute on this machine).

Run with `.venv/bin/python bench/survey_round.py` (part of `make bench`; BENCH_RESPONDENTS to
change the size, BENCH_DATABASE_URL for PostgreSQL). It loads the demo into a throwaway
database, adds a group with 500 members to the demo's running example cohort, and then, as a
coordinator would through the pages and cron through its command:

1. opens the group's final round on the page (all 500 ticked), which queues the 500
   invitations in the outbox;
2. runs `flask mail send`, which delivers them to a real SMTP server on loopback (aiosmtpd);
3. lets every respondent answer through their own link (timed, but not part of the target: it
   is 500 people's work, not the coordinator's);
4. closes the round and opens the group's results page and both exports.

It prints each step's time and whether the target is met; it asserts nothing.
"""
import os
import re
import socket
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from config import TestConfig  # noqa: E402
from tracker import clock, create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402

RESPONDENTS = int(os.environ.get("BENCH_RESPONDENTS", "500"))
TARGET_SECONDS = 60


class Counter:
    def __init__(self):
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def csrf(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


def main() -> None:
    folder = tempfile.mkdtemp()
    port = free_port()
    smtp = Counter()
    controller = Controller(smtp, hostname="127.0.0.1", port=port)
    controller.start()

    class Bench(TestConfig):
        TESTING = False
        WTF_CSRF_ENABLED = True
        RATELIMIT_ENABLED = False
        MAIL_URL = f"smtp://127.0.0.1:{port}"
        SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL",
                                                 f"sqlite:///{folder}/bench.sqlite")

    app = create_app(Bench)
    with app.app_context():
        from flask_migrate import upgrade

        from tracker.cohorts.models import Cohort
        from tracker.groups.services import enrol
        from tracker.organisations.models import Organisation, OrganisationKind
        from tracker.people.models import MemberRole, Membership, Person
        from tracker.seed.demo import load_demo

        upgrade()
        load_demo()
        today = clock.today()
        cohort = db.session.scalars(select(Cohort).where(Cohort.start_date <= today)
                                    .order_by(Cohort.start_date.desc())).first()
        organisation = Organisation(name_nb="Benkemerkedirektoratet", name_en="Bench Directorate",
                                    kind=OrganisationKind.DIRECTORATE)
        db.session.add(organisation)
        cohort.capacity += 1  # a fifth group, for the bench only
        group = enrol(cohort, organisation)
        db.session.flush()
        people = db.session.execute(insert(Person).returning(Person.id), [
            {"name": f"Deltaker {n:03}", "email": f"deltaker.{n}@bench.example.org", "version": 1}
            for n in range(RESPONDENTS)]).scalars().all()
        db.session.execute(insert(Membership), [
            {"enrolment_id": group.id, "person_id": person_id, "role": MemberRole.MEMBER,
             "joined_on": cohort.start_date, "version": 1} for person_id in people])
        db.session.commit()
        group_id = group.id

    client = app.test_client()
    client.post("/login", data={"email": "koordinator@example.org",
                                "password": "demo fjordlys koordinator",
                                "csrf_token": csrf(client, "/login")})
    timings = {}

    started = time.perf_counter()
    form = client.get(f"/surveys/groups/{group_id}/rounds/new").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*>\s*<option[^>]*value="(\d+)"', form)
    version = version.group(1) if version else re.search(r'<option value="(\d+)"', form).group(1)
    ticked = re.findall(r'name="respondents"[^>]*value="(\d+)"', form) or \
        re.findall(r'value="(\d+)"[^>]*name="respondents"', form)
    opened = client.post(f"/surveys/groups/{group_id}/rounds/new", data={
        "csrf_token": re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', form).group(1),
        "kind": "FINAL", "version": version,
        "closes_on": (clock.today() + timedelta(days=14)).isoformat(),
        "minimum_respondents": "3", "respondents": ticked,
    })
    timings[f"open the round (page, {RESPONDENTS} ticked)"] = time.perf_counter() - started
    assert opened.status_code == 302, opened.get_data(as_text=True)[:3000]

    started = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    timings[f"mail {RESPONDENTS} invitations (mail send, SMTP)"] = time.perf_counter() - started
    assert result.exit_code == 0, result.output

    with app.app_context():
        from tracker.surveys.models import Respondent, SurveyRound
        from tracker.surveys.rounds import link_token

        survey_round = db.session.scalar(select(SurveyRound).where(
            SurveyRound.enrolment_id == group_id))
        round_id = survey_round.id
        tokens = [link_token(r) for r in survey_round.respondents]
        items = [item.id for item in survey_round.instrument_version.items]
        questions = [q.id for q in survey_round.instrument_version.open_questions]

    started = time.perf_counter()
    for n, token in enumerate(tokens):
        respondent = app.test_client()
        page = respondent.get(f"/answer/{token}").get_data(as_text=True)
        # The answer page takes no CSRF token: the personal link is the secret.
        data = {"action": "submit"}
        data |= {f"item_{item}": str(1 + (n + item) % 5) for item in items}
        data |= {f"open_{q}": f"Svar {n}" for q in questions[:1]}
        sent = respondent.post(f"/answer/{token}", data=data)
        assert sent.status_code == 303, sent.status_code
    timings[f"{RESPONDENTS} people answer (page each, not in the target)"] = time.perf_counter() - started

    with app.app_context():
        db.session.get(SurveyRound, round_id).closed_at = clock.now()
        db.session.commit()
    started = time.perf_counter()
    for path in (f"/surveys/groups/{group_id}/results", f"/surveys/groups/{group_id}/results.csv",
                 f"/surveys/groups/{group_id}/results.xlsx"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
    timings["summarise (results page, CSV, XLSX)"] = time.perf_counter() - started
    controller.stop()

    print(f"survey round with {RESPONDENTS} respondents "
          f"({'PostgreSQL' if 'postgresql' in Bench.SQLALCHEMY_DATABASE_URI else 'SQLite'}); "
          f"{smtp.messages} mails reached the SMTP server")
    for step, seconds in timings.items():
        print(f"  {step:52} {seconds:7.2f} s")
    target = sum(s for step, s in timings.items() if "not in the target" not in step)
    print(f"  {'opened, mailed and summarised':52} {target:7.2f} s  "
          f"target under {TARGET_SECONDS} s: {'met' if target < TARGET_SECONDS else 'NOT met'}")
    with app.app_context():
        from tracker.surveys.models import Respondent

        answered = db.session.scalar(select(db.func.count()).select_from(Respondent).where(
            Respondent.round_id == round_id, Respondent.has_answered))
        print(f"  answered: {answered} of {RESPONDENTS}")


if __name__ == "__main__":
    main()
