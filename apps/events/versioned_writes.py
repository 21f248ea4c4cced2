"""Order-tolerant writes for projections: apply an event only if its aggregateversion is newer.

Events of one aggregate can arrive out of order (retries, several workers). A projection model
has an integer `aggregate_version` field; write through `apply_if_newer` and an older event
arriving late changes nothing:

    @subscribe("orders.OrderPaid.v1")
    def project_order(envelope):
        apply_if_newer(OrderReport, lookup={"order_id": envelope["subject"]},
                       version=envelope["aggregateversion"], values={"status": "paid"})
"""

from django.db import IntegrityError, models, transaction


def apply_if_newer(model: type[models.Model], *, lookup: dict, version: int, values: dict) -> bool:
    """Store `values` for the row matching `lookup` if `version` is newer than the row's; create the
    row if there is none. Returns whether anything was written. One conditional UPDATE, no read-lock."""
    rows = model._default_manager.filter(**lookup)
    if rows.filter(aggregate_version__lt=version).update(aggregate_version=version, **values):
        return True
    if rows.exists():
        return False  # this version or a newer one is already applied
    try:
        with transaction.atomic(using=rows.db):
            model._default_manager.create(**lookup, aggregate_version=version, **values)
        return True
    except IntegrityError:  # a concurrent first write won the insert: compare with it instead
        return bool(rows.filter(aggregate_version__lt=version).update(aggregate_version=version, **values))
