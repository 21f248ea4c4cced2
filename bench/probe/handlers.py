import time

from apps.events.public import subscribe
from bench.probe.models import Receipt


@subscribe("benchprobe.Pinged.v1")
def receipt(envelope: dict) -> None:
    Receipt.objects.create(event_id=envelope["id"], handled_at=time.time())
