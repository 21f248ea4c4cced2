from apps.events.public import domain_signal

checkout_completed = domain_signal("checkout.CheckoutCompleted.v1")
