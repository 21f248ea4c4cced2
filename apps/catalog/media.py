"""Product images in Django's storage (`STORAGES["default"]`: var/media locally, any
django-storages backend by setting). Checked with Pillow before anything is stored."""

import uuid

from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image, UnidentifiedImageError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


class ImageRefused(ValueError):
    """Not an image we accept, or too large; nothing was stored."""


def image_store(*, slug: str, upload) -> tuple[str, int, int]:
    """Store an uploaded image for product `slug`: (storage path, width, height)."""
    limit = settings.CATALOG_IMAGE_MAX_BYTES
    if upload.size > limit:
        raise ImageRefused(f"The image is {upload.size} bytes; at most {limit} are accepted.")
    try:
        with Image.open(upload) as image:
            image.verify()  # a truncated or forged file fails here
            kind, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ImageRefused("The file is not an image (JPEG, PNG, WebP or GIF).") from exc
    if kind not in FORMATS:
        raise ImageRefused("The file is not an image (JPEG, PNG, WebP or GIF).")
    upload.seek(0)
    path = default_storage.save(f"catalog/{slug}/{uuid.uuid4().hex}.{FORMATS[kind]}", upload)
    return path, width, height


def media_url(path: str) -> str:
    return default_storage.url(path)


def media_add(*, slug: str, upload, alt: str = "") -> dict:
    """Store the image and append it to the product's media (last position)."""
    from apps.catalog import cache
    from apps.catalog.documents import MediaItem, Product

    product = Product.objects(slug=slug).only("media").first()
    if product is None:
        raise ImageRefused(f"No product {slug!r}.")
    path, width, height = image_store(slug=slug, upload=upload)
    item = MediaItem(path=path, alt=alt[:300], position=len(product.media), width=width, height=height)
    Product.objects(slug=slug).update_one(push__media=item, inc__edit_version=1)
    cache.invalidate([], products=[slug])
    return {"path": path, "width": width, "height": height}


def media_arrange(*, slug: str, path: str, position: int, alt: str) -> None:
    """Move an image to `position` (others keep their order around it) and set its alt text;
    compare-and-swap on the product's edit_version, so two editors cannot interleave."""
    from apps.catalog import cache
    from apps.catalog.documents import Product

    product = Product.objects(slug=slug).only("media", "edit_version").first()
    if product is None or path not in [m.path for m in product.media]:
        raise ImageRefused(f"No image {path!r} on {slug!r}.")
    items = sorted(product.media, key=lambda m: m.position)
    moved = next(m for m in items if m.path == path)
    if (moved.position, moved.alt) == (position, alt[:300]):
        return
    items.remove(moved)
    items.insert(min(position, len(items)), moved)
    moved.alt = alt[:300]
    for n, item in enumerate(items):
        item.position = n
    updated = Product.objects(slug=slug, edit_version=product.edit_version).update_one(
        set__media=items, inc__edit_version=1
    )
    if updated != 1:
        from apps.catalog.services import ConcurrentUpdate

        raise ConcurrentUpdate(f"{slug} was changed by someone else")
    cache.invalidate([], products=[slug])
