from django.db import models


class Effect(models.Model):
    """One row per handler run that committed. Deliberately not unique: duplicates must show."""

    event_id = models.UUIDField()
    handler = models.CharField(max_length=50)


class ThingReport(models.Model):
    """An order-tolerant projection."""

    thing_id = models.CharField(max_length=50, unique=True)
    status = models.CharField(max_length=20)
    aggregate_version = models.PositiveIntegerField()
