from config import TestConfig
from tracker import create_app


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    class Unreachable(TestConfig):
        # A SQLite file in a folder that does not exist cannot be opened.
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path}/missing/folder/tracker.sqlite"

    response = create_app(Unreachable).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] != "ok"
