"""Reading Prometheus text the way Prometheus does (prometheus_client's own parser)."""

from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scraped: dict, name: str, **labels) -> float:
    """One series' value; 0 for a series not there yet (a counter never incremented)."""
    return scraped.get((name, frozenset(labels.items())), 0.0)
