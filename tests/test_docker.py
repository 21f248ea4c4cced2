"""The docker files cannot run here (no engine): check what can be checked without one."""

import json
import re
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import pytest
import structlog
import yaml
from opentelemetry import trace

from config.env import BASE_DIR, VARIABLES
from tests.telemetry import json_lines

DOCKER = BASE_DIR / "docker"
APP_SERVICES = ("migrate", "web", "worker", "webhooks", "beat")
PRODUCTION_REQUIRED = {
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DATABASE_URL",
    "REPORTING_DATABASE_URL",
    "MONGODB_URI",
    "REDIS_URL",
    "CELERY_BROKER_URL",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yaml").read_text())


def variables_read_by_process_files() -> set[str]:
    """Variables that gunicorn's config and the entrypoint read, besides Django settings."""
    text = (DOCKER / "gunicorn.conf.py").read_text() + (DOCKER / "entrypoint.sh").read_text()
    return set(re.findall(r"environ\.get\(['\"](\w+)['\"]", text)) | set(re.findall(r"\$\{(\w+):-", text))


def test_compose_has_the_whole_stack(compose):
    assert set(compose["services"]) == {
        "postgres",
        "mssql",
        "mssql-init",
        "mongo",
        "redis",
        "rabbitmq",
        "otel-collector",
        "tempo",
        "loki",
        "prometheus",
        "grafana",
        *APP_SERVICES,
    }
    assert compose["services"]["mssql"]["image"].startswith("mcr.microsoft.com/mssql/server")


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_set_only_variables_the_code_reads(compose, service):
    environment = compose["services"][service]["environment"]
    known = set(VARIABLES) | variables_read_by_process_files() | {"DJANGO_SETTINGS_MODULE"}

    assert set(environment) - known == set()
    assert set(environment) >= PRODUCTION_REQUIRED
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_start_after_what_they_depend_on(compose, service):
    depends_on = compose["services"][service]["depends_on"]

    assert set(depends_on) <= set(compose["services"])
    assert {"postgres", "mssql-init", "mongo", "redis", "rabbitmq"} <= set(depends_on)


def test_entrypoint_knows_every_command_compose_gives(compose):
    entrypoint = (DOCKER / "entrypoint.sh").read_text()

    for service in APP_SERVICES:
        (command,) = compose["services"][service]["command"]
        assert re.search(rf"^\s+{command}\)", entrypoint, re.MULTILINE), command


def test_dockerfile_is_multi_stage_and_runs_as_non_root():
    dockerfile = (DOCKER / "Dockerfile").read_text()

    stages = re.findall(r"^FROM \S+ AS (\w+)$", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER (\S+)$", dockerfile, re.MULTILINE)
    assert stages == ["build", "runtime"]
    assert users == ["commerce"]
    assert "COPY --from=build /opt/venv /opt/venv" in dockerfile
    assert "requirements/production.txt" in dockerfile


def bind_mounts(service: dict) -> dict[str, str]:
    """Container path -> repository file (relative to docker/) of a service's `./...` mounts."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            source, target = volume.get("source", ""), volume["target"]
        else:
            source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounts[target] = source
    return mounts


def test_every_file_compose_mounts_exists(compose):
    sources = [source for service in compose["services"].values() for source in bind_mounts(service).values()]
    sources += [config["file"] for config in compose.get("configs", {}).values() if "file" in config]

    assert sources
    for source in sources:
        assert (DOCKER / source).is_file(), source


@pytest.fixture(scope="module")
def prometheus_config() -> dict:
    return yaml.safe_load((DOCKER / "prometheus" / "prometheus.yml").read_text())


def scrape_targets(prometheus_config: dict, job: str) -> list[str]:
    (scrape,) = [s for s in prometheus_config["scrape_configs"] if s["job_name"] == job]
    assert scrape.get("metrics_path", "/metrics") == "/metrics"
    return [target for static in scrape["static_configs"] for target in static["targets"]]


def test_prometheus_scrapes_the_web_port(compose, prometheus_config):
    (published,) = compose["services"]["web"]["ports"]
    container_port = published.split(":")[-1]

    assert scrape_targets(prometheus_config, "commerce-web") == [f"web:{container_port}"]


def test_prometheus_scrapes_the_worker_metrics_port(compose, prometheus_config):
    # Both workers: the webhook sends' counters are in the webhooks worker's process.
    workers = ("worker", "webhooks")
    ports = [compose["services"][worker]["environment"]["WORKER_METRICS_PORT"] for worker in workers]

    assert scrape_targets(prometheus_config, "commerce-worker") == [
        f"{worker}:{port}" for worker, port in zip(workers, ports, strict=True)
    ]
    # The workers' endpoints have no token: they must stay on the compose network.
    for worker, port in zip(workers, ports, strict=True):
        assert not any(port in str(p) for p in compose["services"][worker].get("ports", []))


def test_prometheus_sends_the_token_the_web_process_expects(compose, prometheus_config):
    (web_scrape,) = [s for s in prometheus_config["scrape_configs"] if s["job_name"] == "commerce-web"]
    token_file = web_scrape["authorization"]["credentials_file"]
    service = compose["services"]["prometheus"]
    (config,) = [c for c in service["configs"] if c["target"] == token_file]
    token = compose["configs"][config["source"]]["content"]

    assert web_scrape["authorization"].get("type", "Bearer") == "Bearer"
    assert token == compose["services"]["web"]["environment"]["METRICS_TOKEN"]


def test_prometheus_mounts_its_config_and_rules(compose, prometheus_config):
    service = compose["services"]["prometheus"]
    mounts = bind_mounts(service)
    config_flag = next(arg for arg in service["command"] if arg.startswith("--config.file="))
    config_path = config_flag.split("=", 1)[1]

    assert mounts[config_path] == "./prometheus/prometheus.yml"
    for rule_file in prometheus_config["rule_files"]:
        # Relative rule files are read next to the config file.
        target = str(PurePosixPath(config_path).parent / rule_file)
        assert mounts[target] == f"./prometheus/{rule_file}"
    assert set(service["depends_on"]) >= {"web", "worker"}


def test_grafana_provisions_the_datasource_and_the_dashboards(compose):
    mounts = bind_mounts(compose["services"]["grafana"])
    provisioning = {
        target: yaml.safe_load((DOCKER / source).read_text())
        for target, source in mounts.items()
        if target.startswith("/etc/grafana/provisioning/")
    }
    datasources = [d for p in provisioning.values() for d in p.get("datasources", [])]
    providers = [d for p in provisioning.values() for d in p.get("providers", [])]
    (prometheus,) = [d for d in datasources if d["type"] == "prometheus"]
    dashboard_dirs = {provider["options"]["path"] for provider in providers}
    mounted_dashboards = [target for target in mounts if target.endswith(".json")]

    assert prometheus["url"] == "http://prometheus:9090"
    assert prometheus["uid"] == "prometheus"  # tests/test_dashboard.py: the dashboard's panels use it
    assert mounted_dashboards
    for target in mounted_dashboards:
        assert str(PurePosixPath(target).parent) in dashboard_dirs, target


# A release to its patch level (postgres:15.10, rabbitmq:3.13.7-management), or SQL Server's
# cumulative update: never `latest`, nor a major alone that moves under the stack (redis:7).
PINNED_TAG = re.compile(r"v?\d+\.\d+(\.\d+)*(-[\w.-]+)?|\d{4}-CU\d+(-[\w.-]+)?")


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("postgres:15.10", True),
        ("grafana/tempo:2.6.1", True),
        ("mcr.microsoft.com/mssql/server:2022-CU16-ubuntu-22.04", True),
        ("redis:7", False),
        ("mcr.microsoft.com/mssql/server:2022-latest", False),
        ("grafana/loki", False),
        ("localhost:5000/loki", False),
    ],
)
def test_image_tag_pinned_reads_tags(image, pinned):
    assert image_tag_pinned(image) is pinned


def image_tag_pinned(image: str) -> bool:
    name = image.rsplit("/", 1)[-1]  # a registry's port is no tag
    tag = name.split(":", 1)[1] if ":" in name else ""
    return bool(PINNED_TAG.fullmatch(tag)) and "latest" not in tag


def test_every_service_image_is_pinned(compose):
    for name, service in compose["services"].items():
        if "build" in service:
            continue  # built from this repository; its base images are pinned in the Dockerfile
        assert image_tag_pinned(service["image"]), f"{name}: {service['image']}"


# --- The OpenTelemetry collector, Tempo, Loki and Grafana's links between them ---------------


@pytest.fixture(scope="module")
def collector(compose) -> dict:
    """The collector's config, read from the file compose mounts at its --config path."""
    service = compose["services"]["otel-collector"]
    config_path = next(arg for arg in service["command"] if arg.startswith("--config=")).split("=", 1)[1]
    return yaml.safe_load((DOCKER / bind_mounts(service)[config_path]).read_text())


def mounted_config(compose, service_name: str) -> dict:
    """A service's own config file: the bind mount its -config.file flag names."""
    service = compose["services"][service_name]
    flag = next(arg for arg in service["command"] if arg.startswith("-config.file="))
    return yaml.safe_load((DOCKER / bind_mounts(service)[flag.split("=", 1)[1]]).read_text())


def port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def host_and_port(endpoint: str) -> tuple[str, int]:
    """`http://loki:3100/otlp` or `tempo:4317` -> (host, port)."""
    url = urlsplit(endpoint if "//" in endpoint else f"//{endpoint}")
    return url.hostname, url.port


def test_collector_pipelines_use_only_components_it_defines_and_all_of_them(collector):
    pipelines = collector["service"]["pipelines"]
    used = {kind: set() for kind in ("receivers", "processors", "exporters")}
    for name, pipeline in pipelines.items():
        assert name.split("/")[0] in {"traces", "metrics", "logs"}, name
        assert pipeline["receivers"] and pipeline["exporters"], name
        for kind in used:
            used[kind] |= set(pipeline.get(kind, []))

    for kind, names in used.items():
        assert names == set(collector.get(kind) or {}), kind
    assert {"traces", "logs"} <= set(pipelines)
    # Kept, not printed: no pipeline ends in the debug exporter.
    assert not any(name.split("/")[0] == "debug" for name in used["exporters"])


def test_collector_exports_to_compose_services_on_the_ports_they_listen_on(compose, collector):
    tempo, loki = mounted_config(compose, "tempo"), mounted_config(compose, "loki")
    listening = {
        "tempo": {port(tempo["distributor"]["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"])},
        "loki": {loki["server"]["http_listen_port"]},
    }
    service = compose["services"]["otel-collector"]
    targets = set()
    for name, exporter in collector["exporters"].items():
        host, exporter_port = host_and_port(exporter["endpoint"])
        assert host in compose["services"], f"{name}: {host}"
        assert exporter_port in listening[host], f"{name}: {host} listens on {listening[host]}"
        targets.add(host)

    assert targets == {"tempo", "loki"}
    assert set(service["depends_on"]) >= targets
    assert collector["exporters"]["otlphttp/loki"]["endpoint"].endswith("/otlp")  # Loki's OTLP path


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_send_traces_and_logs_to_the_collectors_receiver(compose, collector, service):
    environment = compose["services"][service]["environment"]
    host, app_port = host_and_port(environment["OTEL_EXPORTER_OTLP_ENDPOINT"])
    receiver = collector["receivers"]["otlp"]["protocols"]["http"]

    assert (host, app_port) == ("otel-collector", port(receiver["endpoint"]))
    assert environment["OTEL_LOGS_EXPORTER"] == "otlp"
    assert "otel-collector" in compose["services"][service]["depends_on"]
    # Sampling as before: one new trace in ten, a caller's decision followed.
    assert (environment["OTEL_TRACES_SAMPLER"], environment["OTEL_TRACES_SAMPLER_ARG"]) == (
        "parentbased_traceidratio",
        "0.1",
    )


@pytest.fixture(scope="module")
def grafana_datasources(compose) -> dict[str, dict]:
    mounts = bind_mounts(compose["services"]["grafana"])
    datasources = [
        datasource
        for target, source in mounts.items()
        if target.startswith("/etc/grafana/provisioning/datasources/")
        for datasource in yaml.safe_load((DOCKER / source).read_text())["datasources"]
    ]
    return {datasource["type"]: datasource for datasource in datasources}


def test_grafana_reads_tempo_and_loki_where_they_listen(compose, grafana_datasources):
    listening = {
        "tempo": mounted_config(compose, "tempo")["server"]["http_listen_port"],
        "loki": mounted_config(compose, "loki")["server"]["http_listen_port"],
    }
    for kind, listen_port in listening.items():
        assert host_and_port(grafana_datasources[kind]["url"]) == (kind, listen_port)
    assert set(compose["services"]["grafana"]["depends_on"]) >= set(listening)


def json_line_in_a_span() -> tuple[str, str]:
    """A log line as production renders it, and its span's trace id."""
    with (
        json_lines("tests.docker") as stream,
        trace.get_tracer(__name__).start_as_current_span("request") as span,
    ):
        structlog.get_logger("tests.docker").info("request_finished", status=200)
    return stream.getvalue().strip(), format(span.get_span_context().trace_id, "032x")


def test_a_log_line_links_to_its_trace_and_a_trace_to_its_lines(grafana_datasources):
    loki, tempo = grafana_datasources["loki"], grafana_datasources["tempo"]
    (derived,) = loki["jsonData"]["derivedFields"]
    to_logs = tempo["jsonData"]["tracesToLogsV2"]
    line, trace_id = json_line_in_a_span()

    # logs -> trace: the derived field finds the trace id in a real line and opens it in Tempo.
    assert json.loads(line)["trace_id"] == trace_id
    assert re.search(derived["matcherRegex"], line).group(1) == trace_id
    assert (derived["datasourceUid"], derived["url"]) == (tempo["uid"], "$${__value.raw}")
    # trace -> logs: Loki is asked for the span's service (OTLP service.name is Loki's
    # service_name label) and the lines holding the trace id.
    assert to_logs["datasourceUid"] == loki["uid"]
    assert to_logs["filterByTraceID"] is True
    assert {"key": "service.name", "value": "service_name"} in to_logs["tags"]


# --- docker/compose.split.yaml: notifications as its own deployment (issue 14 §4) -------------

NOTIFICATIONS_SERVICES = (
    "notifications-migrate",
    "notifications-worker",
    "notifications-webhooks",
    "notifications-beat",
    "notifications-admin",
)


@pytest.fixture(scope="module")
def split_compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.split.yaml").read_text())


def test_the_split_runs_the_monolith_without_notifications(compose, split_compose):
    for service in APP_SERVICES:
        assert split_compose["services"][service]["environment"] == {
            "DJANGO_SETTINGS_MODULE": "config.settings.shop"
        }
    # The shop has no webhooks queue: its webhooks worker starts only if its profile is asked for.
    assert split_compose["services"]["webhooks"]["profiles"] == ["monolith-webhooks"]
    assert set(split_compose["services"]) - set(compose["services"]) == {
        "notifications-postgres",
        *NOTIFICATIONS_SERVICES,
    }


@pytest.mark.parametrize("service", NOTIFICATIONS_SERVICES)
def test_notifications_services_run_its_settings_on_its_own_database(compose, split_compose, service):
    definition = split_compose["services"][service]
    environment = definition["environment"]
    known = set(VARIABLES) | variables_read_by_process_files() | {"DJANGO_SETTINGS_MODULE"}
    entrypoint = (DOCKER / "entrypoint.sh").read_text()
    (command,) = definition["command"]

    assert set(environment) - known == set()
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.notifications"
    assert {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL", "CELERY_BROKER_URL"} <= set(environment)
    assert urlsplit(environment["NOTIFICATIONS_DATABASE_URL"]).hostname == "notifications-postgres"
    assert "DATABASE_URL" not in environment  # nothing of the monolith's database
    assert set(definition["depends_on"]) <= set(compose["services"]) | set(split_compose["services"])
    assert re.search(rf"^\s+{command}\)", entrypoint, re.MULTILINE), command


def test_the_notifications_worker_consumes_the_queues_its_settings_route_to():
    from config.deployments import notifications_alone

    shaped = {
        "INSTALLED_APPS": [],
        "DATABASES": {"notifications": {}},
        "CELERY_BEAT_SCHEDULE": {},
    }
    notifications_alone(shaped)
    entrypoint = (DOCKER / "entrypoint.sh").read_text()
    procfile = (BASE_DIR / "Procfile.notifications").read_text()
    queues = {queue.name for queue in shaped["CELERY_TASK_QUEUES"]}

    for text in (entrypoint, procfile):
        lines = [line for line in worker_lines(text) if "--queues notifications" in line]
        consumed = {queue for line in lines for queue in re.findall(r"--queues (\S+)", line)[0].split(",")}
        assert consumed == queues
        assert threads_pool_queues(lines) == {
            shaped["CELERY_TASK_ROUTES"]["notifications.send_webhooks"]["queue"]
        }


def worker_lines(text: str) -> list[str]:
    """Each `celery ... worker` command of a Procfile or the entrypoint, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [line for line in joined.splitlines() if re.search(r"celery --app config worker", line)]


def threads_pool_queues(lines: list[str]) -> set[str]:
    return {
        queue
        for line in lines
        if "--pool threads" in line
        for queue in re.findall(r"--queues (\S+)", line)[0].split(",")
    }


def test_webhook_sends_run_on_a_threads_pool_worker_and_every_other_queue_on_the_prefork_one():
    """The monolith (Procfile, `make up`; the entrypoint's worker and webhooks roles): the webhooks
    queue on its own threads-pool worker, nothing else there, and every queue consumed."""
    from config.settings import base  # the queue names the process files name (tests prefix theirs)

    webhooks = base.CELERY_TASK_ROUTES["notifications.send_webhooks"]["queue"]
    queues = {queue.name for queue in base.CELERY_TASK_QUEUES}
    assert base.CELERY_TASK_ROUTES["notifications.send_webhook"]["queue"] == webhooks

    for text in ((BASE_DIR / "Procfile").read_text(), (DOCKER / "entrypoint.sh").read_text()):
        lines = [line for line in worker_lines(text) if "notifications" not in line]  # the monolith's
        (prefork,) = [line for line in lines if "--pool threads" not in line]
        assert re.findall(r"--exclude-queues (\S+)", prefork) == [webhooks]
        assert threads_pool_queues(lines) == {webhooks}
        # No --queues: it consumes every configured queue (the relay's, email/SMS...) but that one.
        assert "--queues" not in prefork and webhooks in queues
