"""Staff screens for products with variants, their images, and the category tree. Served by
ProductAdmin (admin.py) under the same table-less entry and its permissions."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse

from apps.catalog import categories, curation, media, products, services
from apps.catalog.contracts import CatalogInvalid, ProductDraft, VariantInput
from apps.catalog.documents import Category, Collection, Product, Variant
from apps.common.money import CURRENCY_EXPONENTS, Money


def urls(admin):
    view = admin.admin_site.admin_view
    pages = ProductPages(admin)
    return [
        path("pages/", view(pages.listing), name="catalog_productpage_list"),
        path("pages/add/", view(pages.add), name="catalog_productpage_add"),
        path("pages/<slug:slug>/", view(pages.change), name="catalog_productpage_change"),
        path("categories/", view(pages.category_tree), name="catalog_category_tree"),
        path("collections/", view(pages.collection_list), name="catalog_collection_list"),
        path("collections/add/", view(pages.collection_add), name="catalog_collection_add"),
        path("collections/<slug:slug>/", view(pages.collection_change), name="catalog_collection_change"),
    ]


class ProductPageForm(forms.Form):
    slug = forms.SlugField(max_length=100)
    name = forms.CharField(max_length=200)
    brand = forms.CharField(max_length=100, required=False)
    category = forms.SlugField(max_length=64)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    attributes = forms.CharField(
        required=False,
        help_text="One per line: name=value (e.g. material=linen).",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    seo_title = forms.CharField(max_length=200, required=False)
    seo_description = forms.CharField(max_length=500, required=False)
    published = forms.BooleanField(required=False, initial=True)
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_attributes(self):
        return _pairs(self.cleaned_data["attributes"].splitlines())


class VariantForm(forms.Form):
    sku = forms.RegexField(regex=r"^[A-Za-z0-9._-]{1,64}$", help_text="Letters, digits, . _ -")
    options = forms.CharField(required=False, help_text="size=L, colour=blue")
    currency = forms.ChoiceField(choices=[(c, c) for c in sorted(CURRENCY_EXPONENTS)], initial="EUR")
    price = forms.DecimalField(min_value=Decimal(0))
    compare_at_price = forms.DecimalField(min_value=Decimal(0), required=False)
    weight_grams = forms.IntegerField(min_value=0, initial=0)
    tax_class = forms.ChoiceField(choices=[(t, t) for t in products.TAX_CLASSES], initial="standard")
    on_hand = forms.IntegerField(min_value=0, initial=0, required=False, help_text="New variants only.")

    def clean_options(self):
        return _pairs(self.cleaned_data["options"].split(","))

    def clean(self):
        cleaned = super().clean()
        for field in ("price", "compare_at_price"):
            if cleaned.get(field) is not None and cleaned.get("currency"):
                try:
                    cleaned[f"{field}_amount"] = Money.from_decimal(
                        cleaned[field], cleaned["currency"]
                    ).amount
                except ValueError as exc:
                    self.add_error(field, str(exc))
        return cleaned

    def variant(self) -> VariantInput:
        data = self.cleaned_data
        return VariantInput(
            sku=data["sku"], price_amount=data["price_amount"], currency=data["currency"], options=data["options"],
            compare_at_amount=data.get("compare_at_price_amount"), weight_grams=data["weight_grams"],
            tax_class=data["tax_class"], on_hand=data.get("on_hand") or 0,
        )  # fmt: skip


VariantFormSet = forms.formset_factory(VariantForm, extra=1, min_num=1, validate_min=True)


class MediaForm(forms.Form):
    image = forms.ImageField(required=False, help_text="JPEG, PNG, WebP or GIF.")
    alt = forms.CharField(
        max_length=300, required=False, help_text="What the image shows, for screen readers."
    )


class CategoryForm(forms.Form):
    slug = forms.SlugField(max_length=64)
    name = forms.CharField(max_length=100)
    parent = forms.SlugField(max_length=64, required=False)
    position = forms.IntegerField(min_value=0, initial=0)


class CollectionForm(forms.Form):
    slug = forms.SlugField(max_length=64)
    name = forms.CharField(max_length=100)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)
    products = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Product slugs, one per line, in the order the storefront shows them.",
    )
    published = forms.BooleanField(required=False, initial=True)
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean_products(self):
        return [line.strip() for line in self.cleaned_data["products"].splitlines() if line.strip()]


class ProductPages:
    def __init__(self, admin):
        self.admin = admin

    def listing(self, request):
        self.admin._require(request, "view")
        rows = Product.objects.order_by("slug")
        if search := request.GET.get("q", "").strip():
            rows = rows.filter(name__icontains=search)
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        return self.admin._render(
            request,
            "admin/catalog/productpage_list.html",
            "Products with variants",
            {"page": page, "search": search},
        )

    def add(self, request):
        self.admin._require(request, "add")
        return self._form(request, None)

    def change(self, request, slug: str):
        self.admin._require(request, "view")
        product = Product.objects(slug=slug).first()
        if product is None:
            raise Http404(f"No product {slug}")
        return self._form(request, product)

    def _form(self, request, product: Product | None):
        can_change = request.user.has_perm("catalog.change_productadminentry")
        variants = list(Variant.objects(product_slug=product.slug).order_by("position")) if product else []
        initial = _initial(product) if product else {"published": True}
        posted = request.method == "POST" and (product is None or can_change)
        form = ProductPageForm(request.POST if posted else None, initial=initial)
        formset = VariantFormSet(
            request.POST if posted else None,
            initial=[_variant_initial(v) for v in variants],
            prefix="variants",
        )
        media_form = MediaForm(request.POST if posted else None, request.FILES if posted else None)
        if product:
            form.fields["slug"].disabled = True
        if posted and form.is_valid() and formset.is_valid() and media_form.is_valid():
            try:
                slug = self._save(request, product, variants, form, formset, media_form)
            except CatalogInvalid as invalid:
                for field, why in invalid.errors.items():
                    form.add_error(None, f"{field}: {why}")
            except services.ConcurrentUpdate:
                form.add_error(
                    None, "Someone else saved this product since you opened it. Reload it and try again."
                )
            except media.ImageRefused as refused:
                media_form.add_error("image", str(refused))
            else:
                messages.success(request, f"Saved {slug}.")
                return redirect(reverse("admin:catalog_productpage_change", args=[slug]))
        context = {
            "form": form, "formset": formset, "media_form": media_form, "product": product,
            "variants": variants, "can_change": can_change or product is None,
            "media": sorted(product.media, key=lambda m: m.position) if product else [],
        }  # fmt: skip
        title = f"Change product {product.slug}" if product else "Add product with variants"
        return self.admin._render(request, "admin/catalog/productpage_form.html", title, context)

    def _save(self, request, product, variants, form, formset, media_form) -> str:
        data = form.cleaned_data
        rows = [f for f in formset.forms if f.has_changed() or f.initial]
        draft = ProductDraft(
            slug=product.slug if product else data["slug"], name=data["name"], category=data["category"],
            variants=tuple(f.variant() for f in rows), description=data["description"], brand=data["brand"],
            attributes=data["attributes"], seo_title=data["seo_title"], seo_description=data["seo_description"],
            published=data["published"],
        )  # fmt: skip
        if product is None:
            products.product_create(draft=draft)
        else:
            products.product_update(
                slug=product.slug, draft=draft, expected_version=data["edit_version"] or 0
            )
            known = {v.sku: v for v in variants}
            for row in rows:
                given = row.variant()
                if given.sku in known:
                    self._save_variant(known[given.sku], given, draft)
                else:
                    products.variant_add(slug=product.slug, variant=given)
        if media_form.cleaned_data.get("image"):
            media.media_add(
                slug=draft.slug, upload=media_form.cleaned_data["image"], alt=media_form.cleaned_data["alt"]
            )
        for item in request.POST.getlist("media_path"):
            position = request.POST.get(f"media_position_{item}")
            alt = request.POST.get(f"media_alt_{item}")
            if position is not None and position.isdigit():
                media.media_arrange(slug=draft.slug, path=item, position=int(position), alt=alt or "")
        return draft.slug

    @staticmethod
    def _save_variant(current: Variant, given: VariantInput, draft: ProductDraft) -> None:
        if (current.price_amount, current.compare_at_amount, current.currency, current.weight_grams, current.tax_class, dict(current.options)) == (
            given.price_amount, given.compare_at_amount, given.currency, given.weight_grams, given.tax_class, given.options,
        ):  # fmt: skip
            return
        services.variant_save(sku=current.sku, variant=given, expected_version=current.edit_version)

    def category_tree(self, request):
        self.admin._require(request, "view")
        can_change = request.user.has_perm("catalog.change_productadminentry")
        form = CategoryForm(request.POST if request.method == "POST" and can_change else None)
        if form.is_bound and form.is_valid():
            try:
                categories.category_save(
                    **{**form.cleaned_data, "parent": form.cleaned_data["parent"] or None}
                )
            except CatalogInvalid as invalid:
                for field, why in invalid.errors.items():
                    form.add_error(field if field in form.fields else None, why)
            else:
                messages.success(request, f"Saved category {form.cleaned_data['slug']}.")
                return redirect(reverse("admin:catalog_category_tree"))
        rows = sorted(Category.objects, key=lambda c: [*c.path])
        context = {"form": form, "rows": rows, "can_change": can_change}
        return self.admin._render(request, "admin/catalog/category_tree.html", "Categories", context)

    def collection_list(self, request):
        self.admin._require(request, "view")
        rows = Collection.objects.order_by("slug")
        context = {"rows": rows, "can_change": request.user.has_perm("catalog.change_productadminentry")}
        return self.admin._render(request, "admin/catalog/collection_list.html", "Collections", context)

    def collection_add(self, request):
        self.admin._require(request, "change")
        return self._collection_form(request, None)

    def collection_change(self, request, slug: str):
        self.admin._require(request, "change" if request.method == "POST" else "view")
        collection = Collection.objects(slug=slug).first()
        if collection is None:
            raise Http404(f"No collection {slug}")
        return self._collection_form(request, collection)

    def _collection_form(self, request, collection: Collection | None):
        initial = (
            {"slug": collection.slug, "name": collection.name, "description": collection.description,
             "products": "\n".join(collection.products), "published": collection.published,
             "edit_version": collection.edit_version}
            if collection else {"published": True}
        )  # fmt: skip
        form = CollectionForm(request.POST if request.method == "POST" else None, initial=initial)
        if collection:
            form.fields["slug"].disabled = True
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                curation.collection_save(
                    slug=collection.slug if collection else data["slug"], name=data["name"],
                    products=data["products"], description=data["description"], published=data["published"],
                    expected_version=(data["edit_version"] or 0) if collection else None,
                )  # fmt: skip
            except CatalogInvalid as invalid:
                for field, why in invalid.errors.items():
                    form.add_error(field if field in form.fields else "products", why)
            except services.ConcurrentUpdate:
                form.add_error(
                    None, "Someone else saved this collection since you opened it. Reload it and try again."
                )
            else:
                slug = collection.slug if collection else data["slug"]
                messages.success(request, f"Saved collection {slug}.")
                return redirect(reverse("admin:catalog_collection_change", args=[slug]))
        can_change = request.user.has_perm("catalog.change_productadminentry")
        title = f"Change collection {collection.slug}" if collection else "Add collection"
        context = {"form": form, "collection": collection, "can_change": can_change}
        return self.admin._render(request, "admin/catalog/collection_form.html", title, context)


def _pairs(parts) -> dict[str, str]:
    """`name=value` parts (blank ones skipped) as a dict; anything else is a form error."""
    pairs = {}
    for part in (p.strip() for p in parts):
        if part:
            name, sep, value = part.partition("=")
            if not sep or not name.strip() or not value.strip():
                raise forms.ValidationError(f"Write each as name=value, not {part!r}.")
            pairs[name.strip()] = value.strip()
    return pairs


def _initial(product: Product) -> dict:
    return {
        "slug": product.slug, "name": product.name, "brand": product.brand, "category": product.category,
        "description": product.description, "attributes": "\n".join(f"{k}={v}" for k, v in product.attributes.items()),
        "seo_title": product.seo_title, "seo_description": product.seo_description, "published": product.published,
        "edit_version": product.edit_version,
    }  # fmt: skip


def _variant_initial(variant: Variant) -> dict:
    def major(amount):
        return None if amount is None else Money(amount, variant.currency).to_decimal()

    return {
        "sku": variant.sku, "options": ", ".join(f"{k}={v}" for k, v in variant.options.items()),
        "currency": variant.currency, "price": major(variant.price_amount),
        "compare_at_price": major(variant.compare_at_amount), "weight_grams": variant.weight_grams,
        "tax_class": variant.tax_class, "on_hand": variant.on_hand,
    }  # fmt: skip
