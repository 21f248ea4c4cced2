"""How staff pages show envelopes: indented JSON in a <pre>, not one long line."""

import json

from django.utils.html import format_html


def pretty_json(value) -> str:
    return format_html(
        '<pre class="envelope">{}</pre>', json.dumps(value, indent=2, sort_keys=True, default=str)
    )
