from apps.events.public import domain_signal

order_created = domain_signal("orders.OrderCreated.v1")
order_paid = domain_signal("orders.OrderPaid.v1")
order_shipped = domain_signal("orders.OrderShipped.v1")
order_delivered = domain_signal("orders.OrderDelivered.v1")
order_cancelled = domain_signal("orders.OrderCancelled.v1")
order_refunded = domain_signal("orders.OrderRefunded.v1")
