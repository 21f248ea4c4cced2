"""JSON Schemas of event data (contracts/events/<type>.json), checked before a handler runs."""

import json
from functools import cache
from pathlib import Path

import jsonschema
from django.conf import settings


class SchemaViolation(ValueError):
    """The event's data does not match its type's schema: retrying cannot help."""


def validate_data(envelope: dict) -> None:
    schema = _schema(Path(settings.EVENTS_SCHEMA_DIR), envelope["type"])
    if schema is None:
        return
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(envelope["data"])
    )
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise SchemaViolation(f"data/{where}: {error.message}")


@cache
def _schema(directory: Path, event_type: str) -> dict | None:
    path = directory / f"{event_type}.json"
    return json.loads(path.read_text()) if path.exists() else None
