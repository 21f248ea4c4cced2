"""Customers in the back office: the customer accounts (staff are elsewhere) with what they
ordered, from accounts.public and orders.public. Needs accounts.view_user."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse

from apps.accounts.public import account_get, addresses_of, customers_page
from apps.common.money import format_money
from apps.orders.public import customer_order_stats, orders_of_customer

PER_PAGE = 50


def _require(request) -> None:
    if not request.user.has_perm("accounts.view_user"):
        raise PermissionDenied("Customers need the accounts.view_user permission.")


def customer_list(request, site):
    _require(request)
    search = request.GET.get("q", "").strip()
    number = int(request.GET["p"]) if request.GET.get("p", "").isdigit() else 1
    page = customers_page(search=search, offset=(max(number, 1) - 1) * PER_PAGE, limit=PER_PAGE)
    stats = customer_order_stats(customer_ids=[c.id for c in page.customers])
    rows = []
    for c in page.customers:
        s = stats.get(c.id)
        spent = ", ".join(format_money(total, currency) for currency, total in s.totals) if s else "—"
        rows.append(
            {
                "customer": c,
                "orders": s.orders if s else 0,
                "spent": spent,
                "last": s.last_order_at if s else None,
            }
        )
    context = {
        **site.each_context(request),
        "title": "Customers",
        "rows": rows,
        "total": page.total,
        "search": search,
        "page": number,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number * PER_PAGE < page.total else None,
    }
    return TemplateResponse(request, "admin/backoffice/customer_list.html", context)


def customer_detail(request, site, customer_id: int):
    _require(request)
    try:
        account = account_get(account_id=customer_id)
    except LookupError:
        raise Http404("No such customer.") from None
    if account.is_staff:
        raise Http404("That account is staff, not a customer.")
    orders = [
        {"order": o, "total": format_money(o.total_amount, o.currency)}
        for o in orders_of_customer(customer_id=customer_id)
    ]
    context = {
        **site.each_context(request),
        "title": f"Customer {account.email}",
        "account": account,
        "orders": orders,
        "addresses": addresses_of(account_id=customer_id),
    }
    return TemplateResponse(request, "admin/backoffice/customer_detail.html", context)
