import hashlib
import json

from django.http import HttpResponse
from django.utils.http import urlencode
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog import cache
from apps.catalog.api.serializers import (
    CatalogListingQuerySerializer,
    CatalogListingSerializer,
    CatalogProductSerializer,
    CategoryNodeSerializer,
    CollectionListingQuerySerializer,
    CollectionListingSerializer,
    CollectionSerializer,
    ProductPageSerializer,
    ProductQuerySerializer,
    ProductSerializer,
    encode_cursor,
)
from apps.catalog.categories import tree
from apps.catalog.curation import collection_entry, collections_published
from apps.catalog.listing import product_listing
from apps.catalog.media import media_url
from apps.catalog.selectors import (
    cached_product_detail_json,
    product_detail_json,
    product_page,
    product_page_payload,
)
from apps.common.openapi import problem_responses


class ProductListView(APIView):
    """Active products in SKU order, filtered; cursor-paginated."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="products_list",
        parameters=[ProductQuerySerializer],
        responses={200: ProductPageSerializer, **problem_responses(400)},
        tags=["catalog"],
    )
    def get(self, request):
        query = ProductQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = product_page(
            filters=query.filters(),
            after_sku=query.validated_data.get("cursor"),
            limit=query.validated_data["limit"],
        )
        next_url = None
        if page["last_sku"] is not None:
            params = {k: v for k, v in request.query_params.items() if k != "cursor"}
            next_url = request.build_absolute_uri(
                f"{request.path}?{urlencode({**params, 'cursor': encode_cursor(page['last_sku'])})}"
            )
        return Response(ProductPageSerializer({"next": next_url, "results": page["results"]}).data)


ATTRIBUTE_FILTER = OpenApiParameter(
    "attr.<name>", str, OpenApiParameter.QUERY, required=False,
    description="Attribute filter, e.g. attr.colour=blue,red (any of the values).",
)  # fmt: skip


def _body_fingerprint(request) -> str:
    # Scheme and host too: the body holds absolute media URLs (and the next page's).
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    return hashlib.sha256(url.encode()).hexdigest()[:32]


class CachedListingMixin:
    """A finished listing body in the cache answers before DRF's request wrapping, negotiation
    and permission checks (these views are public: AllowAny, no authentication) with one Redis
    round trip. The body is valid only under the generations it was stored with, which every
    content write, stock change and collection save bumps: the same invalidation as a miss."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "GET":
            body = cache.body_get(_body_fingerprint(request))
            if body is not None:
                return HttpResponse(body, content_type="application/json")
        return super().dispatch(request, *args, **kwargs)


class CatalogListingView(CachedListingMixin, APIView):
    """Published products: filter, sort, search, facets for the current filter; cursor pages."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="catalog_products_list",
        parameters=[
            CatalogListingQuerySerializer,
            ATTRIBUTE_FILTER,
        ],
        responses={200: CatalogListingSerializer, **problem_responses(400)},
        tags=["catalog"],
    )  # fmt: skip
    def get(self, request):
        return _listing_response(request, CatalogListingQuerySerializer)


def _listing_response(request, serializer, *, collection: dict | None = None) -> HttpResponse:
    """Compute the listing body for this URL and cache it under the generations read first
    (a write while it is computed leaves it stored already stale, never served)."""
    generations = cache.generations()
    params = request.query_params
    query = serializer(data=params, params=params)
    query.is_valid(raise_exception=True)
    listing = product_listing(query.query(collection=tuple(collection["products"]) if collection else None))
    next_url = None
    if listing["next"]:
        kept = [(k, v) for k, v in params.lists() if k != "cursor"]
        pairs = [(k, v) for k, values in kept for v in values] + [("cursor", listing["next"])]
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(pairs)}")
    results = [
        {**card, "media": [_absolute(request, m) for m in card["media"]]} for card in listing["results"]
    ]
    page = {"next": next_url, "total": listing["total"], "facets": listing["facets"], "results": results}
    if collection is not None:
        page["collection"] = {k: collection[k] for k in ("slug", "name", "description")}
    body = json.dumps(page, separators=(",", ":"))
    cache.body_set(_body_fingerprint(request), body, generations=generations)
    return HttpResponse(body, content_type="application/json")


class CollectionListView(APIView):
    """Published collections (hand-picked product lists), by slug."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="catalog_collections_list",
        responses={200: CollectionSerializer(many=True)},
        tags=["catalog"],
    )
    def get(self, request):
        return Response(collections_published())


class CollectionProductsView(CachedListingMixin, APIView):
    """A published collection's published products: the catalog listing's filters, sorts,
    facets and cursor pages, in the collection's own order by default (`sort=position`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="catalog_collection_products_list",
        parameters=[
            CollectionListingQuerySerializer,
            ATTRIBUTE_FILTER,
        ],
        responses={200: CollectionListingSerializer, **problem_responses(400, 404)},
        tags=["catalog"],
    )  # fmt: skip
    def get(self, request, slug: str):
        collection = collection_entry(slug=slug)
        if collection is None:
            raise exceptions.NotFound(f"No collection {slug!r}.")
        return _listing_response(request, CollectionListingQuerySerializer, collection=collection)


class CategoryTreeView(APIView):
    """The category tree, children by position."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="catalog_categories_list",
        responses={200: CategoryNodeSerializer(many=True)},
        tags=["catalog"],
    )
    def get(self, request):
        return Response(tree())


def _absolute(request, item: dict) -> dict:
    return {
        **{k: v for k, v in item.items() if k != "path"},
        "url": request.build_absolute_uri(media_url(item["path"])),
    }


class CatalogProductView(APIView):
    """A published product with its variants; media as absolute URLs."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="catalog_products_retrieve",
        responses={200: CatalogProductSerializer, **problem_responses(404)},
        tags=["catalog"],
    )
    def get(self, request, slug: str):
        page = product_page_payload(slug=slug)
        if page is None:
            raise exceptions.NotFound(f"No product {slug!r}.")
        page["media"] = [_absolute(request, m) for m in page["media"]]
        return Response(page)


class ProductDetailView(APIView):
    """One active product with its price and availability. Supports If-None-Match."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # public and identical for everyone: no session or token work

    def dispatch(self, request, *args, **kwargs):
        # A cached entry answers before DRF's request wrapping, negotiation and permission
        # checks (public view: nothing to check), from the same entry get() reads. A miss, an
        # unknown SKU (its problem+json) and other methods take DRF's way.
        if request.method == "GET":
            entry = cached_product_detail_json(sku=kwargs["sku"])
            if entry is not None:
                return _detail_answer(request, kwargs["sku"], entry)
        return super().dispatch(request, *args, **kwargs)

    @extend_schema(
        operation_id="products_retrieve",
        parameters=[OpenApiParameter("If-None-Match", str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: ProductSerializer,
            304: OpenApiResponse(description="Not modified since the ETag given in If-None-Match."),
            **problem_responses(404),
        },
        tags=["catalog"],
    )
    def get(self, request, sku: str):
        entry = product_detail_json(sku=sku)
        if entry is None:
            raise exceptions.NotFound(f"No product with SKU {sku!r}.")
        return _detail_answer(request, sku, entry)


def _detail_answer(request, sku: str, entry: tuple[int, str]) -> HttpResponse:
    version, body = entry
    etag = f'"{sku}:{version}"'
    # META, not request.headers: that builds a dict of every header on each request.
    if etag in [tag.strip() for tag in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")]:
        return HttpResponse(status=304, headers={"ETag": etag})
    # The cached body is already the documented JSON: no serializer on the hot path.
    return HttpResponse(body, content_type="application/json", headers={"ETag": etag})
