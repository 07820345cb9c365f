"""Roster files: one packet per row of a CSV (header row = variable names)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from printkit.errors import InputError, Problem, did_you_mean
from printkit.source.slug import unique_names
from printkit.source.variables import KEY_RE, RESERVED, parse_value, set_dotted
from printkit.source.yamlio import read_text

MAX_ROSTER_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_FIELD = 2000


@dataclass(frozen=True)
class Row:
    number: int          # line number in the file (header is line 1)
    values: dict[str, Any]
    slug: str
    label: str = ""      # the name column's text, for bookmarks


def column_problems(rows: list[Row], display: str, kit_id: str, reads: frozenset[str],
                    variables: frozenset[str]) -> list[Problem]:
    """Roster columns no template of the kit reads: their values would print nowhere.
    None used at all is an error (the packets would not be personalised); an unused column
    beside used ones is a warning (it may be there for the coordinator)."""
    columns = sorted({k for row in rows for k in row.values})
    used = [c for c in columns if c in reads]
    wanted = sorted(variables & reads) or sorted(reads)
    if not used:
        return [Problem(display, 1, f"none of the roster's columns ({', '.join(columns)}) is "
                        f"used by kit '{kit_id}', so no packet would be personalised",
                        f"Name the header row's columns after the kit's variables: "
                        f"{', '.join(wanted)}.")]
    out = []
    for column in columns:
        if column not in reads:
            out.append(Problem(display, 1, f"column '{column}' is not used by kit '{kit_id}'",
                               did_you_mean(column, wanted, "Its values print nowhere; remove "
                                            "it or check its name.", cutoff=0.5),
                               "warning"))
    return out


def read_roster(path: Path, display: str) -> list[Row]:
    """Parse a roster. Every problem names the row (file line) and column."""
    text = read_text(path, display, MAX_ROSTER_BYTES)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    problems: list[Problem] = []
    try:
        header = next(reader)
    except StopIteration:
        raise InputError([Problem(display, 1, "the roster is empty",
                                  "The first row names the variables, e.g. "
                                  "recruit_name,class_name.")]) from None
    except csv.Error as exc:
        raise InputError([Problem(display, 1, f"not valid CSV: {exc}",
                                  "Save the roster as CSV (comma-separated) in UTF-8.")]) from None
    columns = [h.strip() for h in header]
    for i, name in enumerate(columns, 1):
        if not name:
            problems.append(Problem(display, 1, f"column {i} has no name in the header row",
                                    "Give every column a variable name."))
        elif not KEY_RE.match(name):
            problems.append(Problem(display, 1, f"column {i} '{name}' is not a valid variable "
                                    "name", "Use letters, digits and underscores, e.g. "
                                    "recruit_name."))
        elif name.split(".")[0] in RESERVED - {"agency"}:
            problems.append(Problem(display, 1, f"column '{name}' is reserved by printkit",
                                    "Rename the column."))
    duplicates = {c for c in columns if c and columns.count(c) > 1}
    for name in sorted(duplicates):
        problems.append(Problem(display, 1, f"column '{name}' appears twice in the header",
                                "Keep one of them."))
    if problems:
        raise InputError(problems)
    rows: list[tuple[int, dict[str, Any], list[str]]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank line
            if len(rows) >= MAX_ROWS:
                problems.append(Problem(display, line, f"more than {MAX_ROWS:,} rows",
                                        "Split the roster into smaller files."))
                break
            if len(record) != len(columns):
                problems.append(Problem(display, line, f"row has {len(record)} values but the "
                                        f"header has {len(columns)} columns",
                                        "Check for a missing or extra comma; quote values "
                                        "that contain commas."))
                continue
            values: dict[str, Any] = {}
            for name, cell in zip(columns, record, strict=True):
                if len(cell) > MAX_FIELD:
                    problems.append(Problem(display, line, f"column '{name}': value is longer "
                                            f"than {MAX_FIELD} characters"))
                    continue
                if "\x00" in cell:
                    problems.append(Problem(display, line, f"column '{name}': contains a "
                                            "NUL character"))
                    continue
                set_dotted(values, name, parse_value(cell))
            rows.append((line, values, record))
    except csv.Error as exc:
        problems.append(Problem(display, reader.line_num, f"not valid CSV: {exc}",
                                "Save the roster as CSV (comma-separated) in UTF-8."))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError([Problem(display, 1, "the roster has a header but no rows",
                                  "Add one row per person.")])
    name_col = next((i for i, c in enumerate(columns) if "name" in c.lower()), 0)
    slugs = unique_names([r[2][name_col] for r in rows], fallback="row")
    return [Row(line, values, slug, " ".join(record[name_col].split()) or f"Row {line}")
            for (line, values, record), slug in zip(rows, slugs, strict=True)]
