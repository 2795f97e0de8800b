"""Lists to Excel (.xlsx, openpyxl write-only, through a temp file) and CSV (UTF-8 with BOM, so
Excel opens the Chinese correctly), streamed: no list is built whole in memory."""
from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator
from urllib.parse import quote

from starlette.background import BackgroundTask
from starlette.responses import FileResponse, StreamingResponse

FORMATS = ("xlsx", "csv")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def disposition(filename: str, ascii_name: str) -> str:
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def _cell(value):
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # no formula injection from data typed on a laptop
    return value


def csv_stream(columns, rows: Iterable[dict]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.label for c in columns])
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    n = 0
    for row in rows:
        writer.writerow([_cell(row.get(c.key, "")) for c in columns])
        n += 1
        if n % 500 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def csv_response(columns, rows, filename: str, ascii_name: str) -> StreamingResponse:
    return StreamingResponse(csv_stream(columns, rows), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": disposition(filename, ascii_name),
                                      "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def write_xlsx(path: str, title: str, columns, rows: Iterable[dict], notes: list[str] = ()) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    for i, c in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = c.width + 2
    ws.freeze_panes = "A2"
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c.label)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append([_cell(row.get(c.key, "")) for c in columns])
    if notes:
        info = wb.create_sheet("说明")
        for line in notes:
            info.append([line])
    wb.save(path)


def xlsx_response(title: str, columns, rows, filename: str, ascii_name: str, notes: list[str] = ()) -> FileResponse:
    fd, path = tempfile.mkstemp(prefix="inspector-export-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(path, title, columns, rows, notes)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=XLSX, background=BackgroundTask(os.unlink, path),
                        headers={"Content-Disposition": disposition(filename, ascii_name), "Cache-Control": "no-store"})
