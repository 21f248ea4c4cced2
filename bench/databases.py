"""PostgreSQL databases of the benches' own, created on a fresh machine."""

import psycopg
from psycopg import sql


def create_database(url: str, *, fresh: bool) -> None:
    """Create the database `url` names if it is missing; `fresh` drops it first (every run then
    starts from empty tables, so runs compare)."""
    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        if fresh:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        elif connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
