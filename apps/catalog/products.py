"""Products with variants: create, edit, add a variant. Every input is checked before anything
is written; the variants (one document per SKU, where stock lives) are inserted before their
product, and taken out again if any insert fails, so a failure leaves nothing behind."""

import re

from django.utils import timezone
from mongoengine import NotUniqueError

from apps.catalog import cache, listing
from apps.catalog.contracts import CatalogInvalid, ProductDraft, VariantInput
from apps.catalog.documents import Product, Variant
from apps.catalog.services import TAX_CLASSES, ConcurrentUpdate
from apps.common.money import Money

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SKU = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def product_create(*, draft: ProductDraft) -> Product:
    errors = _check_product(draft) | _check_variants(draft.variants, existing=())
    if not errors and Product.objects(slug=draft.slug).first() is not None:
        errors["slug"] = "A product with this slug already exists."
    if errors:
        raise CatalogInvalid(errors)
    now = timezone.now()
    inserted: list[str] = []
    try:
        for position, variant in enumerate(draft.variants):
            try:
                _variant_document(draft, variant, position, now).save(force_insert=True)
            except NotUniqueError:
                raise CatalogInvalid(
                    {f"variants.{position}.sku": "A variant with this SKU already exists."}
                ) from None
            inserted.append(variant.sku)
        product = Product(
            slug=draft.slug, name=draft.name, description=draft.description, brand=draft.brand,
            category=draft.category, attributes=dict(draft.attributes or {}),
            option_names=_option_names(draft.variants), seo_title=draft.seo_title,
            seo_description=draft.seo_description, published=draft.published, created_at=now, updated_at=now,
        )  # fmt: skip
        try:
            product.save(force_insert=True)
        except NotUniqueError:
            raise CatalogInvalid({"slug": "A product with this slug already exists."}) from None
    except BaseException:
        Variant.objects(sku__in=inserted, product_slug=draft.slug).delete()
        raise
    listing.refresh(draft.slug)
    cache.invalidate(inserted, products=[draft.slug])
    return product


def product_update(*, slug: str, draft: ProductDraft, expected_version: int) -> Product:
    """Edit the product's own fields (not its variants'), on the edit_version the editor saw."""
    errors = _check_product(draft)
    if draft.slug != slug:
        errors["slug"] = "The slug of an existing product cannot change (links and orders use it)."
    if errors:
        raise CatalogInvalid(errors)
    fields = {
        "name": draft.name, "description": draft.description, "brand": draft.brand, "category": draft.category,
        "attributes": dict(draft.attributes or {}), "seo_title": draft.seo_title,
        "seo_description": draft.seo_description, "published": draft.published,
    }  # fmt: skip
    updated = Product.objects(slug=slug, edit_version=expected_version).update_one(
        inc__edit_version=1, set__updated_at=timezone.now(), **{f"set__{k}": v for k, v in fields.items()}
    )
    if updated != 1:
        raise ConcurrentUpdate(f"{slug} was changed by someone else since it was opened")
    # The variants repeat what reservations and prices need; content only, never stock.
    Variant.objects(product_slug=slug).update(
        set__name=draft.name, set__category=draft.category, set__active=draft.published
    )
    skus = [v.sku for v in Variant.objects(product_slug=slug).only("sku")]
    listing.refresh(slug)
    cache.invalidate(skus, products=[slug])
    return Product.objects.get(slug=slug)


def variant_add(*, slug: str, variant: VariantInput) -> Variant:
    product = Product.objects(slug=slug).first()
    if product is None:
        raise CatalogInvalid({"slug": f"No product {slug!r}."})
    siblings = list(Variant.objects(product_slug=slug))
    existing = tuple(VariantInput(v.sku, v.price_amount, v.currency, dict(v.options)) for v in siblings)
    errors = _check_variants((*existing, variant), existing=existing)
    if errors:
        raise CatalogInvalid(
            {key.replace(f"variants.{len(existing)}.", ""): why for key, why in errors.items()}
        )
    draft = ProductDraft(product.slug, product.name, product.category, (), published=product.published)
    document = _variant_document(draft, variant, len(siblings), timezone.now())
    try:
        document.save(force_insert=True)
    except NotUniqueError:
        raise CatalogInvalid({"sku": "A variant with this SKU already exists."}) from None
    Product.objects(slug=slug).update_one(
        set__option_names=_option_names((*existing, variant)), set__updated_at=timezone.now()
    )
    listing.refresh(slug)
    cache.invalidate([variant.sku], products=[slug])
    return document


def _variant_document(draft: ProductDraft, variant: VariantInput, position: int, now) -> Variant:
    label = " / ".join(str(value) for value in variant.options.values())
    return Variant(
        sku=variant.sku, product_slug=draft.slug, options=dict(variant.options), position=position,
        name=f"{draft.name} - {label}" if label else draft.name, category=draft.category,
        active=draft.published, price_amount=variant.price_amount, compare_at_amount=variant.compare_at_amount,
        currency=variant.currency, weight_grams=variant.weight_grams, tax_class=variant.tax_class,
        on_hand=variant.on_hand, reserved=0, available=variant.on_hand, created_at=now, updated_at=now,
    )  # fmt: skip


def _option_names(variants) -> list[str]:
    names: list[str] = []
    for variant in variants:
        names += [name for name in variant.options if name not in names]
    return names


def _check_product(draft: ProductDraft) -> dict[str, str]:
    errors = {}
    if not SLUG.match(draft.slug or ""):
        errors["slug"] = "Lower-case letters, digits and single hyphens."
    if not (draft.name or "").strip():
        errors["name"] = "A product needs a name."
    if not SLUG.match(draft.category or ""):
        errors["category"] = "A category slug."
    if not isinstance(draft.attributes or {}, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in (draft.attributes or {}).items()
    ):
        errors["attributes"] = "Attribute names and values are text."
    return errors


def _check_variants(variants, *, existing) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not variants:
        return {"variants": "A product needs at least one variant."}
    skus: set[str] = set()
    combinations: set[tuple] = set()
    for n, variant in enumerate(variants):
        at = f"variants.{n}."
        if variant in existing:
            skus.add(variant.sku)
            combinations.add(tuple(sorted(variant.options.items())))
            continue
        if not SKU.match(variant.sku or ""):
            errors[at + "sku"] = "Letters, digits, . _ - (max 64)."
        elif variant.sku in skus:
            errors[at + "sku"] = "Two variants cannot share a SKU."
        elif Variant.objects(sku=variant.sku).first() is not None:
            errors[at + "sku"] = "A variant with this SKU already exists."
        skus.add(variant.sku)
        options = variant.options if isinstance(variant.options, dict) else None
        if options is None or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in options.items()
        ):
            errors[at + "options"] = "Option names and values are non-empty text."
        elif len(variants) > 1 and not options:
            errors[at + "options"] = (
                "A product with several variants needs option values on each (size, colour …)."
            )
        elif options and tuple(sorted(options.items())) in combinations:
            errors[at + "options"] = "Another variant has the same option values."
        else:
            combinations.add(tuple(sorted(options.items())))
        for field in ("price_amount", "compare_at_amount", "on_hand", "weight_grams"):
            value = getattr(variant, field)
            if value is None and field == "compare_at_amount":
                continue
            if type(value) is not int or value < 0:
                errors[at + field] = "A whole number, 0 or more."
        try:
            Money(variant.price_amount if type(variant.price_amount) is int else 0, variant.currency)
        except (TypeError, ValueError) as exc:
            errors[at + "currency"] = str(exc)
        if variant.tax_class not in TAX_CLASSES:
            errors[at + "tax_class"] = f"One of {', '.join(TAX_CLASSES)}."
    return errors
