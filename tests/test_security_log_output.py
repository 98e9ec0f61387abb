"""The security log's lines reach the server's log when nothing else configures logging, as
under gunicorn: run in a process of its own, since the test run configures logging itself."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
from config import TestConfig
from tracker import create_app, security_log
app = create_app(TestConfig)
with app.test_request_context("/login"):
    security_log.record("sign_in_failed", user_id=7)
"""


def test_an_event_is_written_to_the_error_stream_without_any_logging_setup():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if '"sign_in_failed"' in line]
    assert len(lines) == 1, done.stderr
    event = json.loads(lines[0][lines[0].index("{"):])
    assert (event["event"], event["user_id"], event["path"]) == ("sign_in_failed", 7, "/login")
