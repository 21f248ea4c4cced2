from django.db import models


class Receipt(models.Model):
    """Written by the bench handler: when (wall clock) it handled which event."""

    event_id = models.UUIDField()
    handled_at = models.FloatField()

    def __str__(self) -> str:
        return str(self.event_id)
