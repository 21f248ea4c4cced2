"""`{% load money %}{{ amount|money:currency }}`: minor units shown as staff read money ("€39.00")."""

from django import template

from apps.common.money import format_money

register = template.Library()


@register.filter
def money(amount: int, currency: str) -> str:
    return format_money(amount, currency)
