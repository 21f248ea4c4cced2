from django.urls import path

from apps.catalog.api.views import (
    CatalogListingView,
    CatalogProductView,
    CategoryTreeView,
    CollectionListView,
    CollectionProductsView,
    ProductDetailView,
    ProductListView,
)

# The two cached hot reads first (URLs resolve top-down, more than once per request).
urlpatterns = [
    path("products/<str:sku>", ProductDetailView.as_view(), name="product-detail"),
    path("catalog/products", CatalogListingView.as_view(), name="catalog-product-list"),
    path("catalog/collections", CollectionListView.as_view(), name="catalog-collection-list"),
    path(
        "catalog/collections/<slug:slug>/products",
        CollectionProductsView.as_view(),
        name="catalog-collection-products",
    ),
    path("catalog/categories", CategoryTreeView.as_view(), name="catalog-category-tree"),
    path("catalog/products/<slug:slug>", CatalogProductView.as_view(), name="catalog-product-detail"),
    path("products", ProductListView.as_view(), name="product-list"),
]
