"""Products with variants: created whole or not at all, priced and stocked per SKU, shown as
one product page whose stock comes from the SKU entries."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.catalog import media, products
from apps.catalog.contracts import CatalogInvalid, ProductDraft, StockLine, VariantInput
from apps.catalog.documents import Product, Variant
from apps.catalog.public import prices_for, stock_reserve

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]


def tee(**overrides) -> ProductDraft:
    fields = {
        "slug": "linen-tee", "name": "Linen tee", "category": "clothing", "brand": "Acme",
        "attributes": {"material": "linen"}, "seo_title": "Linen tee | Shop",
        "variants": (
            VariantInput("TEE-S", 2500, "EUR", {"size": "S"}, weight_grams=180, on_hand=4),
            VariantInput("TEE-L", 2700, "EUR", {"size": "L"}, compare_at_amount=3000, weight_grams=200,
                         tax_class="reduced", on_hand=1),
        ),
    }  # fmt: skip
    return ProductDraft(**(fields | overrides))


def test_a_product_with_variants_is_sold_by_sku(settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    products.product_create(draft=tee())

    stock_reserve(order_ref="o-1", lines=[StockLine("TEE-L", 1)], ttl=timedelta(minutes=15))
    prices = prices_for(skus=["TEE-S", "TEE-L"])

    assert (prices["TEE-L"].price_amount, prices["TEE-L"].available) == (2700, 0)
    assert (prices["TEE-L"].weight_grams, prices["TEE-L"].tax_class) == (200, "reduced")
    assert prices["TEE-S"].name == "Linen tee - S"


def test_the_product_page_shows_variants_and_fresh_stock(api_client, settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = -1
    products.product_create(draft=tee())
    first = api_client.get("/api/v1/catalog/products/linen-tee").json()

    stock_reserve(order_ref="o-1", lines=[StockLine("TEE-S", 3)], ttl=timedelta(minutes=15))
    again = api_client.get("/api/v1/catalog/products/linen-tee").json()

    assert (first["brand"], first["attributes"], first["option_names"]) == (
        "Acme",
        {"material": "linen"},
        ["size"],
    )
    assert first["seo"] == {"title": "Linen tee | Shop", "description": ""}
    assert [(v["sku"], v["options"], v["price"]) for v in first["variants"]] == [
        ("TEE-S", {"size": "S"}, {"amount": 2500, "currency": "EUR"}),
        ("TEE-L", {"size": "L"}, {"amount": 2700, "currency": "EUR"}),
    ]
    assert [v["available"] for v in first["variants"]] == [4, 1]
    assert [v["available"] for v in again["variants"]] == [1, 1]  # the stock change reached the page
    assert api_client.get("/api/v1/catalog/products/nope").status_code == 404


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (tee(slug="Not A Slug"), "slug"),
        (tee(variants=()), "variants"),
        (
            tee(
                variants=(
                    VariantInput("A", 1, "EUR", {"size": "S"}),
                    VariantInput("A", 1, "EUR", {"size": "M"}),
                )
            ),
            "variants.1.sku",
        ),
        (
            tee(variants=(VariantInput("A", 1, "EUR", {"size": "S"}), VariantInput("B", 1, "EUR", {}))),
            "variants.1.options",
        ),
        (
            tee(
                variants=(
                    VariantInput("A", 1, "EUR", {"size": "S"}),
                    VariantInput("B", 1, "EUR", {"size": "S"}),
                )
            ),
            "variants.1.options",
        ),
        (tee(variants=(VariantInput("A", -1, "EUR", {}),)), "variants.0.price_amount"),
        (tee(variants=(VariantInput("A", 100, "EUR", {}, on_hand=-3),)), "variants.0.on_hand"),
        (tee(variants=(VariantInput("A", 100, "XXX", {}),)), "variants.0.currency"),
        (tee(variants=(VariantInput("A", 100, "EUR", {}, tax_class="luxury"),)), "variants.0.tax_class"),
    ],
)
def test_bad_products_name_the_field_and_write_nothing(draft, field):
    with pytest.raises(CatalogInvalid) as refused:
        products.product_create(draft=draft)

    assert field in refused.value.errors
    assert Product.objects.count() == 0 and Variant.objects.count() == 0


def test_a_duplicate_sku_or_slug_writes_nothing():
    products.product_create(draft=tee())

    with pytest.raises(CatalogInvalid) as sku_taken:
        products.product_create(draft=tee(slug="other-tee"))
    with pytest.raises(CatalogInvalid) as slug_taken:
        products.product_create(draft=tee(variants=(VariantInput("NEW-1", 100, "EUR", {}),)))

    assert "variants.0.sku" in sku_taken.value.errors
    assert "slug" in slug_taken.value.errors
    assert (Product.objects.count(), Variant.objects.count()) == (1, 2)


def test_a_variant_insert_that_loses_a_race_takes_the_others_back(monkeypatch):
    """The SKU check passes, then another writer takes the second SKU: the first one goes again."""
    monkeypatch.setattr(products, "_check_variants", lambda variants, existing: {})  # checked before…
    Variant(sku="TEE-L", name="x", category="clothing", price_amount=1, currency="EUR").save()  # …taken after

    with pytest.raises(CatalogInvalid) as lost:
        products.product_create(draft=tee())

    assert lost.value.errors == {"variants.1.sku": "A variant with this SKU already exists."}
    assert [v.sku for v in Variant.objects] == ["TEE-L"] and Product.objects.count() == 0


def png(width=3, height=2) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, "PNG")
    return SimpleUploadedFile("red.png", buffer.getvalue(), content_type="image/png")


def test_images_are_stored_measured_and_served_as_absolute_urls(api_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    products.product_create(draft=tee())

    stored = media.media_add(slug="linen-tee", upload=png(), alt="Front")
    page = api_client.get("/api/v1/catalog/products/linen-tee").json()

    assert (tmp_path / stored["path"]).exists()
    assert page["media"] == [
        {
            "url": f"http://testserver/media/{stored['path']}",
            "alt": "Front",
            "position": 0,
            "width": 3,
            "height": 2,
        }
    ]


def test_not_an_image_or_too_large_is_refused_and_nothing_stored(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CATALOG_IMAGE_MAX_BYTES = 200
    products.product_create(draft=tee())

    with pytest.raises(media.ImageRefused, match="not an image"):
        media.media_add(slug="linen-tee", upload=SimpleUploadedFile("x.png", b"GIF89a but not really"))
    with pytest.raises(media.ImageRefused, match="at most 200"):
        media.media_add(slug="linen-tee", upload=png(200, 200))

    assert list(tmp_path.rglob("*.*")) == []
    assert Product.objects.get(slug="linen-tee").media == []
