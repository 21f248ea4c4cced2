"""One-statement projection writes on PostgreSQL: INSERT ... ON CONFLICT DO UPDATE with the
version rule in the SET, instead of UPDATE, EXISTS and a guarded INSERT (issue 20: 11 statements
per payment event became 2).

Django cannot say this (bulk_create(update_conflicts=...) has no condition and overwrites every
field), and SQL Server has no ON CONFLICT (mssql-django supports neither ignore_conflicts nor
update_conflicts), so `upserts_supported()` says whether to use it; the projections keep their
portable path (apply_if_newer) for every other database.
"""

from django.db import connections, models


def upserts_supported(using: str) -> bool:
    return connections[using].vendor == "postgresql"


def upsert_if_newer(
    model: type[models.Model],
    *,
    using: str,
    lookup: dict,
    version_field: str,
    version: int,
    values: dict,
    write_once: str | None = None,
    returning: tuple[str, ...] = (),
) -> tuple | None:
    """Write `values` to the row matching `lookup` (its one unique column), by the same rule as apply_if_newer:
    a new row takes them (other columns their defaults), an existing one only if `version` is
    newer than its `version_field`. `write_once` (a column in `values`) is also written by an
    older or equal version where the row has none yet. One statement, atomic against concurrent
    writers of the same key (no IntegrityError, so no savepoint either).

    With `returning`, the row is always touched (its columns kept where the version is not newer)
    so that those columns of the row, as it is now, are returned; without, a row that gains
    nothing is not written at all."""
    table = model._meta.db_table
    connection = connections[using]
    [(key, key_value)] = lookup.items()
    quote = connection.ops.quote_name
    fields = {f.attname: f for f in model._meta.concrete_fields}
    row = {name: values.get(name, field.get_default()) for name, field in fields.items()}
    row[key], row[version_field] = key_value, version
    columns = list(row)
    params = [fields[name].get_db_prep_save(row[name], connection) for name in columns]

    current = f"{quote(table)}.{quote(version_field)}"
    newer = f"{current} < EXCLUDED.{quote(version_field)}"
    updates = []
    for name in values:
        column = quote(name)
        kept = f"{quote(table)}.{column}"
        if name == write_once:
            kept = f"COALESCE({kept}, EXCLUDED.{column})"
        updates.append(f"{column} = CASE WHEN {newer} THEN EXCLUDED.{column} ELSE {kept} END")
    updates.append(
        f"{quote(version_field)} = CASE WHEN {newer} THEN EXCLUDED.{quote(version_field)} ELSE {current} END"
    )
    names, placeholders = ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    # Identifiers are the model's, quoted; every value is a parameter.
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders}) ON CONFLICT ({quote(key)}) DO UPDATE SET "  # noqa: S608
    sql += ", ".join(updates)
    if returning:
        sql += f" RETURNING {', '.join(map(quote, returning))}"
    else:
        condition = newer
        if write_once:
            condition += f" OR {quote(table)}.{quote(write_once)} IS NULL"
        sql += f" WHERE {condition}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() if returning else None
