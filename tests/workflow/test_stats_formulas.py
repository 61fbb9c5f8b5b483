"""A need title that looks like a formula never becomes a live formula in the bureau's exports."""

import io

from openpyxl import load_workbook

from tests.conftest import Catalog
from tests.workflow.helpers import API, make_pair

FORMULA = '=HYPERLINK("http://evil.example","点击")'


def test_unmet_needs_export_neutralises_formula_titles(catalog: Catalog) -> None:
    pair = make_pair(catalog)
    client = catalog.client
    r = client.post(f"{API}/needs", headers=pair.enterprise, json={"title": FORMULA, "cluster": "新能源电池"})
    assert r.status_code == 201, r.text
    book = load_workbook(io.BytesIO(client.get(f"{API}/stats/export", headers=pair.admin).content))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert "'" + FORMULA in [c.value for c in cells]
    csv_text = client.get(f"{API}/stats/export", params={"format": "csv", "report": "unmet_needs"},
                          headers=pair.admin).text
    assert "'" + FORMULA.replace('"', '""') in csv_text
