import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from apps.accounts.models import User
from apps.catalog import public as catalog

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_products_staff_per_role_and_a_customer_with_a_token(settings, capsys):
    settings.DEBUG = True

    call_command("seed_demo")

    assert catalog.product_count() == 36
    assert set(User.objects.values_list("email", flat=True)) == {
        "admin@demo.shop",
        "support@demo.shop",
        "fulfilment@demo.shop",
        "finance@demo.shop",
        "operations@demo.shop",
        "customer@demo.shop",
    }
    for role in ("support", "fulfilment", "finance", "operations"):
        assert list(Group.objects.get(name=role).user_set.values_list("email", flat=True)) == [
            f"{role}@demo.shop"
        ]
    token = Token.objects.get(user__email="customer@demo.shop").key
    out = capsys.readouterr().out
    assert f"Customer API token: {token}" in out
    assert "finance     finance@demo.shop / demo-finance-2026" in out


def test_seed_demo_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    token = Token.objects.get(user__email="customer@demo.shop").key

    call_command("seed_demo")

    assert catalog.product_count() == 36
    assert User.objects.count() == 6
    assert Token.objects.get().key == token


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="runs only with DEBUG on"):
        call_command("seed_demo")
    assert User.objects.count() == 0
