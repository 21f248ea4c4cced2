from django.core.management.base import BaseCommand

from apps.catalog import cache, listing
from apps.catalog.documents import Category, Collection, Product, Reservation, StockAdjustment, Variant


class Command(BaseCommand):
    help = (
        "Create the catalog's MongoDB indexes and derive listing fields products stored before them "
        "(run at deploy time; requests never create them)."
    )

    def handle(self, *args, **options):
        for document in (Category, Collection, Product, Variant, Reservation, StockAdjustment):
            document.ensure_indexes()
            if options["verbosity"]:
                names = sorted(document._get_collection().index_information())
                self.stdout.write(f"{document._get_collection_name()}: {', '.join(names)}")
        # `prices` (the price filter) came after price_min: derive it once for older products.
        older = Product.objects(prices__exists=False).distinct("slug")
        for slug in older:
            listing.refresh(slug)
        if older:
            cache.invalidate([])  # listings computed without them
