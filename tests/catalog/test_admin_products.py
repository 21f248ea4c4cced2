"""Staff screens for products with variants, images and categories, by role."""

import io

import pytest
from django.contrib.auth.models import Group
from PIL import Image

from apps.catalog import categories
from apps.catalog.documents import Category, Product, Variant
from tests.factories.accounts import StaffFactory
from tests.factories.catalog import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.mongodb]
PAGES = "/admin/catalog/productadminentry/pages/"
MANAGEMENT = {"variants-TOTAL_FORMS": "2", "variants-INITIAL_FORMS": "0", "variants-MIN_NUM_FORMS": "1"}


def variant_row(n, sku, options, price, **extra):
    row = {"sku": sku, "options": options, "currency": "EUR", "price": price, "weight_grams": "200",
           "tax_class": "standard", "on_hand": "3", **extra}  # fmt: skip
    return {f"variants-{n}-{k}": v for k, v in row.items()}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "blue").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def merchandiser(client):
    client.force_login(StaffFactory(role="merchandising"))
    return client


def new_product(**fields):
    return {
        "slug": "linen-tee", "name": "Linen tee", "category": "clothing", "brand": "Acme",
        "attributes": "material=linen", "published": "on", **MANAGEMENT,
        **variant_row(0, "TEE-S", "size=S", "25.00"), **variant_row(1, "TEE-L", "size=L", "27.50"), **fields,
    }  # fmt: skip


def test_the_merchandising_role_exists_with_catalog_permissions():
    # The catalog's own permissions; checkout adds its shipping, tax and voucher ones to the same role.
    permissions = Group.objects.get(name="merchandising").permissions.filter(
        content_type__app_label="catalog"
    )
    codenames = set(permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_productadminentry",
        "add_productadminentry",
        "change_productadminentry",
        "adjust_stock",
    }


def test_merchandising_creates_a_product_with_variants_and_an_image(merchandiser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = merchandiser.post(
        PAGES + "add/", {**new_product(), "image": SimpleUploadedFile("tee.png", png_bytes()), "alt": "Front"}
    )

    assert response.status_code == 302, response.context and response.context["form"].errors
    product = Product.objects.get(slug="linen-tee")
    assert (product.attributes, [(m.alt, m.width, m.height) for m in product.media]) == (
        {"material": "linen"},
        [("Front", 4, 3)],
    )
    variants = {v.sku: v for v in Variant.objects(product_slug="linen-tee")}
    assert {sku: (v.options, v.price_amount, v.on_hand) for sku, v in variants.items()} == {
        "TEE-S": ({"size": "S"}, 2500, 3),
        "TEE-L": ({"size": "L"}, 2750, 3),
    }


def test_editing_variants_reprices_one_and_adds_another(merchandiser):
    merchandiser.post(PAGES + "add/", new_product())
    page = merchandiser.get(PAGES + "linen-tee/")
    assert page.status_code == 200
    edit = {
        **{k: v for k, v in new_product().items() if not k.startswith("variants-")},
        "edit_version": page.context["form"].initial["edit_version"],
        "variants-TOTAL_FORMS": "3", "variants-INITIAL_FORMS": "2", "variants-MIN_NUM_FORMS": "1",
        **variant_row(0, "TEE-S", "size=S", "25.00"), **variant_row(1, "TEE-L", "size=L", "29.00"),
        **variant_row(2, "TEE-XL", "size=XL", "31.00"),
    }  # fmt: skip

    response = merchandiser.post(PAGES + "linen-tee/", edit)

    assert response.status_code == 302, response.context["form"].errors
    prices = {v.sku: (v.price_amount, v.on_hand) for v in Variant.objects(product_slug="linen-tee")}
    assert prices == {"TEE-S": (2500, 3), "TEE-L": (2900, 3), "TEE-XL": (3100, 3)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (variant_row(1, "TEE-S", "size=L", "27.50"), "variants.1.sku"),
        (variant_row(1, "TEE-L", "", "27.50"), "variants.1.options"),
        (variant_row(1, "TEE-L", "size=L", "-1"), "greater than or equal to 0"),
    ],
)
def test_bad_variants_are_refused_and_nothing_is_written(merchandiser, change, message):
    response = merchandiser.post(PAGES + "add/", {**new_product(), **change})

    assert response.status_code == 200
    assert message in str(response.context["form"].errors) + str(response.context["formset"].errors)
    assert Product.objects.count() == 0 and Variant.objects.count() == 0


def test_not_an_image_is_refused_by_name(merchandiser, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = merchandiser.post(
        PAGES + "add/", {**new_product(), "image": SimpleUploadedFile("x.png", b"nope")}
    )

    assert response.status_code == 200 and "image" in response.context["media_form"].errors
    assert Product.objects.count() == 0


def test_the_category_tree_screen_refuses_a_cycle(merchandiser):
    categories.category_save(slug="home", name="Home")
    categories.category_save(slug="kitchen", name="Kitchen", parent="home")

    response = merchandiser.post(
        PAGES.replace("pages/", "categories/"),
        {"slug": "home", "name": "Home", "parent": "kitchen", "position": "0"},
    )

    assert response.status_code == 200
    assert "cannot be its own ancestor" in str(response.context["form"].errors)
    assert Category.objects.get(slug="home").parent is None


def test_the_low_stock_filter(admin_client, settings):
    settings.CATALOG_STOCK_LOW_THRESHOLD = 5
    ProductFactory(sku="LOW", on_hand=2)
    ProductFactory(sku="PLENTY", on_hand=50)

    response = admin_client.get("/admin/catalog/productadminentry/", {"stock": "low"})

    assert [p.sku for p in response.context["page"]] == ["LOW"]


def test_support_reads_product_pages_but_cannot_save(client):
    client.force_login(StaffFactory(role="support"))
    categories.category_save(slug="home", name="Home")

    assert client.get(PAGES).status_code == 200
    assert client.get(PAGES + "add/").status_code == 403
    assert (
        client.post(
            PAGES.replace("pages/", "categories/"), {"slug": "x", "name": "X", "position": "0"}
        ).status_code
        == 200
    )
    assert not Category.objects(slug="x")
