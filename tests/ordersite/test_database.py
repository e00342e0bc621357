"""The SQLite database lets concurrent writers wait for each other instead of failing: the live
server's threads, the pipeline loop and the test itself each write through their own connection
(what `make run`'s web server and Celery workers do too)."""

import threading

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_another_threads_open_write_transaction_instead_of_failing():
    holding, errors = threading.Event(), []

    def hold_a_write_transaction():
        try:
            with transaction.atomic():
                Group.objects.create(name="first writer")
                holding.set()
                threading.Event().wait(0.5)  # a request still writing while another thread arrives
        except Exception as exc:
            errors.append(exc)
            holding.set()
        finally:
            connection.close()

    thread = threading.Thread(target=hold_a_write_transaction)
    thread.start()
    assert holding.wait(10)
    with transaction.atomic():
        Group.objects.create(name="second writer")  # waits for the first (SQLite's busy timeout)
    thread.join(10)
    assert errors == []
    assert sorted(Group.objects.filter(name__endswith="writer").values_list("name", flat=True)) == [
        "first writer",
        "second writer",
    ]


@pytest.mark.django_db
def test_the_test_database_is_a_file_in_write_ahead_log_mode():
    # An in-memory test database is shared between threads through SQLite's shared cache, whose
    # table locks fail at once ("database table is locked") whatever the busy timeout.
    assert not connection.is_in_memory_db()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == settings.DATABASES["default"]["OPTIONS"]["timeout"] * 1000
