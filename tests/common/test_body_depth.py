"""Bodies nested too deep are 400 problem+json, not a RecursionError 500."""

import pytest

from apps.common.parsers import json_depth_exceeds

pytestmark = pytest.mark.django_db


def _post(client, body: str):
    client.raise_request_exception = False
    return client.post("/api/v1/orders", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="deep-1")


def _assert_malformed(response) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/malformed-request")
    assert "nested deeper than 32 levels" in body["detail"]


def test_five_thousand_levels_of_objects_under_lines_is_400(customer_client):
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    _assert_malformed(_post(customer_client, f'{{"lines": [{deep}], "payment": {{}}}}'))


def test_a_hundred_thousand_deep_array_is_400(customer_client):
    _assert_malformed(_post(customer_client, "[" * 100_000 + "]" * 100_000))


def test_a_body_that_parses_but_nests_past_the_limit_is_400(customer_client):
    _assert_malformed(_post(customer_client, '{"lines": ' + "[" * 40 + "]" * 40 + "}"))


def test_ordinary_bodies_are_not_refused_for_depth(customer_client):
    response = _post(customer_client, '{"lines": [{"sku": "NOPE", "quantity": 1}]}')
    assert response.status_code == 400
    assert response.json()["type"].endswith("/validation-error")  # the serializer got to see it


def test_depth_is_measured_without_recursion():
    assert not json_depth_exceeds({"a": [1, {"b": []}]}, 4)  # object, list, object, list
    assert json_depth_exceeds({"a": [1, {"b": []}]}, 3)
    nested: list = []
    for _ in range(200_000):
        nested = [nested]
    assert json_depth_exceeds(nested, 32)
