"""How the tracker holds up as history grows (issue 14, items 4 and 5). Run by `make bench`.

For each scale in BENCH_SCALES (default "1 10"), on SQLite (a temporary file) and, when
BENCH_DATABASE_URL names a PostgreSQL server, on PostgreSQL too (a database of its own, dropped
afterwards), it generates a history, signs in, and for every page, feed, export and API list in
bench/routes.py measures in process: SQL statements, median and 95th-percentile time over
BENCH_REQUESTS requests after warm-up, and the ratio to the floor route (bench/floor.py) measured
in the same run. Then an HTTP run: gunicorn with 2 workers, wrk with 16 connections for
BENCH_HTTP_SECONDS each on the home page, a cohort page and the sector overview, each between
runs of the floor. Then one worker's memory over BENCH_MEMORY_REQUESTS mixed requests (at the
smallest scale). It prints the tables, the machine, and each target of item 5 as MET or NOT MET.

It never fails for a missed target; it fails (exit 1) on any answer of 500 or more.

Knobs: BENCH_SCALES="1 10", BENCH_REQUESTS=50, BENCH_WARMUP=3, BENCH_ROUTE_SECONDS=60 (a route
stops early, with fewer requests, once it has taken this long; the table says n),
BENCH_HTTP_SECONDS=20, BENCH_HTTP=1 (0 skips the HTTP and memory runs),
BENCH_MEMORY_REQUESTS=10000, BENCH_DATABASE_URL. A quick run:
BENCH_SCALES=1 BENCH_REQUESTS=5 BENCH_HTTP_SECONDS=2 BENCH_MEMORY_REQUESTS=200 make bench
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.routes import LOAD_ROUTES, Route  # noqa: E402

STATEMENT_LIMIT = 15
FLOOR = Route("floor", "coordinator", "floor", "/_floor")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


# ---------------------------------------------------------------- one scale on one database


def run_one(kind: str, scale: int, with_memory: bool) -> dict:
    """Generate, measure in process, then over HTTP: the figures of one scale, as a dict."""
    from datetime import date

    from bench.floor import BenchConfig, make_app
    from bench.history import build, database
    from bench.measure import StatementCounter, clients, request
    from bench.routes import history_size, prepare
    from tracker.extensions import db
    from tracker.fragments import EXTENSION, FragmentCache

    result: dict = {"kind": kind, "scale": scale, "routes": {}, "failures": []}
    folder = tempfile.mkdtemp(prefix="tracker-bench-")
    with database(kind, folder, f"s{scale}") as url:

        class RunConfig(BenchConfig):
            SQLALCHEMY_DATABASE_URI = url
            # In process each page is timed twice: drawn afresh (no piece kept: what the first
            # reader after a change waits), then as served (tracker/fragments.py keeping pieces).
            FRAGMENT_CACHE_CHARS = 0

        app = make_app(RunConfig)
        with app.app_context():
            started = time.perf_counter()
            result["history"] = build(scale)
            result["generate_seconds"] = time.perf_counter() - started
            fixture = prepare(date.today())
            result["size"] = history_size()
            engine = db.engine
            db.session.remove()
        log(f"[{kind} scale {scale}] {result['history']}: {result['size']} "
            f"in {result['generate_seconds']:.1f} s")
        by = clients(app)
        counter = StatementCounter(engine)
        routes = [FLOOR, *fixture.routes]
        requests = env_int("BENCH_REQUESTS", 50)
        warmup = env_int("BENCH_WARMUP", 3)
        cap = float(os.environ.get("BENCH_ROUTE_SECONDS", "60"))
        floor_times: list[float] = []
        afresh = app.extensions[EXTENSION]
        kept = FragmentCache(BenchConfig.FRAGMENT_CACHE_CHARS)

        def timed(route) -> tuple[list[float], list[int], object]:
            for _ in range(warmup):
                response = request(route, fixture, by)
            times, counts = [], []
            began = time.perf_counter()
            for _ in range(requests):
                counter.count = 0
                started = time.perf_counter()
                response = request(route, fixture, by)
                times.append((time.perf_counter() - started) * 1000)
                counts.append(counter.count)
                if response.status_code >= 500:
                    break
                if time.perf_counter() - began > cap:
                    break
            return times, counts, response

        for route in [*routes, FLOOR]:  # the floor first and last: the machine may drift
            app.extensions[EXTENSION] = kept
            kept_times, _counts, _response = timed(route)
            app.extensions[EXTENSION] = afresh
            times, counts, response = timed(route)
            if response.status_code >= 500:
                result["failures"].append(f"{route.name} {route.url}: {response.status_code}")
            if route is FLOOR:
                floor_times += times
            row = {
                "url": route.url, "kind": route.kind, "status": response.status_code,
                "kb": len(response.get_data()) / 1024, "statements": statistics.mode(counts),
                "statements_vary": min(counts) != max(counts),
                "median_ms": statistics.median(times), "p95_ms": percentile(times, 95), "n": len(times),
                "kept_ms": statistics.median(kept_times),
            }
            result["routes"][route.name] = row
            log(f"  {route.name:32} {row['status']} {row['statements']:3} SQL "
                f"{row['median_ms']:8.1f} ms median  {row['kept_ms']:8.1f} ms kept  n={row['n']}")
        floor_median = statistics.median(floor_times)
        result["routes"]["floor"]["median_ms"] = floor_median
        result["routes"]["floor"]["p95_ms"] = percentile(floor_times, 95)
        result["routes"]["floor"]["n"] = len(floor_times)
        for row in result["routes"].values():
            row["x_floor"] = row["median_ms"] / floor_median
            row["kept_x_floor"] = row["kept_ms"] / floor_median

        if os.environ.get("BENCH_HTTP", "1") != "0":
            cookie = "session=" + by["coordinator"].get_cookie("session").value
            result["http"] = http_run(url, cookie, fixture)
            if with_memory:
                result["memory"] = memory_run(url, cookie, fixture)
        engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return result


def percentile(values: list[float], share: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share / 100 * len(ordered) + 0.5) - 1))]


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- gunicorn and wrk


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn serving bench.floor:app on the generated database, on a port of its own."""

    def __init__(self, url: str, workers: int):
        self.port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="tracker-bench-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--chdir", str(ROOT), "bench.floor:app"],
            env={**os.environ, "BENCH_APP_DATABASE_URL": url}, stdout=self.log, stderr=self.log,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                if self.get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: see {self.log.name}")
            time.sleep(0.3)

    def get(self, path: str, cookie: str | None = None, headers: dict | None = None) -> tuple[int, int]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        connection.request("GET", path, headers={**({"Cookie": cookie} if cookie else {}), **(headers or {})})
        response = connection.getresponse()
        size = len(response.read())
        connection.close()
        return response.status, size

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.unlink(self.log.name)


def wrk(port: int, path: str, cookie: str, seconds: int) -> dict:
    output = subprocess.run(
        ["wrk", "--threads", "2", "--connections", "16", "--duration", f"{seconds}s", "--timeout", "30s",
         "--script", str(ROOT / "bench/wrk_report.lua"), "--header", f"Cookie: {cookie}",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    figures = json.loads(line[len("BENCH "):])
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["errors"] = figures["not_ok"] + figures["socket_errors"]
    return figures


def drain(server: "Gunicorn") -> None:
    """Wait until the workers have answered what wrk left queued when it stopped (sync workers
    go on through the listen backlog), so the next run starts on an idle server."""
    for _ in range(2):
        server.get("/healthz")


def http_run(url: str, cookie: str, fixture) -> dict:
    """Floor, page, floor, page, …, floor under wrk; each page's ratio is to the mean of the
    floor runs on either side of it."""
    seconds = env_int("BENCH_HTTP_SECONDS", 20)
    server = Gunicorn(url, workers=2)
    try:
        for route in [FLOOR, *(fixture.route(name) for name in LOAD_ROUTES)]:
            status, _size = server.get(route.url, cookie)  # warm each worker's caches a little
            if status != 200:
                raise RuntimeError(f"{route.url} answered {status} over HTTP")
        figures: dict = {"floor": []}
        previous = wrk(server.port, FLOOR.url, cookie, seconds)
        drain(server)
        figures["floor"].append(previous)
        log(f"  wrk floor {previous['rps']:.1f}/s")
        for name in LOAD_ROUTES:
            page = wrk(server.port, fixture.route(name).url, cookie, seconds)
            drain(server)
            after = wrk(server.port, FLOOR.url, cookie, seconds)
            drain(server)
            figures["floor"].append(after)
            page["floor_rps"] = (previous["rps"] + after["rps"]) / 2
            page["share_of_floor"] = page["rps"] / page["floor_rps"]
            figures[name] = page
            log(f"  wrk {name} {page['rps']:.1f}/s ({page['share_of_floor']:.0%} of floor), floor {after['rps']:.1f}/s")
            previous = after
        return figures
    finally:
        server.stop()


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def memory_run(url: str, cookie: str, fixture) -> dict:
    """One worker's resident memory over many mixed requests (pages, feeds, API lists; not the
    whole-state exports, whose size is their own question), after a warm-up of the mix."""
    count = env_int("BENCH_MEMORY_REQUESTS", 10000)
    mix = [route for route in [FLOOR, *fixture.routes]
           if route.kind in ("floor", "page", "feed", "api") and route.who in ("coordinator", "anonymous", "api")]
    server = Gunicorn(url, workers=1)
    try:
        (worker,) = server.workers()
        api = {"Authorization": f"Bearer {fixture.api_token}"}

        def get(route: Route) -> None:
            status, _ = server.get(route.url, cookie if route.who == "coordinator" else None,
                                   api if route.who == "api" else None)
            if status >= 500:
                raise RuntimeError(f"{route.url} answered {status} over HTTP")

        for _ in range(3):
            for route in mix:
                get(route)
        start = rss_kb(worker)
        began = time.perf_counter()
        for n in range(count):
            get(mix[n % len(mix)])
        end = rss_kb(worker)
        log(f"  memory {start} kB -> {end} kB over {count} requests in {time.perf_counter() - began:.0f} s")
        return {"requests": count, "start_kb": start, "end_kb": end, "growth": (end - start) / start}
    finally:
        server.stop()


# ---------------------------------------------------------------- the table and the targets


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal:"))
    import sqlite3

    lines = [f"{os.cpu_count()} cores, {cpu}, {memory_kb / 1024 / 1024:.1f} GB RAM, "
             f"{platform.system()} {platform.release()}",
             f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"]
    if os.environ.get("BENCH_DATABASE_URL"):
        from sqlalchemy import create_engine, text

        from config import normalise_database_url

        engine = create_engine(normalise_database_url(os.environ["BENCH_DATABASE_URL"]))
        with engine.connect() as connection:
            lines[-1] += ", PostgreSQL " + connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    lines.append(f"wrk 2 threads 16 connections {env_int('BENCH_HTTP_SECONDS', 20)} s per run, "
                 f"gunicorn 2 sync workers; {env_int('BENCH_REQUESTS', 50)} requests per route "
                 f"after {env_int('BENCH_WARMUP', 3)} warm-up, in process (Flask's test client)")
    return lines


def print_report(results: list[dict]) -> bool:
    """Print the tables and the targets; True when any answer was a 500."""
    print()
    print("# Benchmark")
    for line in machine():
        print(line)
    failed = False
    for kind in dict.fromkeys(result["kind"] for result in results):
        runs = sorted((r for r in results if r["kind"] == kind), key=lambda r: r["scale"])
        small, large = runs[0], runs[-1]
        print()
        print(f"## {kind}")
        for run in runs:
            size = ", ".join(f"{value:,} {name}" for name, value in run["size"].items())
            print(f"scale {run['scale']}: {run['history']} ({size}), generated in {run['generate_seconds']:.1f} s")
        print("SQL: the statements of most of the route's requests; ~: some had another count (once a minute a "
              "sign-in's last-seen time is written, which adds one). × floor: median over the floor's median. "
              "median, p95: drawn afresh, no piece of a page kept (what the first reader after a change waits); "
              "kept: as served, pieces kept while nothing changes (tracker/fragments.py).")
        print()
        header = "| route | " + " | ".join(
            f"SQL s{r['scale']} | median ms s{r['scale']} | p95 ms s{r['scale']} | × floor s{r['scale']} | n s{r['scale']} "
            f"| kept ms s{r['scale']} | kept × floor s{r['scale']}"
            for r in runs) + f" | KB s{large['scale']} |"
        print(header)
        print("|" + " --- |" * (header.count("|") - 1))
        for name in large["routes"]:
            cells = []
            for run in runs:
                row = run["routes"].get(name)
                if row is None:
                    cells.append(" | | | | | | ")
                    continue
                status = "" if row["status"] == 200 else f" ({row['status']})"
                vary = "~" if row["statements_vary"] else ""
                cells.append(f"{row['statements']}{vary}{status} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | "
                             f"{row['x_floor']:.1f} | {row['n']} | {row['kept_ms']:.1f} | {row['kept_x_floor']:.1f}")
            print(f"| {name} | " + " | ".join(cells) + f" | {large['routes'][name]['kb']:.0f} |")
        if any("http" in run for run in runs):
            print()
            print("| under load (wrk) | scale | req/s | p50 ms | p99 ms | errors | floor req/s | share of floor |")
            print("| --- | --- | --- | --- | --- | --- | --- | --- |")
            for run in runs:
                for name in LOAD_ROUTES:
                    page = run.get("http", {}).get(name)
                    if page:
                        print(f"| {name} | {run['scale']} | {page['rps']:.1f} | {page['p50_ms']:.0f} | "
                              f"{page['p99_ms']:.0f} | {page['errors']} | {page['floor_rps']:.1f} | "
                              f"{page['share_of_floor']:.0%} |")
        memory = next((run["memory"] for run in runs if "memory" in run), None)
        if memory:
            print()
            print(f"One worker's memory over {memory['requests']:,} mixed requests (scale {small['scale']}): "
                  f"{memory['start_kb'] / 1024:.1f} MB → {memory['end_kb'] / 1024:.1f} MB "
                  f"({memory['growth']:+.1%})")
        print()
        print(f"### Targets ({kind}, scale {small['scale']} against scale {large['scale']})")
        for met, text in targets(small, large, memory):
            print(f"- {'MET    ' if met else 'NOT MET'} {text}")
        for run in runs:
            for failure in run["failures"]:
                failed = True
                print(f"FAILED: scale {run['scale']}: {failure}")
    return failed


def targets(small: dict, large: dict, memory: dict | None) -> list[tuple[bool, str]]:
    names = [name for name in large["routes"] if name != "floor"]
    found = []

    def offenders(test) -> list[str]:
        return [name for name in names if name in small["routes"] and not test(small["routes"][name], large["routes"][name])]

    def say(bad: list[str], text: str) -> None:
        found.append((not bad, text + (f": not {', '.join(bad)}" if bad else "")))

    if large is not small:
        say(offenders(lambda s, l: s["statements"] == l["statements"]),
            f"statement count the same at scale {small['scale']} and {large['scale']}")
    say(offenders(lambda s, l: l["statements"] <= STATEMENT_LIMIT),
        f"at most {STATEMENT_LIMIT} statements")
    # The medians' targets are the pages' (item 5: "each page's median"), with the feeds and API
    # lists; a whole-state export grows with the state by nature and has its own target, under a
    # second, and a cohort's download (a spreadsheet, not a page) must only not grow: both below.
    pages = [name for name in names if large["routes"][name]["kind"] not in ("export", "cohort export")]
    for median, ratio, how in (("median_ms", "x_floor", "drawn afresh"),
                               ("kept_ms", "kept_x_floor", "as served, pieces kept")):
        if large is not small:
            say([name for name in offenders(lambda s, l: l[median] <= 2 * s[median]) if name in pages],
                f"median of each page, feed and API list at scale {large['scale']} at most 2× scale "
                f"{small['scale']} ({how})")
        say([name for name in pages if large["routes"][name][ratio] > 8],
            f"median of each page, feed and API list at scale {large['scale']} at most 8× the floor ({how})")
    say([name for name in names if large["routes"][name]["kind"] == "export"
         and large["routes"][name]["median_ms"] >= 1000],
        f"every whole-state export under 1 s at scale {large['scale']}")
    if large is not small:
        say([name for name in offenders(lambda s, l: l["median_ms"] <= 2 * s["median_ms"])
             if large["routes"][name]["kind"] == "cohort export"],
            f"a cohort's downloads at scale {large['scale']} at most 2× scale {small['scale']}")
    if "http" in large:
        # A run in which no answer came at all (each took longer than the run) is a miss too.
        say([name for name in LOAD_ROUTES if large["http"][name]["share_of_floor"] < 0.3
             or large["http"][name]["errors"] or not large["http"][name]["requests"]],
            f"under load, home, cohort and sector at least 30 % of the floor's requests/s at "
            f"scale {large['scale']}, with zero errors")
    if memory:
        found.append((abs(memory["growth"]) <= 0.10,
                      f"a worker's memory within 10 % over {memory['requests']:,} requests "
                      f"({memory['growth']:+.1%})"))
    return found


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        # A child: one database kind at one scale, in a process of its own (a fresh app and
        # engine, and its memory given back), printing its figures as JSON on stdout.
        logging.disable(logging.INFO)  # the security log's and Alembic's lines, not the figures
        kind, scale, with_memory = sys.argv[2], int(sys.argv[3]), os.environ.get("BENCH_WITH_MEMORY") == "1"
        print(json.dumps(run_one(kind, scale, with_memory)))
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--report":
        # The tables and targets again from a run's saved figures (tracker-bench-results.json).
        return 1 if print_report(json.loads(Path(sys.argv[2]).read_text())) else 0
    scales = sorted(int(word) for word in os.environ.get("BENCH_SCALES", "1 10").split())
    kinds = ["sqlite"] + (["postgresql"] if os.environ.get("BENCH_DATABASE_URL") else [])
    results = []
    for kind in kinds:
        for scale in scales:
            child = subprocess.run(
                [sys.executable, __file__, "--one", kind, str(scale)], stdout=subprocess.PIPE, text=True,
                env={**os.environ, "BENCH_WITH_MEMORY": "1" if scale == scales[0] else "0"},
            )
            if child.returncode != 0:
                print(f"The run of scale {scale} on {kind} failed (exit {child.returncode}).", file=sys.stderr)
                return 1
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            # Kept as they come (a long run stopped half-way keeps its finished scales).
            Path(tempfile.gettempdir(), "tracker-bench-results.json").write_text(json.dumps(results))
    return 1 if print_report(results) else 0


if __name__ == "__main__":
    sys.exit(main())
