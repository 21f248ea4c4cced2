"""The category tree: slug, parent, position. Moving a category re-derives the paths below it
and the products' `category_path`; a move under its own subtree (a cycle) is refused."""

from apps.catalog import cache
from apps.catalog.contracts import CatalogInvalid
from apps.catalog.documents import Category, Product
from apps.catalog.products import SLUG


def category_save(*, slug: str, name: str, parent: str | None = None, position: int = 0) -> Category:
    errors = {}
    if not SLUG.match(slug or ""):
        errors["slug"] = "Lower-case letters, digits and single hyphens."
    if not (name or "").strip():
        errors["name"] = "A category needs a name."
    if type(position) is not int or position < 0:
        errors["position"] = "A whole number, 0 or more."
    parent_path: list[str] = []
    if parent:
        above = Category.objects(slug=parent).first()
        if above is None:
            errors["parent"] = f"No category {parent!r}."
        elif slug in above.path:
            errors["parent"] = f"{parent!r} is inside {slug!r}: a category cannot be its own ancestor."
        else:
            parent_path = list(above.path)
    if errors:
        raise CatalogInvalid(errors)
    path = [*parent_path, slug]
    Category.objects(slug=slug).update_one(
        upsert=True, set__name=name, set__parent=parent or None, set__position=position, set__path=path
    )
    _repath_below(slug, path)
    cache.invalidate([])
    return Category.objects.get(slug=slug)


def path_of(slug: str) -> list[str]:
    """The category's path from the root; a category not in the tree stands alone."""
    category = Category.objects(slug=slug).only("path").first()
    return list(category.path) if category else [slug]


def tree() -> list[dict]:
    """Every category as nested dicts, children by position then slug. Cached with the lists."""

    def load():
        nodes = {
            c.slug: {"slug": c.slug, "name": c.name, "position": c.position, "children": []}
            for c in Category.objects
        }
        roots = []
        for c in Category.objects.only("slug", "parent"):
            (nodes[c.parent]["children"] if c.parent in nodes else roots).append(nodes[c.slug])
        for node in [*nodes.values(), {"children": roots}]:
            node["children"].sort(key=lambda n: (n["position"], n["slug"]))
        return roots

    return cache.get_or_compute(cache.list_key("category-tree", shows_stock=False), load, ttl=cache.LIST_TTL)


def _repath_below(slug: str, path: list[str]) -> None:
    Product.objects(category=slug).update(set__category_path=path)
    for child in Category.objects(parent=slug):
        child_path = [*path, child.slug]
        Category.objects(slug=child.slug).update_one(set__path=child_path)
        _repath_below(child.slug, child_path)
