"""Median response time and SQL statements per page, on the demo programme.

Run with `make bench`. It builds a throwaway SQLite database (or uses BENCH_DATABASE_URL),
loads the demo, signs in as the demo coordinator and times each page. It prints figures and
asserts nothing: speed is watched here, not in the test suite.
"""
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))


def main() -> None:
    folder = tempfile.mkdtemp()

    class Bench(TestConfig):
        TESTING = False
        WTF_CSRF_ENABLED = True
        SQLALCHEMY_DATABASE_URI = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder}/bench.sqlite")

    app = create_app(Bench)
    with app.app_context():
        from flask_migrate import upgrade

        from tracker.cohorts.models import Cohort
        from tracker.groups.models import Enrolment
        from tracker.seed.demo import load_demo

        upgrade()
        started = time.perf_counter()
        load_demo()
        print(f"demo load: {(time.perf_counter() - started):.2f} s")
        cohort_id = db.session.scalar(select(Cohort.id).order_by(Cohort.ordinal.desc()))
        enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.cohort_id == cohort_id))
        engine = db.engine

    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "koordinator@example.org", "password": "demo fjordlys koordinator",
                                "csrf_token": token.group(1)})
    statements = {"n": 0}
    event.listen(engine, "before_cursor_execute", lambda *args, **kwargs: statements.__setitem__("n", statements["n"] + 1))

    pages = [
        "/", "/organisations/", f"/cohorts/{cohort_id}", f"/groups/{enrolment_id}",
        f"/schedule/cohorts/{cohort_id}/proposal", f"/assessments/cohorts/{cohort_id}", "/people/", "/audit/",
    ]
    print(f"{'page':40} {'status':>6} {'median ms':>10} {'p90 ms':>8} {'SQL':>5}")
    for url in pages:
        times = []
        for _ in range(ROUNDS):
            statements["n"] = 0
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        print(f"{url:40} {response.status_code:>6} {statistics.median(times):>10.1f} "
              f"{times[int(len(times) * 0.9) - 1]:>8.1f} {statements['n']:>5}")


if __name__ == "__main__":
    main()
