"""Staff screens for the MongoDB catalog inside the Django admin (same site, login, permissions)."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from mongoengine import NotUniqueError
from mongoengine.queryset.visitor import Q

from apps.catalog import admin_pages, services
from apps.catalog.documents import StockAdjustment, Variant
from apps.catalog.models import ProductAdminEntry
from apps.common.money import CURRENCY_EXPONENTS, Money

PAGE_SIZE = 50


class ProductForm(forms.Form):
    sku = forms.RegexField(regex=r"^[A-Za-z0-9._-]{1,64}$", help_text="Letters, digits, . _ - (max 64).")
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea, required=False)
    category = forms.SlugField(max_length=64)
    currency = forms.ChoiceField(choices=[(c, c) for c in sorted(CURRENCY_EXPONENTS)], initial="EUR")
    price = forms.DecimalField(min_value=Decimal(0), help_text="In major units, e.g. 49.90.")
    compare_at_price = forms.DecimalField(
        min_value=Decimal(0), required=False, help_text="The 'was' price, if any."
    )
    active = forms.BooleanField(required=False, initial=True)
    # The edit_version the editor opened: saving over someone else's newer edit is refused.
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("currency")
        for field in ("price", "compare_at_price"):
            value = cleaned.get(field)
            if value is not None and currency:
                try:
                    cleaned[f"{field}_amount"] = Money.from_decimal(value, currency).amount
                except ValueError as exc:
                    self.add_error(field, str(exc))
        return cleaned


class StockAdjustmentForm(forms.Form):
    delta = forms.IntegerField(help_text="Units to add (positive) or remove (negative).")
    reason = forms.CharField(max_length=500, help_text="Recorded in the audit trail.")

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("Enter a non-zero number of units.")
        return self.cleaned_data["delta"]


@admin.register(ProductAdminEntry)
class ProductAdmin(admin.ModelAdmin):
    """Every view is served here from MongoDB; the model only anchors URLs and permissions."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.product_list), name="catalog_productadminentry_changelist"),
            path("add/", view(self.product_add), name="catalog_productadminentry_add"),
            path("<str:sku>/change/", view(self.product_change), name="catalog_productadminentry_change"),
            path("<str:sku>/stock/", view(self.stock_adjust), name="catalog_productadminentry_stock"),
            *admin_pages.urls(self),
        ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # products are deactivated, never deleted: orders refer to their SKUs

    def product_list(self, request: HttpRequest):
        self._require(request, "view")
        products = Variant.objects.order_by("sku")
        search, category, active, stock = (
            request.GET.get("q", "").strip(),
            request.GET.get("category", ""),
            request.GET.get("active", ""),
            request.GET.get("stock", ""),
        )
        if search:
            products = products.filter(Q(sku__icontains=search) | Q(name__icontains=search))
        if category:
            products = products.filter(category=category)
        if active in ("yes", "no"):
            products = products.filter(active=active == "yes")
        if stock == "low":
            products = products.filter(available__lte=settings.CATALOG_STOCK_LOW_THRESHOLD)
        page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "page": page,
            "search": search,
            "category": category,
            "active": active,
            "stock": stock,
            "low_threshold": settings.CATALOG_STOCK_LOW_THRESHOLD,
            "categories": sorted(Variant.objects.distinct("category")),
            "can_add": self.has_add_permission(request),
        }
        return self._render(request, "admin/catalog/product_list.html", "Products", context)

    def product_add(self, request: HttpRequest):
        self._require(request, "add")
        form = ProductForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                product = services.product_save(**self._fields(form), create=True)
            except NotUniqueError:
                form.add_error("sku", "A product with this SKU already exists.")
            else:
                messages.success(request, f"Created {product.sku}. Add stock with an adjustment.")
                return redirect(reverse("admin:catalog_productadminentry_change", args=[product.sku]))
        return self._render(request, "admin/catalog/product_form.html", "Add product", {"form": form})

    def product_change(self, request: HttpRequest, sku: str):
        self._require(request, "change" if request.method == "POST" else "view")
        product = self._product(sku)
        initial = {
            "sku": product.sku, "name": product.name, "description": product.description, "category": product.category,
            "currency": product.currency, "price": Money(product.price_amount, product.currency).to_decimal(),
            "compare_at_price": (
                Money(product.compare_at_amount, product.currency).to_decimal() if product.compare_at_amount is not None else None
            ),
            "active": product.active, "edit_version": product.edit_version,
        }  # fmt: skip
        form = ProductForm(request.POST or None, initial=initial)
        form.fields["sku"].disabled = True
        if request.method == "POST" and form.is_valid():
            try:
                services.product_save(
                    **self._fields(form), create=False, expected_version=form.cleaned_data["edit_version"]
                )
            except services.ConcurrentUpdate:
                form.add_error(
                    None,
                    "Someone else saved this product since you opened it. Reload it and make your change again.",
                )
            else:
                messages.success(request, f"Saved {sku}.")
                return redirect(reverse("admin:catalog_productadminentry_change", args=[sku]))
        context = {
            "form": form,
            "product": product,
            "adjustments": StockAdjustment.objects(sku=sku)[:20],
            "can_adjust": request.user.has_perm("catalog.adjust_stock"),
        }
        return self._render(request, "admin/catalog/product_form.html", f"Change product {sku}", context)

    def stock_adjust(self, request: HttpRequest, sku: str):
        self._require(request, "adjust_stock")
        product = self._product(sku)
        form = StockAdjustmentForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.stock_adjust(
                    sku=sku,
                    delta=form.cleaned_data["delta"],
                    reason=form.cleaned_data["reason"],
                    actor_id=request.user.pk,
                    actor_email=request.user.email,
                )
            except services.StockAdjustmentRefused:
                form.add_error(
                    "delta",
                    f"Only {product.available} units are available to remove (the rest are reserved).",
                )
            else:
                messages.success(request, f"Stock of {sku} adjusted by {form.cleaned_data['delta']:+d}.")
                return redirect(reverse("admin:catalog_productadminentry_change", args=[sku]))
        return self._render(
            request,
            "admin/catalog/stock_form.html",
            f"Adjust stock of {sku}",
            {"form": form, "product": product},
        )

    def _require(self, request: HttpRequest, action: str) -> None:
        if not request.user.has_perm(
            f"catalog.{action}_productadminentry" if action != "adjust_stock" else "catalog.adjust_stock"
        ):
            raise PermissionDenied

    def _product(self, sku: str) -> Variant:
        product = Variant.objects(sku=sku).first()
        if product is None:
            raise Http404(f"No product {sku}")
        return product

    def _fields(self, form: ProductForm) -> dict:
        data = form.cleaned_data
        return {
            "sku": data["sku"], "name": data["name"], "description": data["description"], "category": data["category"],
            "price_amount": data["price_amount"], "compare_at_amount": data.get("compare_at_price_amount"),
            "currency": data["currency"], "active": data["active"],
        }  # fmt: skip

    def _render(self, request: HttpRequest, template: str, title: str, context: dict):
        base = {**self.admin_site.each_context(request), "opts": self.opts, "title": title}
        return TemplateResponse(request, template, {**base, **context})
