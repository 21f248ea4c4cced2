"""Consumers of our internal API (contracts/consumers/*.json, key `api`): the published OpenAPI
schema still offers each operation they call, the fields they send, and answers with the fields
they read, of the types they expect. A module deployed apart keeps working across releases."""

import json

import pytest
import yaml

from config.env import BASE_DIR

OPENAPI = yaml.safe_load((BASE_DIR / "contracts" / "openapi.yaml").read_text())
CONSUMERS = sorted((BASE_DIR / "contracts" / "consumers").glob("*.json"))
CALLS = [
    (path.stem, operation_id, call)
    for path in CONSUMERS
    for operation_id, call in json.loads(path.read_text()).get("api", {}).items()
]


def _schema(ref_holder: dict) -> dict:
    ref = ref_holder["schema"]["$ref"]
    return OPENAPI["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def _check_fields(schema: dict, fields: dict, what: str) -> None:
    for field, expected in fields.items():
        assert field in schema["properties"], f"{what}: no field {field!r}"
        assert field in schema.get("required", []), f"{what}: {field!r} is optional"
        prop = schema["properties"][field]
        if "$ref" in prop:  # an enum component
            prop = OPENAPI["components"]["schemas"][prop["$ref"].rsplit("/", 1)[-1]]
        assert prop["type"] == expected, f"{what}: {field!r} is not {expected}"


@pytest.mark.parametrize(("consumer", "operation_id", "call"), CALLS, ids=[f"{c}-{o}" for c, o, _ in CALLS])
def test_the_published_api_offers_what_each_consumer_calls(consumer, operation_id, call):
    operation = OPENAPI["paths"].get(call["path"], {}).get(call["method"])
    assert operation is not None, f"{consumer}: no {call['method'].upper()} {call['path']}"
    assert operation["operationId"] == operation_id

    _check_fields(
        _schema(operation["responses"]["200"]["content"]["application/json"]), call["reads"], operation_id
    )
    if "sends" in call:
        request = _schema(operation["requestBody"]["content"]["application/json"])
        assert set(call["sends"]) >= set(request.get("required", [])), (
            f"{operation_id}: a required field unsent"
        )
        _check_fields(request, call["sends"], f"{operation_id} request")
    problems = {
        status
        for status, answer in operation["responses"].items()
        if "application/problem+json" in answer.get("content", {})
    }
    assert {"401", "404"} <= problems, (
        f"{operation_id}: 401 and 404 must be problem+json (the consumer reads 404 as none)"
    )


@pytest.mark.parametrize(("consumer", "operation_id", "call"), CALLS, ids=[f"{c}-{o}" for c, o, _ in CALLS])
def test_each_endpoint_a_consumer_calls_lets_that_consumer_in(consumer, operation_id, call):
    from django.urls import resolve

    path = (
        call["path"]
        .replace("{account_id}", "1")
        .replace("{order_id}", "00000000-0000-0000-0000-000000000001")
    )
    view = resolve(path).func.view_class
    assert consumer in view.callers, f"{operation_id}: {view.__name__}.callers does not name {consumer!r}"


def test_there_are_calls_to_check():
    assert {o for _, o, _ in CALLS} == {
        "internal_account_get",
        "internal_account_link",
        "internal_order_contact",
    }
