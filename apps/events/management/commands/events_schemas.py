"""Write contracts/events/<type>.json from the modules' event_data.py (`make schema` runs it).

`--publish` also copies each type's schema into contracts/events/published/ if it is not there
yet. Published schemas are what consumers rely on: tests/contracts checks every change against
them, and a published file is never overwritten by this command.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.events.schema_generation import event_data_contracts, event_schema


class Command(BaseCommand):
    help = "Regenerate the JSON Schemas of every event type in contracts/events/."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=str(settings.EVENTS_SCHEMA_DIR))
        parser.add_argument("--publish", action="store_true", help="Publish types not published yet.")

    def handle(self, *args, directory: str, publish: bool, **options):
        target = Path(directory)
        for event_type, data_class in event_data_contracts().items():
            text = json.dumps(event_schema(event_type, data_class), indent=2) + "\n"
            (target / f"{event_type}.json").write_text(text)
            published = target / "published" / f"{event_type}.json"
            if publish and not published.exists():
                published.parent.mkdir(exist_ok=True)
                published.write_text(text)
                self.stdout.write(f"{event_type}.json (published)")
            else:
                self.stdout.write(f"{event_type}.json")
