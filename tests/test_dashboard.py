"""The Grafana dashboard and the Prometheus alert rules ask only for metrics the app exports.

Neither Grafana nor Prometheus runs here: a renamed metric would leave an empty panel or an alert
that can never fire, and nothing else would notice.
"""

import json
import re

import pytest
import yaml

from config.env import BASE_DIR

DOCKER = BASE_DIR / "docker"
DASHBOARD = DOCKER / "grafana" / "dashboards" / "commerce.json"
ALERTS = DOCKER / "prometheus" / "alerts.yml"
DATASOURCES = DOCKER / "grafana" / "provisioning" / "datasources" / "prometheus.yaml"

# What the web process (/metrics) and the worker (WORKER_METRICS_PORT) export. Histograms are
# named without their _bucket/_sum/_count series.
EXPORTED = frozenset(
    {
        # web
        "http_requests_total",
        "http_request_duration_seconds",
        "http_request_errors_total",
        "http_requests_in_flight",
        "events_outbox_pending",
        "events_outbox_scheduled",
        "events_outbox_oldest_pending_age_seconds",
        "events_dead_letters_pending",
        "broker_queue_messages",
        "broker_queue_consumers",
        "backpressure_shedding",
        "backpressure_shed_requests_total",
        # web and worker
        "catalog_cache_requests_total",
        "payment_provider_request_duration_seconds",
        "payment_provider_requests_total",
        # worker
        "events_handler_outcomes_total",
        "events_handler_failures_total",
        "events_handler_duration_seconds",
        "events_relayed_total",
        "events_unrouted_total",
        "notifications_deliveries_total",
        "notifications_delivery_duration_seconds",
        "payment_reconciliation_findings_total",
        "celery_tasks_total",
        "celery_task_duration_seconds",
    }
)
PROMETHEUS_OWN = frozenset({"up"})  # series Prometheus records about each scrape

PROMQL_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right"}
    | {"inf", "nan"}
)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENTIFIER = re.compile(r"(?<![\w.$])([a-zA-Z_:][\w:]*)(?!\w)(?!\s*\()")
_HISTOGRAM_SERIES = re.compile(r"_(?:bucket|sum|count)$")


def metric_names(expr: str) -> set[str]:
    """Metric names an expression selects: every identifier that is not a function call, a
    keyword, a label name (in {...} or a by/on clause) or a Grafana variable."""
    text = _STRING.sub('""', expr)
    text = re.sub(r"\$\{?\w+\}?", "", text)  # $__rate_interval, ${var}
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    text = _GROUPING.sub("", text)
    names = {name for name in _IDENTIFIER.findall(text) if name.lower() not in PROMQL_KEYWORDS}
    return {_HISTOGRAM_SERIES.sub("", name) for name in names}


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up == 0", {"up"}),
        (
            'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{route=~"api/v1/.*"}[5m]))) > 1',
            {"http_request_duration_seconds"},
        ),
        (
            "sum(rate(a_total[$__rate_interval])) / on (job) group_left sum(rate(b_total{x='y'}[1m] offset 5m)) > 1e3",
            {"a_total", "b_total"},
        ),
        ("max by (queue) (broker_queue_consumers) == 0", {"broker_queue_consumers"}),
    ],
)
def test_metric_names_reads_promql(expr, names):
    assert metric_names(expr) == names


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


@pytest.fixture(scope="module")
def alert_rules() -> list[dict]:
    groups = yaml.safe_load(ALERTS.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def panels(dashboard: dict) -> list[dict]:
    """Every panel, rows included, also those nested in a collapsed row."""
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def graphs(dashboard: dict) -> list[dict]:
    return [panel for panel in panels(dashboard) if panel["type"] != "row"]


def test_dashboard_is_the_commerce_one(dashboard):
    assert dashboard["uid"] == "commerce"
    assert dashboard["title"] == "Commerce backend"
    assert dashboard["schemaVersion"] >= 36


def test_panel_ids_are_unique_and_every_panel_is_placed(dashboard):
    ids = [panel["id"] for panel in panels(dashboard)]

    assert len(ids) == len(set(ids))
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert grid["w"] > 0 and grid["h"] > 0, panel["title"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]


def test_panels_do_not_overlap(dashboard):
    taken: dict[tuple[int, int], str] = {}
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in taken, f"{panel['title']} overlaps {taken[x, y]}"
                taken[x, y] = panel["title"]


def test_every_panel_queries_the_provisioned_datasource(dashboard):
    (datasource,) = yaml.safe_load(DATASOURCES.read_text())["datasources"]

    for panel in graphs(dashboard):
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["expr"].strip(), panel["title"]
            source = target.get("datasource", panel["datasource"])
            assert source == {"type": "prometheus", "uid": datasource["uid"]}, panel["title"]


def test_dashboard_asks_only_for_exported_metrics(dashboard):
    for panel in graphs(dashboard):
        for target in panel["targets"]:
            names = metric_names(target["expr"])
            assert names, target["expr"]
            assert names <= EXPORTED, f"{panel['title']}: {sorted(names - EXPORTED)}"


def test_dashboard_charts_every_exported_metric(dashboard):
    exprs = [target["expr"] for panel in graphs(dashboard) for target in panel["targets"]]
    charted = set().union(*map(metric_names, exprs))

    assert EXPORTED - charted == set()


def test_alerts_ask_only_for_exported_metrics(alert_rules):
    known = EXPORTED | PROMETHEUS_OWN
    for rule in alert_rules:
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= known, f"{rule['alert']}: {sorted(names - known)}"


def test_every_alert_says_what_it_means_and_how_bad(alert_rules):
    names = [rule["alert"] for rule in alert_rules]

    assert len(names) == len(set(names))
    for rule in alert_rules:
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["description"].strip(), rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
