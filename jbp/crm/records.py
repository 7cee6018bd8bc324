"""Customer and event files as records: CSV and spreadsheets through the catalog's safe sheet reader, JSON
Lines one object per line. Keys are mapped to field names through zh/en header spellings; a malformed JSON
line is a problem with its line number, not the end of the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from jbp.errors import DataError, Location
from jbp.sheets import read_sheets
from jbp.sheets.folding import fold_header

MAX_LINE_BYTES = 1 << 20
JSON_SUFFIXES = {".jsonl", ".ndjson", ".json"}


@dataclass
class Record:
    location: Location
    values: dict  # key as written in the file -> value (empty values left out)

    def fields(self, spelling: dict[str, str]) -> tuple[dict, dict]:
        """(field name -> value for the keys `spelling` knows, key as written -> value for the others)."""
        known, rest = {}, {}
        for key, value in self.values.items():
            name = spelling.get(fold_header(key))
            if name is None:
                rest[key] = value
            else:
                known[name] = value
        return known, rest


def spellings(headers: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """folded header -> field name, for `Record.fields`."""
    return {fold_header(s): name for name, written in headers.items() for s in (name, *written)}


@dataclass
class Problem:
    location: Location
    reason: str


def read_records(path: Path | str) -> tuple[list[Record], list[Problem]]:
    """The file's records, and the lines that could not be read."""
    path = Path(path)
    if path.suffix.lower() in JSON_SUFFIXES:
        return _json_lines(path)
    records: list[Record] = []
    for sheet in read_sheets(path):
        rows = sheet.rows
        start = next((i for i, row in enumerate(rows) if any(v not in (None, "") for v in row)), None)
        if start is None:
            continue
        names = ["" if v is None else str(v).strip() for v in rows[start]]
        for index in range(start + 1, len(rows)):
            row = rows[index]
            if all(v in (None, "") for v in row):
                continue
            values = {n: v for n, v in zip(names, row, strict=True) if n and v not in (None, "")}
            records.append(Record(Location(file=str(path), sheet=sheet.name, row=index + 1), values))
    return records, []


def first_keys(path: Path | str) -> list[str]:
    """The keys of the file's first record (a JSON line, or the header of the first sheet), to tell what it holds
    without reading it all."""
    path = Path(path)
    if path.suffix.lower() in JSON_SUFFIXES:
        for _number, line in _lines(path):
            try:
                document = json.loads(line) if line else None
            except json.JSONDecodeError:
                continue
            if isinstance(document, dict):
                return [str(k) for k in document]
        return []
    records, _ = read_records(path)
    return list(records[0].values) if records else []


def _json_lines(path: Path) -> tuple[list[Record], list[Problem]]:
    records: list[Record] = []
    problems: list[Problem] = []
    for number, line in _lines(path):
        where = Location(file=str(path), row=number)
        if line is None:
            problems.append(Problem(where, "not UTF-8 text"))
            continue
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(Location(file=str(path), row=number, column=str(exc.colno)),
                                    f"not valid JSON: {exc.msg}"))
            continue
        if not isinstance(document, dict):
            problems.append(Problem(where, "each line holds one JSON object"))
            continue
        records.append(Record(where, {str(k): v for k, v in document.items() if v not in (None, "")}))
    return records, problems


def _lines(path: Path) -> Iterator[tuple[int, str | None]]:
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if len(raw) > MAX_LINE_BYTES:
                    raise DataError(f"a line of {len(raw):,} bytes (the limit is {MAX_LINE_BYTES:,})",
                                    Location(file=str(path), row=number))
                try:
                    yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    yield number, None
    except FileNotFoundError as exc:
        raise DataError("no such file", Location(file=str(path))) from exc


@dataclass
class ImportReport:
    """What a CRM import did. status: committed | rejected (nothing written) | dry_run."""

    source: str
    kind: str  # customers | events
    status: str = "committed"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    events_added: int = 0
    events_duplicate: int = 0
    events_unmatched: int = 0
    events_rematched: int = 0
    unmatched_refs: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        document = {k: v for k, v in self.__dict__.items() if k != "problems"}
        document["problems"] = [{"file": p.location.file, "sheet": p.location.sheet, "row": p.location.row,
                                 "column": p.location.column, "reason": p.reason} for p in self.problems]
        return document
