"""What other modules may call in checkout: shop setup from code (the demo shop uses it)."""

from apps.checkout.setup import shipping_zone_ensure, tax_rate_ensure, voucher_ensure

__all__ = ["shipping_zone_ensure", "tax_rate_ensure", "voucher_ensure"]
