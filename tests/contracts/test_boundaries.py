"""A module's surface (public.py, contracts.py) hands out functions and plain data, never its
persistence: a Django model or mongoengine document bound there would let any caller query
another module's tables (import-linter sees only the import of `public`, not what it carries)."""

import importlib
import inspect
import pkgutil

import pytest
from django.db import models
from mongoengine.base import BaseDocument

import apps

SURFACES = ("public", "contracts")


def _surface_modules():
    for package in pkgutil.iter_modules(apps.__path__):
        for surface in SURFACES:
            name = f"apps.{package.name}.{surface}"
            if importlib.util.find_spec(name) is not None:
                yield name


def _persistence(value) -> bool:
    if inspect.isclass(value):
        return issubclass(value, models.Model | BaseDocument)
    return isinstance(value, models.Model | BaseDocument | models.QuerySet | models.Manager)


@pytest.mark.parametrize("module_name", sorted(_surface_modules()))
def test_a_surface_binds_no_model_or_document(module_name):
    module = importlib.import_module(module_name)
    bound = sorted(name for name, value in vars(module).items() if _persistence(value))
    assert not bound, f"{module_name} binds persistence classes {bound}: return contracts.py types instead"


def test_every_business_module_has_a_surface():
    names = {name.rsplit(".", 2)[1] for name in _surface_modules()}
    assert {"accounts", "catalog", "orders", "payments", "notifications", "reporting", "events"} <= names
