"""CSV text to rows: honest encoding detection, delimiter detection, RFC 4180 quoting.

Encodings, in order: a byte-order mark decides (UTF-8, UTF-16, UTF-32); otherwise strict UTF-8;
otherwise strict GB18030 (which covers GBK and GB2312), kept only if the text reads as Chinese.
GB18030 maps almost any byte string to *some* characters, so a Shift-JIS, Big5 or Windows-1252
file would otherwise import as confident nonsense; we require at least 80% of its non-ASCII
characters to be in the everyday GB2312 repertoire (real Chinese text: >99%; Shift-JIS read as
GB18030: ~0%; Big5: ~50%). Latin-1 is never a fallback, because it decodes everything. Files with
NUL bytes are binary (or UTF-16 without a byte-order mark, which we do not guess at).

The delimiter is the one of ``, \\t ; |`` that splits the first 64 KB into the most records of one
equal width (two or more fields), parsing with the csv module so that delimiters inside quoted
fields ("C1, C3, C5") do not count; a one-column file falls back to the comma. (csv.Sniffer was
not used: it also guesses quoting rules and raises on one-column files.)

Values stay strings; an empty field becomes ``None``. Row ``i`` is record ``i + 1``, which differs
from the line number when a quoted field spans lines.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from jbp.errors import CatalogImportError, Location

if TYPE_CHECKING:
    from jbp.sheets import ReadLimits

DELIMITERS = ",\t;|"
_SNIFF_CHARS = 65536
_SNIFF_RECORDS = 50
_GB2312_SHARE = 0.8
_BYTE_ORDER_MARKS = [  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]


def read_csv_rows(path: Path, file: str, limits: ReadLimits) -> list[tuple[str | None, ...]]:
    """Rows of a CSV file, all of one width, trailing empty rows dropped."""
    return padded(list(iter_csv_rows(path, file, limits)))


def padded(rows: list[tuple]) -> list[tuple]:
    """The rows made as long as the longest with empty cells."""
    width = max(map(len, rows), default=0)
    return [row + (None,) * (width - len(row)) for row in rows]


def iter_csv_rows(path: Path, file: str, limits: ReadLimits) -> Iterator[tuple[str | None, ...]]:
    """Rows of a CSV file as they are parsed, each as long as its record; an empty row between rows
    with data is ``()``, trailing empty rows are dropped. Limits are checked as rows come."""
    text = decode_text(path.read_bytes(), file)
    delimiter = sniff_delimiter(text)
    blank_run = filled = cells = given = 0
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    while True:
        try:
            record = next(records, None)
        except csv.Error as exc:
            raise CatalogImportError(f"bad CSV ({exc})", Location(file=file, row=given + blank_run + 1)) from exc
        if record is None:
            break
        if not any(record):
            blank_run += 1
            continue
        row = tuple([field or None for field in record])  # an empty field is an empty cell
        filled += 1
        cells += len(row)
        if filled > limits.max_rows:
            raise CatalogImportError(f"the file has more than {limits.max_rows:,} rows with data", Location(file=file))
        if cells > limits.max_cells:
            raise CatalogImportError(f"the file has more than {limits.max_cells:,} cells", Location(file=file))
        if blank_run:
            yield from [()] * blank_run
            given, blank_run = given + blank_run, 0
        given += 1
        yield row
    if not filled:
        raise CatalogImportError("the file holds no data", Location(file=file))


def decode_text(data: bytes, file: str) -> str:
    """Decode CSV bytes as described in the module docstring, or say plainly why not."""
    where = Location(file=file)
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return data[len(mark) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise CatalogImportError(
                    f"the file starts with a {encoding.upper()} byte-order mark but has an invalid byte "
                    f"at byte offset {exc.start + len(mark)}",
                    where,
                ) from exc
    nul_offset = data.find(b"\x00")
    if nul_offset >= 0:
        raise CatalogImportError(
            f"not CSV text: NUL byte at byte offset {nul_offset} (a binary file, or UTF-16 "
            "without a byte-order mark); save it as UTF-8 CSV",
            where,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        gb_reason = f"not GB18030/GBK (invalid byte at byte offset {exc.start})"
    else:
        if _reads_as_chinese(text):
            return text
        gb_reason = "decoding it as GB18030/GBK gives characters unlikely in Chinese text"
    bad = data[utf8_error.start]
    raise CatalogImportError(
        f"unknown text encoding: not UTF-8 (byte 0x{bad:02X} at byte offset {utf8_error.start}), "
        f"{gb_reason}; tried UTF-8/UTF-16/UTF-32 byte-order marks, UTF-8, GB18030; "
        "save the file as UTF-8 CSV",
        where,
    )


def _reads_as_chinese(text: str, sample: int = 20000) -> bool:
    non_ascii = list(islice((char for char in text if char > "\x7f"), sample))
    in_gb2312 = sum(1 for char in non_ascii if _in_gb2312(char))
    return in_gb2312 >= _GB2312_SHARE * len(non_ascii)


def _in_gb2312(char: str) -> bool:
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def sniff_delimiter(text: str) -> str:
    """The delimiter among ``, \\t ; |`` that gives the most equal-width records (see module docstring)."""
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            records = list(islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), _SNIFF_RECORDS))
        except csv.Error:
            continue
        widths = Counter(len(record) for record in records if len(record) > 1)
        if widths:
            width, count = widths.most_common(1)[0]
            if (count, width) > best_score:
                best, best_score = delimiter, (count, width)
    return best
