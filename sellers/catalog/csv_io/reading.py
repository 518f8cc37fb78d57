"""Reading an uploaded CSV into rows, with the problems of the file as a whole.

File problems (not UTF-8, empty, too large, unknown or missing columns, too many rows)
raise `ApplicationError(field="file")`: nothing about the rows can be said then. Row
problems are the dry run's business (`sellers.catalog.csv_io.checks`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from marketplace.errors import ApplicationError
from sellers.catalog.csv_io.columns import (
    COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    OPTION_NUMBERS,
    REQUIRED_COLUMNS,
    cell_read,
    normalise_column,
)


@dataclass(frozen=True)
class Row:
    """One data row. `number` is its row in a spreadsheet (the header is row 1)."""

    number: int
    cells: dict[str, str]
    extra_cells: bool = False

    def get(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]
    rows: list[Row]


def file_error(message: str) -> ApplicationError:
    return ApplicationError(message, field="file", code="invalid_file")


def csv_decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without the byte order mark Excel writes."""
    if len(data) > MAX_BYTES:
        raise file_error(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; import at most 20 MB at a time "
            "(split it into several files)."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(
            "The file isn't UTF-8 text. In Excel, save it as “CSV UTF-8 (Comma delimited)”; "
            "in Numbers or Google Sheets, export it as CSV."
        ) from None
    if "\x00" in text:
        raise file_error("This isn't a CSV file: it contains binary data.")
    return text


def csv_read(*, text: str) -> CsvFile:
    """The header's columns and every non-blank row, cells cleaned of export quoting.

    Raises ApplicationError(field="file") for problems with the file as a whole.
    """
    if not text.strip():
        raise file_error("The file is empty. Start from the template below.")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        columns = _check_header(header)
        rows: list[Row] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, often at the end of a spreadsheet export
            if len(rows) == MAX_ROWS:
                raise file_error(
                    f"The file has more than {MAX_ROWS:,} rows; import at most {MAX_ROWS:,} "
                    "at a time (split it into several files)."
                )
            extra = any(cell.strip() for cell in cells[len(columns) :])
            values = {
                column: cell_read(cells[index]) if index < len(cells) else ""
                for index, column in enumerate(columns)
            }
            rows.append(Row(number=number, cells=values, extra_cells=extra))
    except csv.Error as error:
        raise file_error(
            f"Line {reader.line_num} isn't valid CSV ({error}). Check the quotes around its "
            "cells, or save the file again from your spreadsheet."
        ) from None
    if not rows:
        raise file_error("The file has a header but no product rows under it.")
    return CsvFile(columns=columns, rows=rows)


def _check_header(header: list[str]) -> tuple[str, ...]:
    columns = tuple(normalise_column(cell_read(name)) for name in header)
    while columns and not columns[-1]:
        columns = columns[:-1]  # trailing empty header cells (a spreadsheet's extra comma)
    problems = []
    unknown = [name or "(empty)" for name in columns if name not in COLUMNS]
    if unknown:
        problems.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(f'“{name}”' for name in unknown)}. The columns are: "
            f"{', '.join(COLUMNS)}."
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        problems.append(f"Each column may appear once: {', '.join(repeated)} appear twice.")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(f"The file needs the column{'s' if len(missing) > 1 else ''} "
                        f"{' and '.join(missing)}.")  # fmt: skip
    for number in OPTION_NUMBERS:
        pair = (f"option{number}_name", f"option{number}_value")
        if (pair[0] in columns) != (pair[1] in columns):
            problems.append(f"{pair[0]} and {pair[1]} go together: add the missing column.")
    if problems:
        if len(columns) <= 1 and "handle" not in columns:
            problems.insert(0, "This doesn't look like a product CSV (comma-separated).")
        raise file_error(" ".join(problems))
    return columns
