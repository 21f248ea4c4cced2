"""The embedded SQLite (no DATABASE_URL): two transactions that both read and then write, at the
same time, both commit. SQLite's default (deferred) transactions fail one of them at once with
"database is locked", whatever the timeout: the trial's `make run` saw an order stay unpaid for
30 s while a handler waited for its retry."""

import contextlib
import threading

import pytest
from django.db import OperationalError
from django.db.backends.sqlite3.base import DatabaseWrapper

from config.env import SQLITE_OPTIONS, database_from_url


def _connection(path, **option_changes) -> DatabaseWrapper:
    """A connection as Django makes it from the embedded default's settings (options changed)."""
    config = database_from_url(f"sqlite:///{path}")
    config["OPTIONS"] = {
        key: value for key, value in {**config["OPTIONS"], **option_changes}.items() if value
    }
    defaults = {"ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "TIME_ZONE": None, "TEST": {}}
    return DatabaseWrapper(
        defaults | config | {"USER": "", "PASSWORD": "", "HOST": "", "PORT": ""}, "embedded"
    )


def _read_then_write_at_once(path, **option_changes) -> list[str]:
    """Each of two connections begins, reads, waits until the other has read too (or is waiting to
    begin), then writes and commits. Returns each one's outcome."""
    setup = _connection(path, **option_changes)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS counter (n INTEGER)")
        cursor.execute("DELETE FROM counter")
        cursor.execute("INSERT INTO counter VALUES (0)")
    setup.close()
    both_read = threading.Barrier(2, timeout=2)
    outcomes: list[str] = []

    def work():
        connection = _connection(path, **option_changes)
        try:
            connection.ensure_connection()
            with connection.cursor() as cursor:
                connection._start_transaction_under_autocommit()  # what atomic() runs on SQLite
                cursor.execute("SELECT n FROM counter")
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_read.wait()  # IMMEDIATE: the second is still waiting in BEGIN, so this breaks
                cursor.execute("UPDATE counter SET n = n + 1")
                cursor.execute("COMMIT")
            outcomes.append("committed")
        except OperationalError as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.fixture
def own_database(django_db_blocker):
    with django_db_blocker.unblock():  # a SQLite file of the test's own, not the suite's databases
        yield


def test_two_read_then_write_transactions_both_commit(tmp_path, own_database):
    assert _read_then_write_at_once(tmp_path / "db.sqlite3") == ["committed", "committed"]


def test_sqlites_default_fails_one_of_them_at_once(tmp_path, own_database):
    outcomes = _read_then_write_at_once(tmp_path / "db.sqlite3", transaction_mode=None)

    assert sorted(outcomes) == ["committed", "database is locked"]


def test_the_options_are_the_embedded_defaults():
    assert database_from_url("sqlite:///x.sqlite3")["OPTIONS"] == SQLITE_OPTIONS
    with pytest.raises(KeyError):
        database_from_url("postgres://u@h/db")["OPTIONS"]["transaction_mode"]
