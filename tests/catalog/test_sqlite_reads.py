"""On SQLite, GET requests read beside a writer instead of queueing for its lock (a long import holds it)."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.catalog.fixtures_import import OUTPUT_HEADERS, csv_bytes, output_row, upload
from tests.conftest import Catalog


@contextmanager
def _write_lock_held(catalog: Catalog) -> Iterator[None]:
    """Another connection holds SQLite's write lock, as a running import does between its chunks."""
    conn = sqlite3.connect(catalog.engine.url.database or "", isolation_level=None, timeout=0.1)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # PostgreSQL readers never wait for writers
def test_reads_answer_while_another_connection_writes(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    assert upload(catalog, "outputs", "a.csv", csv_bytes(OUTPUT_HEADERS, [output_row(1)]), wyu).status_code == 200
    output_id = catalog.client.get("/api/v1/outputs").json()["data"][0]["id"]
    with _write_lock_held(catalog):
        assert catalog.client.get("/api/v1/outputs", headers=wyu).json()["count"] == 1
        assert catalog.client.get(f"/api/v1/outputs/{output_id}").status_code == 200
        assert catalog.client.get("/api/v1/jobs/no-such-job", headers=wyu).status_code == 404
        assert catalog.client.get("/outputs").status_code == 200  # a portal page
    # writes still queue for the lock and then go through
    r = catalog.client.patch(f"/api/v1/outputs/{output_id}", headers=wyu, json={"status": "archived", "version": 1})
    assert r.status_code == 200, r.text
