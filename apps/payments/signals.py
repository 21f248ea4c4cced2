from apps.events.public import domain_signal

payment_authorized = domain_signal("payments.PaymentAuthorized.v1")
payment_captured = domain_signal("payments.PaymentCaptured.v1")
payment_refunded = domain_signal("payments.PaymentRefunded.v1")
payment_failed = domain_signal("payments.PaymentFailed.v1")
payment_capture_failed = domain_signal("payments.PaymentCaptureFailed.v1")
payment_voided = domain_signal("payments.PaymentVoided.v1")
