"""JSON Schemas of event data (contracts/events/<type>.json), checked before a handler runs
and, where settings.EVENTS_VALIDATE_ON_SEND is on (the default), strictly when a producer sends.

Validators are jsonschema-rs's (Rust), built once per schema and process: about 20 µs for the two
events of an order, where the pure-Python jsonschema took about 2 ms (bench/validation.py).
"""

import copy
import json
from functools import cache
from pathlib import Path

import jsonschema_rs
from django.conf import settings

from apps.events.schema_generation import event_data_contracts


class SchemaViolation(ValueError):
    """The event's data does not match its type's schema: retrying cannot help."""


def validate_data(envelope: dict) -> None:
    """Consumer side: the data has what the schema promises (extra fields are welcome)."""
    _validate(envelope, _validator(Path(settings.EVENTS_SCHEMA_DIR), envelope["type"], strict=False))


def validate_emitted(envelope: dict) -> None:
    """Producer side: the data is exactly what the schema describes, no field it does not name.
    An event type without a schema is refused too, unless it belongs to a test probe."""
    validator = _validator(Path(settings.EVENTS_SCHEMA_DIR), envelope["type"], strict=True)
    if validator is None and not envelope["type"].startswith("probe."):
        raise SchemaViolation(f"{envelope['type']} has no schema in {settings.EVENTS_SCHEMA_DIR}")
    _validate(envelope, validator)


def check_data_class(event_type: str, data) -> None:
    """Producer side, always: an event type declared in an event_data.py is sent as an instance of
    its dataclass, not a plain dict, so a field the contract does not name fails where it is built."""
    expected = _data_classes().get(event_type)
    if expected is not None and type(data) is not expected:
        raise TypeError(f"{event_type} data must be a {expected.__qualname__}, not {type(data).__qualname__}")


@cache
def _data_classes() -> dict[str, type]:
    return event_data_contracts()


def record_sample(envelope: dict) -> None:
    """Keep the latest envelope of each type in EVENTS_SAMPLE_DIR, for consumers in other
    runtimes to check against the schemas (contracts/node)."""
    if _schema(Path(settings.EVENTS_SCHEMA_DIR), envelope["type"]) is None:
        return  # test probes: nothing outside this suite consumes them
    directory = Path(settings.EVENTS_SAMPLE_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{envelope['type']}.json").write_text(json.dumps(envelope, indent=2, default=str))


def _validate(envelope: dict, validator) -> None:
    if validator is None:
        return
    try:
        validator.validate(envelope["data"])
    except jsonschema_rs.ValidationError as error:
        where = "/".join(str(part) for part in error.instance_path) or "(root)"
        raise SchemaViolation(f"data/{where}: {error.message}") from None


@cache
def _validator(directory: Path, event_type: str, *, strict: bool):
    """A compiled validator of the type's schema (closed to unnamed fields if `strict`), or None."""
    schema = (_strict_schema if strict else _schema)(directory, event_type)
    return None if schema is None else jsonschema_rs.validator_for(schema)


@cache
def _schema(directory: Path, event_type: str) -> dict | None:
    path = directory / f"{event_type}.json"
    return json.loads(path.read_text()) if path.exists() else None


@cache
def _strict_schema(directory: Path, event_type: str) -> dict | None:
    schema = _schema(directory, event_type)
    if schema is None:
        return None
    strict = copy.deepcopy(schema)
    _close(strict)
    return strict


def _close(schema: dict) -> None:
    if schema.get("type") == "object" or "properties" in schema:
        schema["additionalProperties"] = False
    for child in schema.get("properties", {}).values():
        _close(child)
    if isinstance(schema.get("items"), dict):
        _close(schema["items"])


def known_event_types() -> list[str]:
    """Every event type with a published schema: what staff may choose from (webhook subscriptions)."""
    return sorted(path.stem for path in Path(settings.EVENTS_SCHEMA_DIR).glob("*.json"))
