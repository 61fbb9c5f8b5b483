"""Large uploads run as a background job whose progress reaches 100%; jobs are private to their creator and admins."""

import time

from tests.catalog.fixtures_import import OUTPUT_HEADERS, csv_bytes, output_row, snapshot, upload
from tests.conftest import Catalog


def _wait(catalog: Catalog, url: str, headers: dict[str, str]) -> list[dict]:
    seen = []
    deadline = time.monotonic() + 300  # a bound against hanging, not a speed assertion
    while time.monotonic() < deadline:
        r = catalog.client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if r.json()["status"] in ("succeeded", "failed"):
            return seen
        time.sleep(0.2)
    raise AssertionError(f"job did not finish: {seen[-1]}")


def test_large_upload_runs_as_job_with_progress_to_100_percent_visible_to_creator_and_admins(
        catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    colleague = catalog.user("wyu2", "university", "五邑大学")
    admin = catalog.user("admin", "admin")
    rows = catalog.settings.import_job_threshold  # at the threshold a file becomes a job
    content = csv_bytes(OUTPUT_HEADERS, [output_row(i) for i in range(rows)])
    r = upload(catalog, "outputs", "big.csv", content, wyu)
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["total"] == rows and accepted["url"] == f"/api/v1/jobs/{accepted['job_id']}"
    seen = _wait(catalog, accepted["url"], wyu)
    final = seen[-1]
    assert final["status"] == "succeeded", final
    assert final["processed"] == final["total"] == rows and final["percent"] == 100.0
    assert final["result"]["created"] == rows and final["finished_at"] is not None
    percents = [s["percent"] for s in seen]
    assert percents == sorted(percents)
    assert catalog.client.get("/api/v1/outputs").json()["count"] == rows
    assert catalog.client.get(accepted["url"], headers=colleague).status_code == 404
    assert catalog.client.get(accepted["url"], headers=admin).json()["status"] == "succeeded"
    assert catalog.client.get(accepted["url"]).status_code == 401
    assert catalog.client.get("/api/v1/jobs/no-such-job", headers=admin).status_code == 404
    # the same file again: a job that changes nothing
    before = snapshot(catalog)
    again = upload(catalog, "outputs", "big.csv", content, wyu)
    final = _wait(catalog, again.json()["url"], wyu)[-1]
    assert final["result"]["unchanged"] == rows and snapshot(catalog) == before


def test_invalid_large_upload_is_refused_before_any_job_starts(catalog: Catalog) -> None:
    wyu = catalog.user("wyu", "university", "五邑大学")
    rows = [output_row(i) for i in range(catalog.settings.import_job_threshold + 5)]
    rows[-1] = output_row(999, **{"价格(元)": "贵"})
    before = snapshot(catalog)
    r = upload(catalog, "outputs", "big.csv", csv_bytes(OUTPUT_HEADERS, rows), wyu)
    assert r.status_code == 422
    assert r.json()["detail"] == [{"row": len(rows) + 1, "column": "价格(元)", "message": "应为数字"}]
    assert snapshot(catalog) == before
