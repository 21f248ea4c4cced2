"""The reporting migration compiles to SQL Server DDL with mssql-django, no server needed."""

from django.db.utils import load_backend

from apps.reporting.ddl import migration_sql
from config.env import database_from_url


def test_the_reporting_migration_compiles_to_sql_server_ddl():
    settings_dict = database_from_url("mssql://sa:secret@127.0.0.1:1/reporting?TrustServerCertificate=yes")
    settings_dict.update(TIME_ZONE=None, AUTOCOMMIT=True, ATOMIC_REQUESTS=False, TEST={})
    # Named "reporting": the router lets the reporting migration run on that alias only.
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="reporting")

    sql = migration_sql(connection=connection, migration="0001_initial")

    assert settings_dict["OPTIONS"] == {
        "python_driver": "mssql_python",
        "extra_params": "TrustServerCertificate=yes",
    }
    assert connection.connection is None  # never connected
    tables = [s.split("(")[0] for s in sql if s.startswith("CREATE TABLE")]
    assert tables == [
        "CREATE TABLE [reporting_backfillcheckpoint] ",
        "CREATE TABLE [reporting_paymentfact] ",
        "CREATE TABLE [reporting_dailysales] ",
        "CREATE TABLE [reporting_orderfact] ",
        "CREATE TABLE [reporting_salesday] ",
    ]
    orderfact = next(s for s in sql if s.startswith("CREATE TABLE [reporting_orderfact]"))
    assert "[order_id] char(32) NOT NULL PRIMARY KEY" in orderfact
    assert "[placed_on] date NULL" in orderfact
    assert "[placed_at] datetimeoffset NULL" in orderfact
    assert "CREATE INDEX [reporting_order_day] ON [reporting_orderfact] ([placed_on], [currency]);" in sql
    assert any(
        "CONSTRAINT [reporting_daily_sales_once] UNIQUE ([day], [currency], [status])" in s for s in sql
    )
