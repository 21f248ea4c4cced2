import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from knox.crypto import hash_token
from knox.models import AuthToken

from apps.accounts.models import User
from apps.catalog import public as catalog

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_products_staff_per_role_and_a_customer_with_a_token(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")

    assert catalog.sku_count() == 49
    assert set(User.objects.values_list("email", flat=True)) == {
        "admin@demo.shop",
        "support@demo.shop",
        "fulfilment@demo.shop",
        "finance@demo.shop",
        "operations@demo.shop",
        "merchandising@demo.shop",
        "customer@demo.shop",
    }
    for role in ("support", "fulfilment", "finance", "operations", "merchandising"):
        assert list(Group.objects.get(name=role).user_set.values_list("email", flat=True)) == [
            f"{role}@demo.shop"
        ]
    out = capsys.readouterr().out
    token = re.search(r"Customer API token: (\w+)", out).group(1)
    assert AuthToken.objects.get(user__email="customer@demo.shop").digest == hash_token(token)
    assert "finance        finance@demo.shop / demo-finance-2026" in out


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")

    call_command("seed_demo")

    assert catalog.sku_count() == 49
    assert User.objects.count() == 7  # an admin, a staff user per role, a customer
    # Tokens are stored hashed, so each run prints a new one; the earlier ones keep working.
    assert AuthToken.objects.filter(user__email="customer@demo.shop").count() == 2


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo")
    assert User.objects.count() == 0


def test_the_demo_products_are_in_the_storefront_listing(settings, api_client):
    settings.DEBUG = True
    call_command("seed_demo")

    listing = api_client.get("/api/v1/catalog/products", {"limit": 100}).json()

    assert listing["total"] == 36
    assert {c["slug"] for c in listing["facets"]["categories"]} >= {"tops", "books"}
