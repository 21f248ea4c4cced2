from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts import public as accounts
from apps.accounts.contracts import ROLES, AccountExists
from apps.demo.data import demo_checkout_setup, demo_products_load

DOMAIN = "demo.shop"


def demo_password(name: str) -> str:
    return f"demo-{name}-2026"


class Command(BaseCommand):
    help = (
        "Load the demo shop: categories and products with variants, shipping, taxes and vouchers, "
        "a staff user per role, an admin, a customer with a token."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates accounts with published passwords; it runs only with DEBUG on."
            )
        sku_count = demo_products_load()
        vouchers = demo_checkout_setup()
        names = ["admin", *ROLES, "customer"]
        self._account("admin", superuser=True)
        for role in ROLES:
            self._account(role, role=role)
        customer = self._account("customer")
        token = accounts.api_token_get(account_id=customer.id)

        self.stdout.write(f"SKUs in the catalog: {sku_count}")
        self.stdout.write(
            "Checkout: shipping to DE, the EU, GB and six more countries; "
            f"VAT by country; vouchers {', '.join(vouchers)}"
        )
        self.stdout.write("Demo logins (email / password):")
        for name in names:
            self.stdout.write(f"  {name:<14} {name}@{DOMAIN} / {demo_password(name)}")
        self.stdout.write(f"Customer API token: {token}  (send: Authorization: Bearer {token})")

    def _account(self, name: str, **kwargs):
        email = f"{name}@{DOMAIN}"
        try:
            return accounts.account_create(email=email, password=demo_password(name), **kwargs)
        except AccountExists:
            return accounts.account_get_by_email(email=email)
