"""A long import written now (the command line's way) commits in chunks: while it runs, other writes go through,
and what it has written so far stays written."""

import threading

from sqlmodel import Session, col, func, select

from services.catalog.imports.run import Upload, run_import
from services.catalog.imports.service import operator
from services.catalog.imports.upsert import CHUNK
from services.catalog.items.kinds import OUTPUTS
from services.catalog.items.models import ResearchOutput
from tests.catalog.fixtures_import import OUTPUT_HEADERS, csv_bytes, output_row
from tests.catalog.test_permissions import fast_user
from tests.conftest import Catalog

ROWS = 5 * CHUNK
HELD = 60.0  # a safety net only: the test resumes the import itself


def _outputs(catalog: Catalog, org_id: int) -> int:
    with Session(catalog.engine) as s:
        return s.exec(select(func.count()).select_from(ResearchOutput)
                      .where(col(ResearchOutput.organisation_id) == org_id)).one()


def test_a_long_import_lets_other_writes_through_between_its_chunks(catalog: Catalog) -> None:
    org_id = catalog.org("五邑大学", "university")
    ent = fast_user(catalog, "ent", "enterprise", "甲公司")
    paused, resume = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold(done: int) -> None:  # called after each chunk's commit
        if done == 2 * CHUNK:
            paused.set()
            resume.wait(HELD)

    def import_file() -> None:
        with Session(catalog.engine, expire_on_commit=False) as session:
            result = run_import(session=session, engine=catalog.engine, spec=OUTPUTS, user=operator(),
                                upload=Upload(csv_bytes(OUTPUT_HEADERS, [output_row(i) for i in range(ROWS)]), "a.csv"),
                                requested_org=org_id, partial=False, dry_run=False, zh=True, background=False,
                                threshold=0, on_progress=hold, commit_every=CHUNK).result
            outcome["created"] = result.created if result else None

    importer = threading.Thread(target=import_file)
    importer.start()
    try:
        assert paused.wait(HELD), "the import never reached its third chunk"
        assert _outputs(catalog, org_id) == 2 * CHUNK  # the first two chunks are committed
        r = catalog.client.post("/api/v1/needs", json={"title": "陶瓷基板激光切割"}, headers=ent)
        assert r.status_code == 201, r.text
    finally:
        resume.set()
        importer.join(HELD)
    assert outcome == {"created": ROWS} and _outputs(catalog, org_id) == ROWS
