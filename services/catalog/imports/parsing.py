"""Reading an uploaded CSV, XLSX or JSON Lines file into numbered rows of raw cells."""

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from charset_normalizer import from_bytes

from services.catalog.core.errors import AppError

FORMATS = ("csv", "xlsx", "jsonl")
_SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx", ".jsonl": "jsonl",
             ".ndjson": "jsonl", ".json": "jsonl"}
_CONTENT_TYPES = {"text/csv": "csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
                  "application/x-ndjson": "jsonl", "application/jsonl": "jsonl", "application/json": "jsonl"}
# Control characters other than tab, CR and LF never occur in a real text file; many mean a wrong guess.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]")
ZIP_MAGIC = b"PK\x03\x04"
MAX_ROWS = 100_000  # data rows of one upload (DUIJIE_IMPORT_MAX_ROWS)
MAX_CELLS = 5_000_000  # cells of one upload, counted as they are read
MAX_UNPACKED = 500 * 1024 * 1024  # what an XLSX may expand to, by its own directory
TAG_BYTES = 16  # longer than any tag counted, namespace prefix included
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


@dataclass
class RawRow:
    """One data row: its number as the user sees it (header = row 1) and its cells by header text."""

    number: int
    cells: dict[str, Any]


@dataclass
class Sheet:
    """The headers and data rows of an uploaded file."""

    format: str
    headers: list[str]
    rows: list[RawRow] = field(default_factory=list)


@dataclass(frozen=True)
class Limits:
    """How much an upload may hold once unpacked; checked while reading, before the whole sheet is in memory."""

    rows: int = MAX_ROWS
    cells: int = MAX_CELLS
    unpacked_bytes: int = MAX_UNPACKED

    def check(self, *, rows: int, cells: int) -> None:
        """413 naming the cap, once the rows or cells read so far exceed it."""
        if rows > self.rows:
            raise AppError(f"文件超过 {self.rows:,} 行的上限，请拆分后分批上传",
                           f"The file has more than {self.rows:,} rows, the limit; split it", status_code=413,
                           code="too_large")
        if cells > self.cells:
            raise AppError(f"文件超过 {self.cells:,} 个单元格的上限，请拆分后分批上传",
                           f"The file has more than {self.cells:,} cells, the limit; split it", status_code=413,
                           code="too_large")


def unsupported(zh: str, en: str) -> AppError:
    """A 415 for a file that is not what its name says or not a format we read."""
    return AppError(zh, en, status_code=415, code="unsupported_file")


def unreadable(zh: str, en: str, detail: list[dict[str, Any]] | None = None) -> AppError:
    """A 422 for a file we recognise but cannot read."""
    return AppError(zh, en, status_code=422, code="unreadable_file", detail=detail)


def detect_format(filename: str | None, content_type: str | None) -> str:
    """csv, xlsx or jsonl from the file name, else from the content type; 415 otherwise."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xls":
        raise unsupported("不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx", "Old .xls files are not supported; save as .xlsx")
    fmt = _SUFFIXES.get(suffix) or _CONTENT_TYPES.get((content_type or "").split(";")[0].strip().lower())
    if fmt is None:
        raise unsupported(f"不支持的文件类型 {suffix or content_type or '（未知）'}，请上传 CSV、XLSX 或 JSON Lines 文件",
                          f"Unsupported file type {suffix or content_type or '(unknown)'}; upload CSV, XLSX or JSON Lines")
    return fmt


def decode_text(data: bytes) -> str:
    """Text of a CSV or JSON Lines file: UTF-8 (with or without BOM), else the detected encoding (e.g. GBK)."""
    if data.startswith(ZIP_MAGIC) or data.startswith(OLE_MAGIC):
        raise unsupported("文件内容是 Excel 工作簿而不是文本，请使用 .xlsx 扩展名上传",
                          "The file is an Excel workbook, not text; upload it with the .xlsx extension")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise unreadable("无法识别文件编码，请另存为 UTF-8 编码的 CSV", "Cannot tell the file's encoding; save it as UTF-8 CSV") from None
        text = str(best)
    if _CONTROL.search(text):
        raise unreadable("文件包含无法识别的字符，可能是编码错误或不是文本文件，请另存为 UTF-8 编码的 CSV",
                         "The file holds unreadable characters (wrong encoding or not a text file); save it as UTF-8 CSV")
    return text


def _delimiter(header_line: str) -> str:
    # Excel writes commas, or tabs for "Unicode text", or semicolons in some locales; the header line tells.
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, limits: Limits) -> Sheet:
    text = decode_text(data)
    records: list[list[str]] = []
    cells = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.partition("\n")[0])):
            records.append(record)
            cells += len(record)
            limits.check(rows=len(records) - 1, cells=cells)
    except csv.Error as exc:
        raise unreadable(f"CSV 格式错误：{exc}", f"Invalid CSV: {exc}") from exc
    if not records:
        raise _empty()
    headers = [h.strip() for h in records[0]]
    sheet = Sheet("csv", headers)
    for offset, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(headers) and any(cell.strip() for cell in record[len(headers):]):
            raise unreadable(f"第 {offset} 行的列数多于表头", f"Row {offset} has more cells than the header row",
                             [{"row": offset, "column": "", "message": "列数多于表头 / more cells than headers"}])
        sheet.rows.append(RawRow(offset, dict(zip(headers, record, strict=False))))
    return sheet


def _read_xlsx(data: bytes, limits: Limits) -> Sheet:
    from openpyxl import load_workbook

    if not data.startswith(ZIP_MAGIC):
        raise unsupported("文件扩展名是 .xlsx，但内容不是 Excel 工作簿", "The file is named .xlsx but is not an Excel workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.unpacked_bytes:
            mb = limits.unpacked_bytes / 1024 / 1024
            raise AppError(f"工作簿解压后超过 {mb:g} MB 的上限，请拆分后分批上传",
                           f"The workbook unpacks to more than {mb:g} MB, the limit; split it", status_code=413,
                           code="too_large")
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _count_rows_and_cells(archive, name, limits)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except AppError:
        raise
    except Exception as exc:  # zip, XML and value errors of many kinds: all mean a damaged workbook
        raise unreadable("无法读取该 Excel 工作簿，文件可能已损坏", "Cannot read this Excel workbook; it may be damaged") from exc
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise _empty()
        headers = ["" if h is None else str(h).strip() for h in first]
        sheet = Sheet("xlsx", headers)
        cells = len(headers)
        for number, values in enumerate(rows, start=2):
            cells += len(values)
            limits.check(rows=number - 1, cells=cells)  # blank rows count too: they cost the same to read
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            sheet.rows.append(RawRow(number, {h: v for h, v in zip(headers, values, strict=False) if h}))
        return sheet
    except AppError:
        raise
    except Exception as exc:  # a damaged sheet inside a sound zip: openpyxl raises XML and value errors of many kinds
        raise unreadable("无法读取该 Excel 工作表，文件可能已损坏", "Cannot read this Excel sheet; it may be damaged") from exc
    finally:
        book.close()


def _count_rows_and_cells(archive: zipfile.ZipFile, name: str, limits: Limits, chunk: int = 1 << 20) -> tuple[int, int]:
    """Rows and cells of a sheet, counted on its unpacked XML in chunks without parsing it (a bomb's rows
    cost microseconds here and milliseconds each in an XML parser); 413 as soon as they pass the limits."""
    rows = cells = 0
    with archive.open(name) as sheet:
        block = sheet.read(4096)
        found = re.search(rb"<(\w+:)?worksheet[\s>]", block)
        ns = (found.group(1) or b"") if found else b""  # a namespace prefix: <x:worksheet> has <x:row> rows
        row_tags, cell_tags = (b"<" + ns + b"row ", b"<" + ns + b"row>"), (b"<" + ns + b"c ", b"<" + ns + b"c>")
        carry = b""
        while block or carry:
            window = carry + block
            cut = window.rfind(b"<")
            if not block or cut == -1 or len(window) - cut > TAG_BYTES:
                cut = len(window)  # no tag can be cut in two at the end: count it all
            counted, carry = window[:cut], window[cut:]
            rows += sum(counted.count(tag) for tag in row_tags)
            cells += sum(counted.count(tag) for tag in cell_tags)
            limits.check(rows=rows - 1, cells=cells)  # the header row is not a data row
            block = sheet.read(chunk) if block else b""
    return rows, cells


def _read_jsonl(data: bytes, limits: Limits) -> Sheet:
    text = decode_text(data)
    stripped = text.lstrip()
    if stripped.startswith("["):
        # A plain JSON array of objects is accepted too; its rows are numbered by position.
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise unreadable(f"JSON 格式错误：第 {exc.lineno} 行", f"Invalid JSON at line {exc.lineno}") from exc
        lines = [(i, item) for i, item in enumerate(items, start=1)]
        limits.check(rows=len(lines), cells=0)
    else:
        lines = []
        errors = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            limits.check(rows=len(lines) + 1, cells=0)
            try:
                lines.append((number, json.loads(line)))
            except json.JSONDecodeError:
                errors.append({"row": number, "column": "", "message": "JSON 格式错误 / invalid JSON"})
        if errors:
            raise unreadable(f"第 {errors[0]['row']} 行不是有效的 JSON（共 {len(errors)} 行）",
                             f"Line {errors[0]['row']} is not valid JSON ({len(errors)} lines)", errors)
    headers: dict[str, None] = {}
    sheet = Sheet("jsonl", [])
    for number, item in lines:
        if not isinstance(item, dict):
            raise unreadable(f"第 {number} 行应为 JSON 对象", f"Line {number} should be a JSON object",
                             [{"row": number, "column": "", "message": "应为对象 / should be an object"}])
        headers.update(dict.fromkeys(str(k) for k in item))
        sheet.rows.append(RawRow(number, {str(k): v for k, v in item.items()}))
    sheet.headers = list(headers)
    return sheet


def _empty() -> AppError:
    return unreadable("文件为空，没有表头和数据行", "The file is empty: no header and no data rows")


def read_sheet(data: bytes, filename: str | None, content_type: str | None = None, *,
               limits: Limits | None = None) -> Sheet:
    """Parse an upload into numbered rows; 415 for a wrong or mislabelled type, 422 for unreadable or empty files."""
    fmt = detect_format(filename, content_type)
    if not data.strip():
        raise _empty()
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "jsonl": _read_jsonl}[fmt]
    sheet = reader(data, limits or Limits())
    if not sheet.rows:
        raise unreadable("文件中没有数据行（只有表头或全是空行）", "The file has no data rows (only a header or blank lines)")
    return sheet
