import pytest
from django.conf import settings

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db(databases=["default", "reporting"])


def expected_backends() -> dict:
    databases = ", ".join(f"{alias}={_vendor(alias)}" for alias in settings.DATABASES)
    cache = "redis" if "redis" in settings.CACHES["default"]["BACKEND"] else "locmem"
    broker = (
        settings.CELERY_BROKER_URL.split("://")[0] if settings.CELERY_BROKER_URL else "in-process (no broker)"
    )
    mongo = "mongomock" if settings.MONGODB["mock"] else "mongodb"
    return {"database": databases, "cache": cache, "broker": broker, "mongo": mongo}


def _vendor(alias: str) -> str:
    engine = settings.DATABASES[alias]["ENGINE"]
    return {
        "django.db.backends.postgresql": "postgresql",
        "django.db.backends.sqlite3": "sqlite",
        "mssql": "microsoft",
    }[engine]


def test_healthz_answers_without_touching_stores(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reaches_every_configured_store(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    assert {name: check["backend"] for name, check in body["checks"].items()} == expected_backends()
    assert all(check["ok"] for check in body["checks"].values())


def test_readyz_is_503_and_names_an_unreachable_cache(client, unreachable_cache):
    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.skipif(not settings.CELERY_BROKER_URL, reason="no broker configured: tasks run in-process")
def test_readyz_is_503_and_names_an_unreachable_broker(client, monkeypatch):
    # Celery connects for writes through broker_write_url (derived from broker_url at start).
    monkeypatch.setattr(celery_app.conf, "broker_write_url", "amqp://guest:guest@127.0.0.1:1//")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
