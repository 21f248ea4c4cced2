import json
import os
import subprocess
import sys

import pytest

from config.db_routers import ReportingRouter
from config.env import BASE_DIR, database_from_url

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x7#kQ2!vLp9@Zr4$Nw8^Ty3&Hb6*Jm1(Gd5)Fs0_Ae-Uc+Xo=Ki?Yl",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "DATABASE_URL": "postgres://commerce:secret@db:5432/commerce",
    "REPORTING_DATABASE_URL": "mssql://sa:Secret-1@mssql:1433/reporting",
    "MONGODB_URI": "mongodb://mongo:27017/commerce",
    "REDIS_URL": "redis://redis:6379/0",
    "CELERY_BROKER_URL": "amqp://guest:guest@rabbitmq:5672//",
}
SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REPORTING_DATABASE_URL",
    "MONGODB_URI",
    "REDIS_URL",
    "CELERY_BROKER_URL",
)


def run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter whose environment is exactly `env` (plus PATH)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_sql_server_urls_default_to_the_mssql_python_driver():
    config = database_from_url("mssql://report:pw@sql.internal:1433/reporting")

    assert config["ENGINE"] == "mssql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "sql.internal",
        1433,
        "reporting",
        "report",
    )
    assert config["OPTIONS"] == {"python_driver": "mssql_python"}


def test_sql_server_urls_can_choose_pyodbc_with_a_system_driver():
    config = database_from_url(
        "mssql://report:pw@sql.internal:1433/reporting?driver=ODBC Driver 18 for SQL Server"
    )

    assert config["OPTIONS"] == {"driver": "ODBC Driver 18 for SQL Server"}


def test_sql_server_connection_keywords_go_into_the_connection_string():
    config = database_from_url(
        "mssql://sa:pw@mssql:1433/reporting?TrustServerCertificate=yes&query_timeout=30"
    )

    assert config["OPTIONS"] == {
        "python_driver": "mssql_python",
        "query_timeout": 30,
        "extra_params": "TrustServerCertificate=yes",
    }


def test_postgres_urls_get_a_connect_timeout():
    config = database_from_url("postgres://u@127.0.0.1:5432/commerce")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["OPTIONS"] == {"connect_timeout": 5}
    assert config["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("db", "app_label", "allowed"),
    [
        ("reporting", "reporting", True),
        ("default", "reporting", False),
        ("reporting", "orders", False),
        ("reporting", "auth", False),
        ("default", "orders", True),
    ],
)
def test_reporting_lives_on_its_own_database_and_alone(db, app_label, allowed):
    assert ReportingRouter().allow_migrate(db, app_label) is allowed


def test_the_embedded_default_needs_no_service():
    code = (
        "import django; django.setup(); import json; from django.conf import settings as s; "
        "print(json.dumps([s.DATABASES['default']['ENGINE'], s.DATABASES['reporting']['ENGINE'], "
        "s.MONGODB['mock'], s.CACHES['default']['BACKEND'], s.CELERY_TASK_ALWAYS_EAGER]))"
    )

    result = run_python(code, {"DJANGO_SETTINGS_MODULE": "config.settings.local"})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [
        "django.db.backends.sqlite3",
        "django.db.backends.sqlite3",
        True,
        "django.core.cache.backends.locmem.LocMemCache",
        True,
    ]


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", *SERVICE_VARIABLES])
def test_production_refuses_to_start_without_a_required_variable(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = run_python("import django; django.setup()", env)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_passes_check_deploy():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={"PATH": os.environ["PATH"], **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_an_unknown_log_format_is_a_clear_startup_error():
    result = run_python("import django; django.setup()", {**PRODUCTION_ENV, "LOG_FORMAT": "xml"})

    assert result.returncode != 0
    assert "LOG_FORMAT must be 'json' or 'console', not 'xml'" in result.stderr
