"""What only a real MongoDB can show: the deploy command's indexes exist on the server and the
listing's queries use them (mongomock has no query planner). Run with MONGODB_URI set; every
other catalog test runs against that server too then."""

import pytest
from django.core.management import call_command

from apps.catalog import products
from apps.catalog.contracts import ProductDraft, VariantInput
from apps.catalog.documents import Product, Variant

pytestmark = [pytest.mark.mongodb_only, pytest.mark.django_db]


def winning_stages(plan: dict) -> set[str]:
    stages, stack = set(), [plan["queryPlanner"]["winningPlan"]]
    while stack:
        node = stack.pop()
        stages.add(node.get("stage"))
        stack += [node[k] for k in ("inputStage", "queryPlan") if k in node] + node.get("inputStages", [])
    return stages


def test_search_category_and_stock_filters_use_indexes():
    call_command("catalog_ensure_indexes", verbosity=0)
    products.product_create(
        draft=ProductDraft(
            "linen-tee", "Linen tee", "clothing", (VariantInput("TEE-S", 2500, "EUR", {}, on_hand=2),)
        )
    )
    products_ = Product._get_collection()

    search = products_.find({"published": True, "search_terms": {"$all": ["lin", "tee"]}}).explain()
    category = products_.find({"published": True, "category_path": "clothing"}).explain()
    stock = Variant._get_collection().find({"product_slug": {"$ne": None}, "available": {"$gt": 0}}).explain()

    for plan in (search, category, stock):
        assert "IXSCAN" in winning_stages(plan) and "COLLSCAN" not in winning_stages(plan)
