"""Stored text cannot add a header to a mail or stop it going, and a password is never sent to
a mail server in the clear."""
import ssl
import subprocess
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

import tracker.mail as mail
from tests.reminders.conftest import Collector, free_port
from tracker.mail import MailError, address, send


def test_a_line_break_in_a_name_adds_no_header_and_the_reminder_still_goes(db, world, smtp, run):
    person = world["Udir member"]
    person.name = "Kari\r\nBcc: evil@example.org\x07\x1b[31m"  # PostgreSQL stores no NUL
    world["gathering"].name_nb = "Fellessamling 1\nX-Injected: yes"
    db.session.commit()

    result = run("--today", "2016-10-17")

    assert result.exit_code == 0, result.output
    [received] = smtp.to(person.email)
    assert received.recipients == [person.email]  # no one added by a header
    assert not smtp.to("evil@example.org")
    message = received.message
    assert "Bcc" not in message and "X-Injected" not in message
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Kari Bcc: evil@example.org[31m", person.email)
    assert "\n" not in str(message["Subject"]) and "Fellessamling 1 X-Injected: yes" in str(message["Subject"])


def test_an_address_with_a_line_break_is_refused_not_written(app):
    with pytest.raises(ValueError):
        address("Kari", "kari@example.org\r\nBcc: evil@example.org")
    with pytest.raises(ValueError):
        address("Kari", "kari@exa\x00mple.org")
    assert str(address("Kari\nNordmann", "kari@example.org")) == "Kari Nordmann <kari@example.org>"


def test_a_message_with_a_control_character_in_a_header_is_not_sent(app, smtp):
    message = EmailMessage()
    message["To"] = "kari@example.org"
    message["Subject"] = "Påminnelse\x1b[2J"
    message.set_content("Hei")
    with app.app_context(), pytest.raises(MailError, match="Subject"):
        send(message)
    assert smtp.messages == []


def test_a_password_is_not_sent_to_a_server_without_starttls(db, world, smtp, run, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL",
                        f"smtp://tracker:hemmelig%20passord@127.0.0.1:{smtp.port}")
    # As if the server were on another machine: only loopback may take a password in the clear.
    monkeypatch.setattr(mail, "is_loopback", lambda host: False)

    result = run("--today", "2016-10-17")

    assert result.exit_code == 1
    assert "offers no STARTTLS" in result.output and "smtps://" in result.output
    assert smtp.logins == [] and smtp.messages == []
    assert "hemmelig" not in result.output


@pytest.fixture
def tls_smtp(app, monkeypatch, tmp_path):
    """An SMTP server on loopback that offers STARTTLS with a certificate the app trusts, and
    takes a password only over TLS."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"openssl could not make a certificate: {made.stderr.decode()[:200]}")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the client's default context trusts it
    collector = Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=collector.authenticate,
                            auth_require_tls=True)
    controller.start()
    collector.port = port
    yield collector
    controller.stop()


def test_a_password_goes_over_starttls(db, world, tls_smtp, run, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL",
                        f"smtp://tracker:hemmelig%20passord@127.0.0.1:{tls_smtp.port}")
    monkeypatch.setattr(mail, "is_loopback", lambda host: False)

    result = run("--today", "2016-10-17")

    assert result.exit_code == 0, result.output
    assert tls_smtp.logins and set(tls_smtp.logins) == {("tracker", "hemmelig passord")}
    assert len(tls_smtp.messages) == 4
