import base64
import binascii
import json
import re

from rest_framework import serializers

from apps.catalog.listing import COLLECTION_SORTS, SORTS, ListingQuery, decode_cursor
from apps.catalog.selectors import ProductFilters, categories
from apps.common.serializers import MoneySerializer


def _known_category(value: str) -> str:
    """Both listings: a category of the tree or of an active SKU; any other is a 400."""
    if value not in categories():
        raise serializers.ValidationError(f"Unknown category {value!r}.", code="unknown_category")
    return value


class ProductSerializer(serializers.Serializer):
    """One sellable SKU (a variant of the product named by `product`)."""

    sku = serializers.CharField()
    product = serializers.CharField(
        allow_null=True, help_text="The product's slug; null for a standalone SKU."
    )
    options = serializers.DictField(child=serializers.CharField(), help_text='{"size": "L"}')
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    attributes = serializers.DictField()
    images = serializers.ListField(child=serializers.URLField())
    price = MoneySerializer()
    compare_at_price = MoneySerializer(allow_null=True)
    weight_grams = serializers.IntegerField(help_text="Shipping weight of one unit.")
    tax_class = serializers.CharField(help_text='Tax class for checkout ("standard", "reduced", ...).')
    available = serializers.IntegerField(help_text="Units that can be ordered now.")
    in_stock = serializers.BooleanField()
    version = serializers.IntegerField(help_text="Changes with every update; also the ETag.")
    updated_at = serializers.DateTimeField()


class VariantSerializer(serializers.Serializer):
    sku = serializers.CharField()
    options = serializers.DictField(child=serializers.CharField())
    price = MoneySerializer()
    compare_at_price = MoneySerializer(allow_null=True)
    weight_grams = serializers.IntegerField()
    available = serializers.IntegerField()
    in_stock = serializers.BooleanField()


class MediaSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Absolute URL of the image.")
    alt = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class SeoSerializer(serializers.Serializer):
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class CatalogProductSerializer(serializers.Serializer):
    """A product page: the product's content and its published variants."""

    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    brand = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    attributes = serializers.DictField(child=serializers.CharField())
    option_names = serializers.ListField(child=serializers.CharField())
    media = MediaSerializer(many=True)
    seo = SeoSerializer()
    variants = VariantSerializer(many=True)


class ProductPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last one.")
    results = ProductSerializer(many=True)


def encode_cursor(last_sku: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"after": last_sku}).encode()).decode()


class ProductQuerySerializer(serializers.Serializer):
    category = serializers.CharField(required=False, max_length=64)
    min_price = serializers.IntegerField(required=False, min_value=0, help_text="Minor units.")
    max_price = serializers.IntegerField(required=False, min_value=0, help_text="Minor units.")
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, max_length=100, help_text="Text in the name or description.")
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def validate_category(self, value: str) -> str:
        return _known_category(value)

    def validate_cursor(self, value: str) -> str:
        try:
            after = json.loads(base64.urlsafe_b64decode(value.encode()))["after"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise serializers.ValidationError(
                "Not a cursor this API gave out.", code="invalid_cursor"
            ) from None
        if not isinstance(after, str):
            raise serializers.ValidationError("Not a cursor this API gave out.", code="invalid_cursor")
        return after

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": "Must not be below min_price."})
        return attrs

    def filters(self) -> ProductFilters:
        data = self.validated_data
        return ProductFilters(
            category=data.get("category"),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"),
            in_stock=data.get("in_stock"),
            search=data.get("q"),
        )


ATTRIBUTE_PARAM = re.compile(r"^attr\.([a-z0-9_]{1,40})$")


class CatalogListingQuerySerializer(serializers.Serializer):
    """Every parameter is a plain string from the query string; values never reach the store as
    operators (an attribute filter is a literal match), and unknown parameters are refused."""

    category = serializers.SlugField(
        required=False, max_length=64,
        help_text="A category of the tree (or of a SKU), with everything below it; unknown: 400.",
    )  # fmt: skip
    brand = serializers.CharField(
        required=False, max_length=1000, help_text="Brands, comma-separated (any of them)."
    )
    min_price = serializers.IntegerField(
        required=False, min_value=0, help_text="Minor units; any active variant's price counts."
    )
    max_price = serializers.IntegerField(
        required=False, min_value=0, help_text="Minor units; any active variant's price counts."
    )
    in_stock = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(
        required=False, max_length=100, help_text="Words (or their beginnings) to find."
    )
    sort = serializers.ChoiceField(
        choices=SORTS, required=False, help_text="Default: relevance with q, newest without."
    )
    cursor = serializers.CharField(required=False, max_length=500)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)

    def __init__(self, *args, params=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._params = params

    def validate_category(self, value: str) -> str:
        return _known_category(value)

    def validate_brand(self, value: str) -> tuple[str, ...]:
        given = self._params.getlist("brand") if self._params is not None else [value]  # brand=a&brand=b too
        brands = tuple(sorted({b.strip() for v in given for b in v.split(",") if b.strip()}))
        if not brands or any(len(b) > 100 for b in brands):
            raise serializers.ValidationError(
                "One or more brands, comma-separated, up to 100 characters each."
            )
        return brands

    def validate(self, attrs):
        errors, attributes = {}, []
        for name in self._params:
            match = ATTRIBUTE_PARAM.match(name)
            if match:
                values = tuple(v for v in self._params.getlist(name) for v in v.split(",") if v)
                if not values or any(len(v) > 100 for v in values):
                    errors[name] = "One or more values, comma-separated, up to 100 characters each."
                attributes.append((match.group(1), values))
            elif name not in self.fields:
                errors[name] = f"Unknown parameter {name!r}; attribute filters are attr.<name>=<value>."
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            errors["max_price"] = "Must not be below min_price."
        attrs["sort"] = attrs.get("sort") or self.default_sort(attrs)
        if "cursor" in attrs:
            try:
                attrs["cursor"] = decode_cursor(attrs["cursor"], sort=attrs["sort"])
            except ValueError as exc:
                errors["cursor"] = str(exc)
        if errors:
            raise serializers.ValidationError(errors)
        attrs["attributes"] = tuple(sorted(attributes))
        return attrs

    @staticmethod
    def default_sort(attrs) -> str:
        return "relevance" if attrs.get("q") else "newest"

    def query(self, *, collection: tuple[str, ...] | None = None) -> ListingQuery:
        data = self.validated_data
        return ListingQuery(
            category=data.get("category"), attributes=data["attributes"], brands=data.get("brand", ()),
            min_price=data.get("min_price"),
            max_price=data.get("max_price"), in_stock=data.get("in_stock"), q=data.get("q"), sort=data["sort"],
            after=data.get("cursor"), limit=data["limit"], collection=collection,
        )  # fmt: skip


class CollectionListingQuerySerializer(CatalogListingQuerySerializer):
    """The catalog listing's parameters, plus `position` (the merchant's order, the default)."""

    sort = serializers.ChoiceField(
        choices=COLLECTION_SORTS, required=False,
        help_text="Default: position (the collection's order); relevance with q.",
    )  # fmt: skip

    @staticmethod
    def default_sort(attrs) -> str:
        return "relevance" if attrs.get("q") else "position"


class ProductCardSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    brand = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    attributes = serializers.DictField(child=serializers.CharField())
    media = MediaSerializer(many=True)
    price_from = MoneySerializer(
        help_text="The cheapest active variant's price; with a price filter, the cheapest in the range."
    )
    in_stock = serializers.BooleanField()


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class CategoryCountSerializer(CountSerializer):
    slug = serializers.CharField()


class ValueCountSerializer(CountSerializer):
    value = serializers.CharField()


class PriceBandSerializer(CountSerializer):
    min = serializers.IntegerField(help_text="Minor units, inclusive.")
    max = serializers.IntegerField(
        allow_null=True, help_text="Minor units, exclusive; null = no upper bound."
    )


class FacetsSerializer(serializers.Serializer):
    """Each facet counts with every filter but its own (attributes, brands and price bands are
    disjunctive: the values one could add); categories count within the whole filter."""

    categories = CategoryCountSerializer(many=True)
    brands = ValueCountSerializer(many=True)
    attributes = serializers.DictField(child=ValueCountSerializer(many=True))
    price_bands = PriceBandSerializer(
        many=True, help_text="Products with an active variant priced in the band (one can be in two)."
    )


class CatalogListingSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    total = serializers.IntegerField(help_text="Products matching the filter.")
    facets = FacetsSerializer(help_text="Counts for the current filter, each facet without its own.")
    results = ProductCardSerializer(many=True)


class CollectionSummarySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class CollectionSerializer(CollectionSummarySerializer):
    product_count = serializers.IntegerField(help_text="Products picked (unpublished ones are not listed).")


class CollectionListingSerializer(CatalogListingSerializer):
    collection = CollectionSummarySerializer()


class CategoryNodeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    children = serializers.ListField(child=serializers.DictField(), help_text="Nodes of the same shape.")
