"""A real PostgreSQL taken away and given back: while it is away every page is a 503, and when
it returns the same app answers as before, without a restart (the pool pings a connection
before lending it, and drops the ones the outage killed)."""
import socket
import threading

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import TestConfig
from tests.conftest import login_as, postgres_server_url
from tracker import create_app
from tracker.extensions import db as _db

pytestmark = [
    pytest.mark.committed,  # the app under test has connections of its own
    pytest.mark.skipif(postgres_server_url() is None,
                       reason="needs PostgreSQL: set TEST_DATABASE_URL=postgresql://…"),
]

APPLICATION_NAME = "tracker_fault_recovery"


class Proxy:
    """Forwards 127.0.0.1:<port> to `target`. `stop()` refuses new connections and cuts every
    open one; `start()` listens on the same port again."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()

    def start(self) -> "Proxy":
        self.listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.settimeout(0.05)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()
        return self

    def stop(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.close()
        with self.lock:
            for connection in self.open:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                connection.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while self.listener is listener:
            try:
                client, _ = listener.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.fixture
def proxied(database_url):
    """An app whose database connections go through a proxy the test stops and starts."""
    url = make_url(database_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432)).start()

    class BehindProxy(TestConfig):
        SQLALCHEMY_DATABASE_URI = url.set(
            host="127.0.0.1", port=proxy.port,
            query={"application_name": APPLICATION_NAME, "connect_timeout": "2"},
        ).render_as_string(hide_password=False)

    app = create_app(BehindProxy)
    yield app, proxy
    proxy.stop()
    with app.app_context():
        _db.engine.dispose()


def page(client, path="/organisations/"):
    return client.get(path, headers={"Accept-Language": "en"})


def test_pages_and_healthz_answer_503_while_the_database_is_away_and_recover_after(
        proxied, make_user):
    app, proxy = proxied
    user = make_user("coordinator")
    client = app.test_client()
    login_as(client, user)
    assert page(client).status_code == 200
    assert client.get("/healthz").status_code == 200

    proxy.stop()  # the database goes away, and every connection the pool holds dies with it
    for _ in range(2):
        away = page(client)
        assert away.status_code == 503
        assert "Service unavailable" in away.get_data(as_text=True)
        assert away.headers["Content-Security-Policy"]
        assert client.get("/healthz").status_code == 503

    proxy.start()  # it returns, on the same address
    back = page(client)
    assert back.status_code == 200
    assert user.email in back.get_data(as_text=True)  # signed in as before
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_connections_the_database_terminated_are_replaced_without_an_error(
        proxied, make_user, database_url):
    app, _proxy = proxied
    client = app.test_client()
    login_as(client, make_user("coordinator"))
    assert page(client).status_code == 200
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            ended = connection.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"),
                {"name": APPLICATION_NAME}).scalar()
        assert ended >= 1  # the pool's idle connection was killed under it
    finally:
        admin.dispose()
    assert page(client).status_code == 200
    assert client.get("/healthz").status_code == 200
