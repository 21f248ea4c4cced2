"""The API's JSON parser: DRF's, with a nesting limit.

Python's json module recurses per nesting level: 5,000 levels of objects or a 100,000-deep array
raise RecursionError (a 500), and anything a few hundred deep that does parse makes every later
recursive walk (serializers, the idempotency fingerprint, logs) a risk. No request of ours needs
more than a handful of levels, so deeper bodies are refused as malformed (400 problem+json).
"""

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class DepthLimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.") from None
        if json_depth_exceeds(data, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        return data


def json_depth_exceeds(data, limit: int) -> bool:
    """True when lists/objects in `data` nest more than `limit` deep. Iterative: no recursion."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False
