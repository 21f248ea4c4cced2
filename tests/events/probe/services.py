from uuid import uuid4

from django.db import transaction

from tests.events.probe import signals


@transaction.atomic
def thing_do(*, signal=signals.thing_happened, version: int = 1, **data) -> str:
    """Send one probe event inside a transaction; returns the subject."""
    subject = str(uuid4())
    signal.send(sender=None, subject=subject, aggregate_version=version, data=data)
    return subject
