"""Countries whose addresses carry no postal code (ISO 3166-1 alpha-2).

From the Universal Postal Union's postcode survey as commonly compiled (e.g. Google's address
metadata, which marks these countries without a `zip` field). Everywhere else a postal code is
required; a country that introduces postcodes is removed from this list.
"""

WITHOUT_POSTAL_CODES = frozenset(
    {
        "AE", "AG", "AN", "AO", "AW", "BF", "BI", "BJ", "BO", "BS", "BW", "BZ", "CD", "CF", "CG", "CI",
        "CK", "CM", "DJ", "DM", "ER", "FJ", "GA", "GD", "GH", "GM", "GQ", "GY", "HK", "JM", "KI", "KM",
        "KN", "KP", "LY", "MO", "ML", "MR", "MS", "MW", "NR", "NU", "QA", "RW", "SB", "SC", "SL", "SR",
        "ST", "SY", "TD", "TF", "TG", "TK", "TL", "TO", "TT", "TV", "UG", "VU", "YE", "ZW",
    }
)  # fmt: skip
