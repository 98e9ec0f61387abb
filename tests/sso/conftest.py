"""A real OpenID provider on loopback (tests/sso/provider.mjs: the certified `oidc-provider`
package, run with Node) and a browser's way through it.

Without Node or the package the single sign-on tests are skipped with a reason, unless
REQUIRE_OIDC is set (as in CI), where that is a failure.
"""
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("provider.mjs")
# The app's address as the provider knows it; the test client answers for it.
APP_BASE = "http://tracker.test"
NAMES = ("idporten", "entra", "other")
CLIENT = {"client_id": "tracker", "client_secret": "tracker-secret"}


def _missing(reason: str) -> None:
    """Skip the single sign-on tests, or fail them when REQUIRE_OIDC says they must run."""
    if os.environ.get("REQUIRE_OIDC", "") not in ("", "0"):
        pytest.fail(f"{reason}, and REQUIRE_OIDC is set", pytrace=False)
    pytest.skip(f"{reason} (set REQUIRE_OIDC=1 to make this a failure)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_issuer():
    """The issuer URL of an OpenID provider running for the whole session."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed")
    if not (ROOT / "node_modules" / "oidc-provider").is_dir():
        _missing("oidc-provider is not installed; run `npm ci` (or `make test`)")
    port = free_port()
    process = subprocess.Popen([node, str(SCRIPT), str(port), APP_BASE, *NAMES], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the OpenID provider did not start: {process.stdout.read()}",
                            pytrace=False)
            time.sleep(0.1)
        yield issuer
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def provider_settings(issuer: str, **changes) -> dict:
    return {"issuer": issuer, **CLIENT, **changes}


@pytest.fixture
def providers(app, oidc_issuer):
    """Configure ID-porten and Entra ID (both played by the loopback provider) for one test;
    returns the dict, which a test may change (app.config["OIDC_PROVIDERS"] is it)."""
    configured = {
        "idporten": provider_settings(
            oidc_issuer, name="ID-porten", subject_claim="pid", scopes="openid profile",
            acr_values="idporten-loa-substantial",
            two_factor_acr=["idporten-loa-substantial", "idporten-loa-high"], two_factor_amr=[]),
        "entra": provider_settings(
            oidc_issuer, name="Entra ID", subject_claim="oid", scopes="openid email profile",
            match_email=True, tenant="tenant-a", email_domains=["dfo.no"], two_factor_amr=["mfa"]),
    }
    saved = app.config.get("OIDC_PROVIDERS"), app.config["BASE_URL"]
    app.config["OIDC_PROVIDERS"] = configured
    app.config["BASE_URL"] = APP_BASE
    app.extensions.pop("oidc_clients", None)
    yield configured
    app.config["OIDC_PROVIDERS"], app.config["BASE_URL"] = saved
    app.extensions.pop("oidc_clients", None)


class Person:
    """Someone at the provider: who signs in there next, and how the answer is spoiled."""

    def __init__(self, issuer: str):
        self.issuer = issuer

    def will_sign_in(self, account_id: str, *, acr=None, amr=None, **claims) -> None:
        requests.post(f"{self.issuer}/__test/login", timeout=5, json={
            "accountId": account_id, "claims": claims, "acr": acr, "amr": amr}).raise_for_status()

    def spoil_next_token(self, mode: str) -> None:
        requests.post(f"{self.issuer}/__test/tamper", json={"mode": mode},
                      timeout=5).raise_for_status()


@pytest.fixture
def person(oidc_issuer):
    return Person(oidc_issuer)


def through_provider(location: str) -> str:
    """Follow the provider's redirects as a browser would, up to the app's callback; return
    the callback's path and query."""
    browser = requests.Session()
    url = location
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=5)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        url = urljoin(url, answer.headers["Location"])
        if url.startswith(APP_BASE):
            parts = urlsplit(url)
            return f"{parts.path}?{parts.query}"
    raise AssertionError("the provider never sent the browser back")


def start(client, name: str, **args):
    """Start at /sso/<name>/start as the pages do: signing in by GET (the sign-in page's link),
    linking (`link`), confirming (`reauth`) and an invitation (`invitation`) by POSTing their
    page's form. The answer: a redirect to the provider, or a refusal."""
    if not {"link", "reauth", "invitation"} & set(args):
        return client.get(f"/sso/{name}/start", query_string=args)
    from tests.conftest import csrf_token

    query = {key: args.pop(key) for key in ("link", "reauth") if key in args}
    return client.post(f"/sso/{name}/start", query_string=query,
                       data={"csrf_token": csrf_token(client), **args})


def sign_in_at_provider(client, name: str, **args):
    """The whole way: start, the provider, and the app's callback; the callback's answer."""
    started = start(client, name, **args)
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    return client.get(through_provider(started.headers["Location"]))


@pytest.fixture
def invite(db):
    """invite(user) -> the token of a fresh invitation for `user`, as in the link mailed (made
    by the links feature's own issue_link, without the mail)."""
    from tracker.users.links import issue_link
    from tracker.users.models import LinkPurpose

    def make(user) -> str:
        _link, token = issue_link(user, LinkPurpose.INVITATION)
        db.session.commit()
        return token

    return make


@pytest.fixture
def security_events(caplog):
    import json
    import logging

    def events():
        return [json.loads(r.message) for r in caplog.records if r.name == "tracker.security"]

    with caplog.at_level(logging.INFO, logger="tracker.security"):
        yield events


@pytest.fixture(autouse=True)
def english(client):
    """The pages in English, as a browser that asks for it (the language tests choose theirs)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
