import hashlib
import json
import threading
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.common.idempotency import idempotency_keys_purge
from apps.common.models import IdempotencyKey
from apps.common.tasks import purge_idempotency_keys
from tests.factories.accounts import UserFactory

PROBLEM = "application/problem+json"
BASE = "https://problems.commerce.example/"
WIDGETS = "/api/v1/test/idempotent/widgets"
BOLT = {"name": "bolt", "price": "9.99"}

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.urls")]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(client: APIClient, body: dict, key: str | None = "key-1", path: str = WIDGETS):
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(path, body, format="json", headers=headers)


def widgets(name: str = "bolt") -> int:
    return Group.objects.filter(name__startswith=f"widget {name} ").count()


def fingerprint(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def seed_record(user, body: dict, *, key: str = "key-1", path: str = WIDGETS, **fields) -> IdempotencyKey:
    now = timezone.now()
    values = {"created_at": now, "expires_at": now + timedelta(hours=24)} | fields
    return IdempotencyKey.objects.create(
        principal=str(user.pk), endpoint=f"POST {path}", key=key, fingerprint=fingerprint(body), **values
    )


IN_FLIGHT_PROBLEM = {
    "type": BASE + "idempotency-key-in-flight",
    "title": "Conflict",
    "status": 409,
    "detail": "A request with this Idempotency-Key is still in progress; retry shortly.",
    "instance": WIDGETS,
}


def test_a_request_without_the_key_is_a_400_naming_the_header():
    client = client_for(UserFactory())

    response = post(client, BOLT, key=None)

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    detail = "The Idempotency-Key header is required on this endpoint."
    assert response.json() == {
        "type": BASE + "idempotency-key-required",
        "title": "Bad Request",
        "status": 400,
        "detail": detail,
        "instance": WIDGETS,
        "errors": [{"header": "Idempotency-Key", "detail": detail, "code": "required"}],
    }
    assert (widgets(), IdempotencyKey.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "key", ["k" * 256, "", "tab\there", "clé"], ids=["256-chars", "empty", "control", "non-ascii"]
)
def test_a_key_that_is_not_1_to_255_printable_ascii_characters_is_a_400(key):
    client = client_for(UserFactory())

    response = post(client, BOLT, key=key)

    assert response.status_code == 400
    detail = "The Idempotency-Key header must be 1 to 255 printable ASCII characters."
    assert response.json()["type"] == BASE + "idempotency-key-invalid"
    assert response.json()["errors"] == [{"header": "Idempotency-Key", "detail": detail, "code": "invalid"}]
    assert (widgets(), IdempotencyKey.objects.count()) == (0, 0)


def test_a_255_character_key_is_accepted():
    client = client_for(UserFactory())

    response = post(client, BOLT, key="k" * 255)

    assert response.status_code == 201
    assert IdempotencyKey.objects.get().key == "k" * 255


def test_the_first_answer_runs_the_view_and_is_stored():
    user = UserFactory()

    response = post(client_for(user), BOLT)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert response.json()["name"] == "bolt"
    assert response.json()["price"] == 9.99
    assert widgets() == 1
    record = IdempotencyKey.objects.get()
    assert (record.principal, record.endpoint, record.key) == (str(user.pk), f"POST {WIDGETS}", "key-1")
    assert record.fingerprint == fingerprint(BOLT)
    assert record.state == IdempotencyKey.State.COMPLETED
    assert (record.response_status, record.response_content_type) == (201, "application/json")
    assert record.response_body.encode() == response.content
    assert record.expires_at - record.created_at == timedelta(hours=24)
    assert record.completed_at >= record.created_at


def test_a_retry_with_the_same_key_and_body_replays_the_first_answer_byte_for_byte():
    client = client_for(UserFactory())
    first = post(client, BOLT)

    retry = post(client, BOLT)

    assert retry.status_code == 201
    assert retry.content == first.content
    assert retry["Content-Type"] == "application/json"
    assert retry["Idempotent-Replayed"] == "true"
    assert widgets() == 1


def test_the_same_key_with_a_different_body_is_a_422_without_effect():
    client = client_for(UserFactory())
    post(client, BOLT)

    response = post(client, {"name": "nut", "price": "0.10"})

    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": BASE + "idempotency-key-reused",
        "title": HTTPStatus(422).phrase,  # "Unprocessable Entity" before Python 3.13
        "status": 422,
        "detail": "This Idempotency-Key was already used with a different request body.",
        "instance": WIDGETS,
    }
    assert (widgets("bolt"), widgets("nut")) == (1, 0)


def test_a_rejected_request_stores_nothing_and_a_corrected_retry_runs():
    client = client_for(UserFactory())
    rejected = post(client, {"name": "bolt", "price": "-1"})
    assert rejected.status_code == 400
    assert IdempotencyKey.objects.count() == 0

    retry = post(client, BOLT)

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert widgets() == 1


def test_a_409_answer_is_stored_and_replayed():
    client = client_for(UserFactory())
    path = "/api/v1/test/idempotent/conflicting-widgets"
    first = post(client, BOLT, path=path)

    retry = post(client, BOLT, path=path)

    assert first.status_code == 409
    assert first.json()["type"] == BASE + "widget-conflict"
    assert first.json()["detail"].startswith("Widget bolt clashes with ")
    assert (retry.status_code, retry.content) == (409, first.content)
    assert retry["Content-Type"] == PROBLEM
    assert retry["Idempotent-Replayed"] == "true"
    record = IdempotencyKey.objects.get()
    assert (record.state, record.response_status, record.response_content_type) == ("completed", 409, PROBLEM)


def test_an_unexpected_error_releases_the_key():
    client = client_for(UserFactory())

    with pytest.raises(RuntimeError, match="deliberate failure"):
        post(client, BOLT, path="/api/v1/test/idempotent/failing-widgets")

    assert IdempotencyKey.objects.count() == 0


def test_keys_are_per_user():
    alice, bob = UserFactory(), UserFactory()
    alices = post(client_for(alice), BOLT)

    bobs = post(client_for(bob), BOLT)

    assert (alices.status_code, bobs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in bobs
    assert bobs.json()["ref"] != alices.json()["ref"]
    assert widgets() == 2
    assert sorted(IdempotencyKey.objects.values_list("principal", flat=True)) == sorted(
        [str(alice.pk), str(bob.pk)]
    )


def test_keys_are_per_endpoint():
    client = client_for(UserFactory())
    post(client, BOLT)

    other = post(client, BOLT, path="/api/v1/test/idempotent/gadgets")

    assert other.status_code == 201
    assert "Idempotent-Replayed" not in other
    assert widgets() == 2
    assert sorted(IdempotencyKey.objects.values_list("endpoint", flat=True)) == [
        "POST /api/v1/test/idempotent/gadgets",
        f"POST {WIDGETS}",
    ]


def test_an_expired_record_is_taken_over_whatever_body_it_had():
    user = UserFactory()
    old = timezone.now() - timedelta(hours=25)
    seed_record(
        user,
        {"name": "nut", "price": "0.10"},
        state="completed",
        response_status=201,
        response_body='{"old":true}',
        response_content_type="application/json",
        created_at=old,
        completed_at=old,
        expires_at=old + timedelta(hours=24),
    )

    response = post(client_for(user), BOLT)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert widgets() == 1
    record = IdempotencyKey.objects.get()
    assert (record.fingerprint, record.state) == (fingerprint(BOLT), "completed")
    assert record.response_body.encode() == response.content
    assert record.created_at > old + timedelta(hours=24)


def test_a_stale_in_flight_claim_is_taken_over():
    user = UserFactory()
    seed_record(user, BOLT, created_at=timezone.now() - timedelta(seconds=61))

    response = post(client_for(user), BOLT)

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert widgets() == 1
    assert IdempotencyKey.objects.get().state == "completed"


def test_a_fresh_in_flight_claim_is_a_409_with_retry_after():
    user = UserFactory()
    seed_record(user, BOLT, created_at=timezone.now() - timedelta(seconds=59))

    response = post(client_for(user), BOLT)

    assert response.status_code == 409
    assert response["Retry-After"] == "1"
    assert response["Content-Type"] == PROBLEM
    assert response.json() == IN_FLIGHT_PROBLEM
    assert widgets() == 0
    assert IdempotencyKey.objects.get().state == "in_flight"


def test_purge_deletes_only_expired_records():
    user = UserFactory()
    now = timezone.now()
    for n in range(3):
        seed_record(user, BOLT, key=f"expired-{n}", expires_at=now - timedelta(seconds=1))
    for n in range(2):
        seed_record(user, BOLT, key=f"live-{n}", expires_at=now + timedelta(minutes=1))

    purged = idempotency_keys_purge()

    assert purged == 3
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["live-0", "live-1"]
    assert purge_idempotency_keys() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # autocommit: each thread sees commits
@pytest.mark.parametrize("stale_claim", [False, True], ids=["new-key", "stale-claim"])
def test_concurrent_duplicates_have_one_effect(stale_claim):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database refuses concurrent writers")
    user = UserFactory()
    path = "/api/v1/test/idempotent/slow-widgets"
    if stale_claim:
        seed_record(user, BOLT, path=path, created_at=timezone.now() - timedelta(seconds=61))
    start = threading.Barrier(20)
    answers = []

    def duplicate() -> None:
        client = client_for(user)
        start.wait()
        try:
            answers.append(post(client, BOLT, path=path))
        finally:
            connection.close()

    threads = [threading.Thread(target=duplicate) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert widgets() == 1
    assert len(answers) == 20
    ran = [a for a in answers if a.status_code == 201 and "Idempotent-Replayed" not in a]
    assert len(ran) == 1
    for answer in answers:
        if answer.status_code == 201:
            assert answer.content == ran[0].content
        else:
            assert answer.status_code == 409
            assert answer.json() == IN_FLIGHT_PROBLEM | {"instance": path}
    assert IdempotencyKey.objects.get().state == "completed"
