"""Event data contracts → JSON Schema 2020-12 files in contracts/events/.

Each business module describes the `data` of its events as stdlib dataclasses in
`<module>/event_data.py` (`EVENT_DATA = {type: dataclass}`); `manage.py events_schemas` writes one
schema per type from them. Schemas allow extra properties so a consumer keeps working when a
producer adds a field; the producers' own check (`validate_emitted`) is strict.
"""

import dataclasses
import types
import typing
from importlib import import_module

from django.apps import apps

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_SCALARS = {str: "string", int: "integer", bool: "boolean", float: "number"}


def event_data_contracts() -> dict[str, type]:
    """Every event type declared by an installed app's event_data.py, with its data class."""
    found: dict[str, type] = {}
    for config in apps.get_app_configs():
        try:
            module = import_module(f"{config.name}.event_data")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.event_data":
                raise
            continue
        found |= module.EVENT_DATA
    return dict(sorted(found.items()))


def event_schema(event_type: str, data_class: type) -> dict:
    return {
        "$schema": DIALECT,
        "$id": f"https://commerce.example/contracts/events/{event_type}.json",
        "title": event_type,
        **_object(data_class),
    }


def _object(cls: type) -> dict:
    hints = typing.get_type_hints(cls)
    schema: dict = {"type": "object"}
    if cls.__doc__ and not cls.__doc__.startswith(f"{cls.__name__}("):  # dataclass's generated doc
        schema["description"] = cls.__doc__.strip()
    fields = dataclasses.fields(cls)
    schema["properties"] = {f.name: _type(hints[f.name]) | dict(f.metadata) for f in fields}
    schema["required"] = [f.name for f in fields]
    schema["additionalProperties"] = True
    return schema


def _type(annotation) -> dict:
    if annotation in _SCALARS:
        return {"type": _SCALARS[annotation]}
    if dataclasses.is_dataclass(annotation):
        return _object(annotation)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list:
        return {"type": "array", "items": _type(args[0])}
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = _type(next(a for a in args if a is not type(None)))
        return {**inner, "type": [inner["type"], "null"]}
    raise TypeError(
        f"no JSON Schema for {annotation!r}: use str, int, bool, float, X | None, list[X] or a dataclass"
    )


def breaking_changes(published: dict, current: dict, path: str = "data") -> list[str]:
    """What in `current` breaks consumers of the `published` schema of the same event type.

    Both directions count, because events flow both ways in time: a consumer reads new events
    with the old schema in mind (a removed field, a wider type, a new enum value break it), and
    dead letters written under the old schema are replayed against the new one (a narrower type,
    a removed enum value, a newly required field break the replay). Additions are fine only as
    optional properties. Anything else needs a new type (`…v2`).
    """
    problems = []
    for key in ("type", "enum", "format"):
        if published.get(key) != current.get(key):
            problems.append(f"{path}: {key} changed from {published.get(key)!r} to {current.get(key)!r}")
    old_props, new_props = published.get("properties", {}), current.get("properties", {})
    old_required, new_required = set(published.get("required", [])), set(current.get("required", []))
    for name in sorted(old_props.keys() - new_props.keys()):
        problems.append(f"{path}/{name}: removed")
    for name in sorted(old_required - new_required):
        if name in new_props:
            problems.append(f"{path}/{name}: no longer required")
    for name in sorted(new_required - old_required):
        problems.append(f"{path}/{name}: newly required (add it as optional, or make a v2)")
    for name in sorted(old_props.keys() & new_props.keys()):
        problems += breaking_changes(old_props[name], new_props[name], f"{path}/{name}")
    if isinstance(published.get("items"), dict) and isinstance(current.get("items"), dict):
        problems += breaking_changes(published["items"], current["items"], f"{path}/*")
    return problems
