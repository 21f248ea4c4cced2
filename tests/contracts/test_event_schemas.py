"""Event schemas: generated from the producers' event_data.py, committed, and never broken."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.events.outbox import _event_types
from apps.events.schema_generation import breaking_changes, event_data_contracts
from config.env import BASE_DIR

SCHEMAS = BASE_DIR / "contracts" / "events"


def _load(directory: Path) -> dict[str, dict]:
    return {
        path.name.removesuffix(".json"): json.loads(path.read_text()) for path in directory.glob("*.json")
    }


def test_committed_event_schemas_match_the_producers_contracts(tmp_path: Path):
    call_command("events_schemas", "--directory", str(tmp_path), stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert _load(tmp_path) == _load(SCHEMAS), "contracts/events is stale: run `make schema` and commit it"


def test_every_event_type_a_module_declares_has_a_schema_and_a_data_contract():
    declared = {t for t in _event_types.values() if not t.startswith("probe.")}

    assert declared == set(event_data_contracts()) == set(_load(SCHEMAS))


def test_no_published_schema_is_broken():
    published, current = _load(SCHEMAS / "published"), _load(SCHEMAS)

    problems = {t: breaking_changes(schema, current.get(t, {})) for t, schema in published.items()}

    assert {t: p for t, p in problems.items() if p} == {}, "breaking change: publish a new type (…v2) instead"
    assert set(published) == set(current), "publish new types: manage.py events_schemas --publish"


PUBLISHED = {
    "type": "object",
    "required": ["id", "status", "lines"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "status": {"type": "string", "enum": ["placed", "paid"]},
        "lines": {
            "type": "array",
            "items": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string"}}},
        },
    },
}


def _changed(change) -> dict:
    schema = json.loads(json.dumps(PUBLISHED))
    change(schema)
    return schema


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s["properties"].pop("id") and s["required"].remove("id"), "data/id: removed"),
        (
            lambda s: s["properties"]["id"].update(type=["string", "null"]),
            "data/id: type changed from 'string' to ['string', 'null']",
        ),
        (
            lambda s: s["properties"]["id"].update(type="integer"),
            "data/id: type changed from 'string' to 'integer'",
        ),
        (
            lambda s: s["properties"]["status"]["enum"].append("lost"),
            "data/status: enum changed from ['placed', 'paid'] to ['placed', 'paid', 'lost']",
        ),
        (lambda s: s["required"].remove("status"), "data/status: no longer required"),
        (
            lambda s: s["properties"].update(note={"type": "string"}) or s["required"].append("note"),
            "data/note: newly required (add it as optional, or make a v2)",
        ),
        (
            lambda s: s["properties"]["lines"]["items"]["properties"].update(sku={"type": "integer"}),
            "data/lines/*/sku: type changed from 'string' to 'integer'",
        ),
    ],
    ids=["removed", "widened", "retyped", "enum grew", "optional now", "new required", "nested"],
)
def test_the_compatibility_check_names_each_kind_of_breaking_change(change, problem):
    assert breaking_changes(PUBLISHED, _changed(change)) == [problem]


def test_an_added_optional_property_is_not_breaking():
    assert (
        breaking_changes(PUBLISHED, _changed(lambda s: s["properties"].update(note={"type": "string"}))) == []
    )
