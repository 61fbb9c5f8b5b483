"""A decompression bomb: a small XLSX whose one sheet unpacks to 2 million rows.

Measures, in one process and one run, how long the import parser takes to refuse it and how much memory it
allocates on the way (tracemalloc peak), beside raw openpyxl reading the first rows of the same sheet.

    .venv/bin/python -m benchmarks.import_bomb [--rows 2000000] [--raw-rows 200000]
"""

import argparse
import contextlib
import io
import time
import tracemalloc
import zipfile

from services.catalog.core.errors import AppError
from services.catalog.imports.parsing import read_sheet

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>")
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>")
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
            '<sheet name="成果" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                 "</Relationships>")


def bomb(rows: int) -> bytes:
    """An XLSX of one sheet: a 标题 header and `rows` identical data rows (no <dimension>, as a bomb would)."""
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>')
    body = "".join(f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>锂电池回收</t></is></c></row>' for i in range(2, rows + 2))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", head + body + "</sheetData></worksheet>")
    return buffer.getvalue()


def refuse(data: bytes) -> tuple[float, float, str]:
    """Seconds until read_sheet refuses the file, peak MB it allocates (a second, traced pass), what it said."""
    said = "accepted"
    started = time.perf_counter()
    try:
        read_sheet(data, "bomb.xlsx")
    except AppError as exc:
        said = f"{exc.status_code} {exc.en}"
    seconds = time.perf_counter() - started
    tracemalloc.start()  # traced apart: tracing slows allocation-heavy code several times over
    with contextlib.suppress(AppError):
        read_sheet(data, "bomb.xlsx")
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    return seconds, peak, said


def raw_openpyxl(data: bytes, rows: int) -> float:
    """Seconds raw openpyxl (read-only, values only) takes to read the first `rows` rows."""
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for i, _ in enumerate(book.worksheets[0].iter_rows(values_only=True)):
        if i >= rows:
            break
    book.close()
    return time.perf_counter() - started


def main() -> None:
    """Build the bomb, refuse it, and read the same rows with raw openpyxl."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--raw-rows", type=int, default=100_000)
    args = parser.parse_args()
    data = bomb(args.rows)
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    print(f"bomb: {len(data) / 1024:.0f} KB on disk, {unpacked / 1024 / 1024:.0f} MB unpacked, {args.rows:,} rows")
    seconds, peak, said = refuse(data)
    print(f"read_sheet: {seconds:.2f} s, peak {peak:.1f} MB allocated -> {said}")
    print(f"raw openpyxl, first {args.raw_rows:,} rows: {raw_openpyxl(data, args.raw_rows):.2f} s")


if __name__ == "__main__":
    main()
