"""The docker files cannot run here (no engine): check what can be checked without one."""

import re
from pathlib import PurePosixPath

import pytest
import yaml

from config.env import BASE_DIR, VARIABLES

DOCKER = BASE_DIR / "docker"
APP_SERVICES = ("migrate", "web", "worker", "beat")
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
    port = compose["services"]["worker"]["environment"]["WORKER_METRICS_PORT"]

    assert scrape_targets(prometheus_config, "commerce-worker") == [f"worker:{port}"]
    # The worker's endpoint has no token: it must stay on the compose network.
    assert not any(port in str(p) for p in compose["services"]["worker"].get("ports", []))


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
