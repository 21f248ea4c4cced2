from django.core.management.base import BaseCommand

from apps.catalog.documents import Category, Collection, Product, Reservation, StockAdjustment, Variant


class Command(BaseCommand):
    help = "Create the catalog's MongoDB indexes (run at deploy time; requests never create them)."

    def handle(self, *args, **options):
        for document in (Category, Collection, Product, Variant, Reservation, StockAdjustment):
            document.ensure_indexes()
            if options["verbosity"]:
                names = sorted(document._get_collection().index_information())
                self.stdout.write(f"{document._get_collection_name()}: {', '.join(names)}")
