"""The docker files cannot run here (no engine): check what can be checked without one."""

import re

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


def test_every_file_compose_mounts_exists(compose):
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DOCKER / source).is_file(), source
