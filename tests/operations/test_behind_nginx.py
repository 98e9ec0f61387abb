"""The README's production section, run: nginx from Debian's package in front of two gunicorn
instances, on PostgreSQL and Redis, each started exactly as the README says (readme_blocks puts in
only ports, paths, secrets and host names).

Skipped unless nginx and gunicorn are installed, TEST_DATABASE_URL is PostgreSQL and Redis
answers; REQUIRE_NGINX=1 (as in .ci/run) makes any of those missing a failure.

One test, in steps, because it starts its processes once (about 15 s for a fresh database with
the demo) and pytest-xdist would otherwise start them on every worker that took a step.
"""
import datetime
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import temporary_postgres_database
from tests.operations.readme_blocks import block_after, environment_file, substitute, unit_setting

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONFLICT = "Someone else changed this after you opened it."
COORDINATOR = ("koordinator@example.org", "demo fjordlys koordinator")


def _missing() -> str | None:
    """Why the test cannot run here, or None."""
    if not os.access(NGINX, os.X_OK):
        return "nginx is not installed (apt-get install nginx)"
    if not (BIN / "gunicorn").exists():
        return "gunicorn is not installed in the virtual environment"
    if not os.environ.get("TEST_DATABASE_URL", "").startswith(("postgresql", "postgres:")):
        return "TEST_DATABASE_URL is not a PostgreSQL server"
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping()
    except redis.RedisError:
        return f"Redis does not answer at {redis_url()}"
    return None


def redis_url() -> str:
    return os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that the test's client trusts (nginx's HTTPS, as in the README)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Forms(HTMLParser):
    """Each <form> of a page: its action and the values a browser would send unchanged."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None
        self._in_form = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
            self._in_form = True
            return
        if not self._in_form:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            fields[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in fields:
                fields[self._select] = a.get("value") or ""
        elif tag == "textarea":
            self._textarea = a.get("name")
            fields[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self._in_form:
            self.forms[-1]["fields"][self._textarea] += data

    def with_field(self, name: str) -> dict:
        for form in self.forms:
            if name in form["fields"]:
                return form
        raise AssertionError(f"no form on the page has a field {name!r}")


class Browser:
    """One reader's cookies, sent to whichever door (instance A, instance B or nginx) it uses.

    The cookies are kept by hand because the production session cookie is `Secure`: a cookie
    jar would not send it to an instance over plain HTTP, and the test goes to them directly.
    """

    def __init__(self, certificate: Path):
        self.cookies: dict[str, str] = {}
        self.certificate = str(certificate)

    def request(self, method: str, url: str, data: dict | None = None, **headers):
        import requests

        headers = {"Accept-Language": "en", **headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            # Flask-WTF checks the Referer of a form sent over HTTPS against the host.
            headers.setdefault("Referer", url)
        response = requests.request(method, url, data=data, headers=headers, timeout=20,
                                    allow_redirects=False, verify=self.certificate)
        for cookie in response.cookies:
            self.cookies[cookie.name] = cookie.value
        return response

    def get(self, url: str, **headers):
        return self.request("GET", url, **headers)

    def submit(self, page_url: str, field: str, changes: dict, **headers):
        """Open `page_url` and send its form that holds `field`, with `changes`, to the same door."""
        page = self.get(page_url, **headers)
        assert page.status_code == 200, (page_url, page.status_code, page.text[:500])
        return self.send(page_url, Forms(page.text).with_field(field), changes, **headers)

    def send(self, page_url: str, form: dict, changes: dict, **headers):
        """Send `form`, read from `page_url`, with `changes`, to the door the page came from."""
        door = re.match(r"https?://[^/]+", page_url).group(0)
        action = form["action"]
        url = door + action if action.startswith("/") else page_url
        return self.request("POST", url, {**form["fields"], **changes}, **headers)

    def sign_in(self, base: str, email: str, password: str):
        response = self.submit(f"{base}/login", "email", {"email": email, "password": password})
        assert response.status_code == 302, (response.status_code, response.text[:2000])
        return response


class Stack:
    """The two instances and nginx, started from the README's blocks."""

    def __init__(self, folder: Path, database_url: str, stack: ExitStack):
        self.folder = folder
        self.stack = stack
        self.ports = {"a": free_port(), "b": free_port()}
        self.http_port, self.https_port = free_port(), free_port()
        self.certificate, key = self_signed_certificate(folder)
        self.nginx_url = f"https://127.0.0.1:{self.https_port}"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", str(folder)),
            "LANG": "C.UTF-8",
            **environment_file(block_after("The settings, in `/srv/tracker/tracker.env`", "sh"), {
                "SECRET_KEY": secrets.token_hex(32),
                "DATABASE_URL": database_url,
                "REDIS_URL": redis_url(),
                "BASE_URL": self.nginx_url,
                "MAIL_URL": None,  # mail goes to a folder of the test's own instead
            }),
            # The demo's staff have no authenticator; production asks them for one.
            "REQUIRE_STAFF_2FA": "0",
            "MAIL_FOLDER": str(folder / "mail"),
            "MATERIALS_FOLDER": str(folder / "materials"),
        }
        unit = block_after("`/etc/systemd/system/tracker-web@.service`", "ini")
        self.exec_start = unit_setting(unit, "ExecStart")
        site = block_after("`/etc/nginx/sites-available/tracker`", "nginx")
        self.site = substitute(site, {
            "server 127.0.0.1:8001 ": f"server 127.0.0.1:{self.ports['a']} ",
            "server 127.0.0.1:8002 ": f"server 127.0.0.1:{self.ports['b']} ",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen 443 ssl;": f"listen 127.0.0.1:{self.https_port} ssl;",
            "/etc/letsencrypt/live/tracker.example.org/fullchain.pem": str(self.certificate),
            "/etc/letsencrypt/live/tracker.example.org/privkey.pem": str(key),
        })
        self.processes: dict[str, subprocess.Popen] = {}

    def url(self, door: str) -> str:
        return self.nginx_url if door == "nginx" else f"http://127.0.0.1:{self.ports[door]}"

    def address(self, instance: str) -> str:
        return f"127.0.0.1:{self.ports[instance]}"

    def run(self, command: str) -> str:
        """A command line from the README, with `.venv/bin/` meaning this virtual environment."""
        argv = shlex.split(command.replace(".venv/bin/", f"{BIN}/"))
        done = subprocess.run(argv, cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-4000:])
        return done.stdout

    def prepare_database(self) -> None:
        for line in block_after("Each release, on one host", "sh").splitlines():
            if line.startswith(".venv/bin/"):
                self.run(line)
        self.run(".venv/bin/flask --app tracker seed demo")

    def start_instance(self, name: str, wait: bool = True) -> None:
        command = self.exec_start.replace("/srv/tracker/.venv/bin/", f"{BIN}/")
        command = substitute(command, {"%i": str(self.ports[name])})
        log = open(self.folder / f"gunicorn-{name}.log", "ab")
        self.stack.callback(log.close)
        # A session of its own, so that SIGKILL can take the master and its workers at once,
        # as when a host dies.
        process = subprocess.Popen(shlex.split(command), cwd=ROOT, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        self.stack.callback(self._end, process)
        if wait:
            self.wait_until_up(name)

    def wait_until_up(self, name: str) -> None:
        import requests

        # Generous: a loaded CI machine may take many seconds to import the app.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                break
            try:
                if requests.get(f"{self.url(name)}/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:  # refused, or accepted before a worker is ready
                pass
            time.sleep(0.2)
        log = (self.folder / f"gunicorn-{name}.log").read_text(errors="replace")
        raise AssertionError(f"instance {name} did not come up:\n{log[-4000:]}")

    def start_nginx(self) -> None:
        for folder in ("logs", "temp"):
            (self.folder / folder).mkdir()
        temp = self.folder / "temp"
        # Debian's nginx.conf around the site, with everything that would need root moved into
        # the test's folder, and a log saying which instance answered each request.
        (self.folder / "nginx.conf").write_text(f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 2;
pid {self.folder}/nginx.pid;
error_log {self.folder}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstreams '$status $upstream_addr $upstream_status "$request"';
    access_log {self.folder}/logs/access.log upstreams;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    gzip on;
{self.site}
}}
""")
        argv = [NGINX, "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                "-e", str(self.folder / "logs" / "error.log")]
        checked = subprocess.run([*argv, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        process = subprocess.Popen([*argv, "-g", "daemon off;"], start_new_session=True,
                                   stderr=subprocess.DEVNULL)
        self.processes["nginx"] = process
        self.stack.callback(self._end, process)
        import requests

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.nginx_url}/healthz", timeout=2, verify=str(self.certificate))
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise AssertionError("nginx did not come up: "
                             + (self.folder / "logs" / "error.log").read_text())

    def access_log(self) -> list[str]:
        return (self.folder / "logs" / "access.log").read_text().splitlines()

    @staticmethod
    def _end(process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=10)


class Stream:
    """GETs through nginx, one after another, in a thread, until stopped."""

    def __init__(self, browser: Browser, urls: list[str]):
        self.browser, self.urls = browser, urls
        self.statuses: list[tuple[str, object]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            url = self.urls[len(self.statuses) % len(self.urls)]
            try:
                self.statuses.append((url, self.browser.get(url).status_code))
            except Exception as error:  # a refused or cut connection is a lost request too
                self.statuses.append((url, repr(error)))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=30)

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.statuses) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.statuses) >= count, f"only {len(self.statuses)} requests in {timeout} s"


@pytest.fixture
def stack(tmp_path):
    reason = _missing()
    if reason:
        if os.environ.get("REQUIRE_NGINX", "") not in ("", "0"):
            pytest.fail(f"{reason}, and REQUIRE_NGINX is set", pytrace=False)
        pytest.skip(f"{reason} (set REQUIRE_NGINX=1 to make this a failure)")
    with ExitStack() as exits:
        database_url = exits.enter_context(
            temporary_postgres_database(os.environ["TEST_DATABASE_URL"]))
        running = Stack(tmp_path, database_url, exits)
        running.prepare_database()
        running.start_instance("a", wait=False)
        running.start_instance("b", wait=False)
        running.wait_until_up("a")
        running.wait_until_up("b")
        running.start_nginx()
        yield running


def organisation_name_en(database_url: str, organisation_id: int) -> str:
    from sqlalchemy import create_engine, text

    from config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT name_en FROM organisation WHERE id = :id"),
                                      {"id": organisation_id}).scalar_one()
    finally:
        engine.dispose()


def test_production_behind_nginx_as_the_readme_says(stack):
    a, b, nginx = stack.url("a"), stack.url("b"), stack.url("nginx")
    database_url = stack.env["DATABASE_URL"]
    organisation_id = 1
    edit = f"/organisations/{organisation_id}/edit"

    # Signed in through instance A, the same cookie works through B and through nginx: the
    # sign-in is a record in the shared database, the cookie signed with the shared key.
    coordinator = Browser(stack.certificate)
    coordinator.sign_in(a, *COORDINATOR)
    assert coordinator.get(f"{b}/organisations/").status_code == 200
    saved = coordinator.submit(f"{b}{edit}", "version", {"name_en": "Saved through B"})
    assert saved.status_code == 302, saved.text[:2000]
    assert organisation_name_en(database_url, organisation_id) == "Saved through B"
    saved = coordinator.submit(f"{nginx}{edit}", "version", {"name_en": "Saved through nginx"})
    assert saved.status_code == 302, saved.text[:2000]
    assert organisation_name_en(database_url, organisation_id) == "Saved through nginx"
    # nginx tells the app the request came over HTTPS (X-Forwarded-Proto; trusted by ProxyFix
    # with PROXY_COUNT=1, and by gunicorn itself from 127.0.0.1): so the app holds a form sent
    # through nginx to a same-site Referer, as for HTTPS, and not one sent directly over HTTP.
    form = Forms(coordinator.get(f"{nginx}{edit}").text).with_field("version")
    refused = coordinator.send(f"{nginx}{edit}", form, {"name_en": "No referrer"}, Referer="")
    assert refused.status_code == 400, refused.status_code
    form = Forms(coordinator.get(f"{b}{edit}").text).with_field("version")
    accepted = coordinator.send(f"{b}{edit}", form, {"name_en": "Saved through nginx"}, Referer="")
    assert accepted.status_code == 302, accepted.text[:2000]
    assert organisation_name_en(database_url, organisation_id) == "Saved through nginx"

    # nginx lets a course material's 25 MB through to the app (client_max_body_size): here to
    # a page that takes no POST, so the app, not nginx, answers.
    import requests

    upload = requests.post(f"{nginx}/healthz", data=b"x" * (25 * 1024 * 1024 + 4096),
                           verify=str(stack.certificate), timeout=60)
    assert upload.status_code == 405, upload.status_code

    # Two coordinators open the same organisation's form, one through each instance; the one
    # who saves first wins, the other is shown the conflict and the saved values, and the
    # winner's values are what is stored.
    password = secrets.token_urlsafe(18)
    second_email = f"koordinator-{uuid.uuid4().hex[:8]}@example.org"
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "tracker", "users", "create", "--email", second_email,
         "--role", "coordinator", "--password-stdin"],
        input=password + "\n", cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    other = Browser(stack.certificate)
    other.sign_in(b, second_email, password)
    first_page = Forms(coordinator.get(f"{a}{edit}").text).with_field("version")
    second_page = Forms(other.get(f"{b}{edit}").text).with_field("version")
    assert first_page["fields"]["version"] == second_page["fields"]["version"]
    winner = coordinator.send(f"{a}{edit}", first_page, {"name_en": "The winner's name"})
    assert winner.status_code == 302, winner.text[:2000]
    loser = other.send(f"{b}{edit}", second_page, {"name_en": "The later name"})
    assert loser.status_code == 409, loser.text[:2000]
    assert CONFLICT in loser.text
    assert "The winner&#39;s name" in loser.text or "The winner's name" in loser.text
    assert organisation_name_en(database_url, organisation_id) == "The winner's name"

    # Failed sign-ins are counted in Redis, across instances: five through A and B (per
    # account and address), and the sixth is refused through nginx.
    stranger = Browser(stack.certificate)
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    for door in (a, b, a, b, a):
        refused = stranger.submit(f"{door}/login", "email", {"email": nobody, "password": "wrong"})
        assert refused.status_code == 400, refused.status_code
    throttled = stranger.submit(f"{nginx}/login", "email", {"email": nobody, "password": "wrong"})
    assert throttled.status_code == 429, throttled.status_code
    # The address counted is the one nginx saw: a client's own X-Forwarded-For is not believed
    # (nginx appends the address it saw, and PROXY_COUNT=1 takes only that last one) ...
    forged = stranger.submit(f"{nginx}/login", "email", {"email": nobody, "password": "wrong"},
                             **{"X-Forwarded-For": "203.0.113.9"})
    assert forged.status_code == 429, forged.status_code
    # ... while the proxy's is: the same attempt arriving from a proxy that saw another address
    # counts for that address, which has not failed yet.
    elsewhere = stranger.submit(f"{b}/login", "email", {"email": nobody, "password": "wrong"},
                                **{"X-Forwarded-For": "203.0.113.9"})
    assert elsewhere.status_code == 400, elsewhere.status_code

    # HTML, JSON and CSS through nginx are compressed for a client that accepts it.
    home = coordinator.get(f"{nginx}/", **{"Accept-Encoding": "gzip"})
    assert home.status_code == 200 and home.headers["Content-Type"].startswith("text/html")
    assert home.headers.get("Content-Encoding") == "gzip"
    stylesheet = re.search(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+\.css[^"]*)"', home.text)
    stylesheet = stylesheet or re.search(r'<link[^>]+href="([^"]+\.css[^"]*)"', home.text)
    assert stylesheet, "the home page links no stylesheet"
    for path, kind in ((stylesheet.group(1), "text/css"),
                       ("/api/v1/openapi.json", "application/json")):
        response = coordinator.get(f"{nginx}{path}", **{"Accept-Encoding": "gzip"})
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers["Content-Type"].startswith(kind), response.headers
        assert response.headers.get("Content-Encoding") == "gzip", (path, response.headers)
        assert "Accept-Encoding" in response.headers.get("Vary", "")
    plain = coordinator.get(f"{nginx}/", **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers

    # An instance stops in the middle of a stream of GETs through nginx: gracefully (SIGTERM,
    # systemd's stop) and by dying (SIGKILL on its master and workers). Every GET is answered
    # 200: nginx tries a refused or cut one again on the other instance.
    stream_urls = [f"{nginx}/", f"{nginx}/organisations/", f"{nginx}/healthz"]
    for how in (signal.SIGTERM, signal.SIGKILL):
        already = len(stack.access_log())
        with Stream(coordinator, stream_urls) as stream:
            stream.wait_for(12)
            served = stack.access_log()[already:]
            assert any(stack.address("a") in line for line in served), served
            if how == signal.SIGTERM:
                stack.processes["a"].send_signal(how)
            else:
                os.killpg(stack.processes["a"].pid, how)
            stack.processes["a"].wait(timeout=40)
            stream.wait_for(len(stream.statuses) + 12)
        failed = [(url, status) for url, status in stream.statuses if status != 200]
        assert not failed, f"{how.name}: {failed}"
        after = stack.access_log()[already:]
        # nginx logs "A, B" as the upstream of a request it passed on: proof the stream did
        # run into the stopped instance, and nginx retried it.
        retried = [line for line in after
                   if f"{stack.address('a')}, {stack.address('b')}" in line]
        assert retried, f"{how.name}: no request was retried on B:\n" + "\n".join(after)

        if how == signal.SIGTERM:
            # Back in service; nginx sends it requests again once fail_timeout has passed.
            stack.start_instance("a")
            deadline = time.monotonic() + 20
            mark = len(stack.access_log())
            while not any(line.startswith("200 " + stack.address("a"))
                          for line in stack.access_log()[mark:]):
                assert time.monotonic() < deadline, "nginx never went back to instance A"
                coordinator.get(f"{nginx}/healthz")
                time.sleep(0.2)

    # With A dead, a form sent through nginx is saved by B: it never reached A (the connection
    # was refused), so nginx may pass it on. A POST that had reached A when it died is answered
    # 502 and not repeated (README, "nginx").
    saved = coordinator.submit(f"{nginx}{edit}", "version", {"name_en": "Saved with A down"})
    assert saved.status_code == 302, saved.text[:2000]
    assert organisation_name_en(database_url, organisation_id) == "Saved with A down"
