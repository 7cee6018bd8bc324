"""Checks on a workbook file made before calamine reads it, because calamine trusts the file.

Workbooks come from buyers and partners, so we assume some are hostile:

- **Zip bombs.** An .xlsx/.ods is a zip; a few KB can declare or inflate to gigabytes. We refuse
  totals over ``max_uncompressed_bytes``, members compressed more than ``max_compression_ratio``,
  and members that inflate to more than they declare (calamine's zip reader does not stop there).
- **Sparse sheets.** calamine allocates the whole rectangle from the first to the last cell that
  has a value: a 226-byte .xlsx with cells at A1 and XFD1048576 asks for 550 GB and the process
  *aborts* (a Rust allocation failure, not a Python exception). So sheet XML is tokenised here to
  find the furthest cell, mirroring how calamine places cells, and refused over ``max_cells``.
  This costs roughly what calamine's own read costs; it is the price of not dying on 226 bytes.
- **Odd member names** (``..``, absolute paths) only appear in crafted archives; we refuse them.
- **Password-protected workbooks** are OLE2 files holding an ``EncryptedPackage`` stream; we say so
  instead of reporting a confusing parse error.

Legacy .xls (BIFF) cannot be pre-scanned this cheaply; its grid is capped at 65,536 × 256 cells,
which bounds calamine's allocation at about half a gigabyte.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from jbp.errors import CatalogImportError, Location
from jbp.zip_sizes import declared_excess

if TYPE_CHECKING:
    from jbp.sheets import ReadLimits

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM_NAME = "EncryptedPackage".encode("utf-16-le")
_CHUNK = 1 << 20

# The attributes of a tag up to its '>' (quoted values may hold '>'), for the tag patterns below.
_ATTRS = rb"""([\s/][^<>"']*(?:(?:"[^"<]*"|'[^'<]*')[^<>"']*)*)?>"""
_XLSX_TAG = re.compile(rb"<(/?)(?:[\w.-]+:)?(c|row)" + _ATTRS)
_PLAIN_CELL = re.compile(rb"""<c r="([A-Za-z]+)([0-9]+)"(?:\s+(?!r=)[^\s=<>/"']+="[^"<]*")*\s*(/?)>""")
_ANY_CELL = re.compile(rb"<c[\s/>]")
_PREFIXED_CELL = re.compile(rb"""<[^\s<>/!?"']+:c[\s/>]""")
_ODS_TAG = re.compile(
    rb"<(?:(/)table:(table-row|table)\s*>|table:(table-row|table-cell|covered-table-cell|table)" + _ATTRS + rb")"
)
_ATTR = re.compile(rb"""([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")


def check_zip_workbook(path: Path, file: str, limits: ReadLimits) -> str:
    """Refuse a hostile or unreadable zip workbook; return its kind, ``"xlsx"`` or ``"ods"``."""
    where = Location(file=file)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CatalogImportError(f"not a readable spreadsheet (damaged zip: {exc})", where) from exc
    with archive:
        members = archive.infolist()
        kind = _workbook_kind({info.filename for info in members}, where)
        _check_declared_sizes(members, limits, where)
        with open(path, "rb") as handle:
            for info in members:
                inflate = partial(_inflate, handle, info, where)
                if kind == "xlsx":
                    _check_xlsx_extent(inflate, info.filename, limits, where)
                elif info.filename == "content.xml":
                    _check_ods_extent(inflate(), limits, where)
                else:
                    for _ in inflate():
                        pass
    return kind


def check_ole_workbook(path: Path, file: str) -> None:
    """Refuse an OLE2 file that is an encrypted (password-protected) Office workbook."""
    overlap = len(_ENCRYPTED_STREAM_NAME) - 1
    tail = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            if _ENCRYPTED_STREAM_NAME in tail + chunk:
                raise CatalogImportError(
                    "the workbook is password-protected; save it without a password and import it again",
                    Location(file=file),
                )
            tail = chunk[-overlap:]


def _workbook_kind(names: set[str], where: Location) -> str:
    for name in names:
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or re.match(r"[A-Za-z]:", name):
            raise CatalogImportError(f"unsafe member name {name!r} in the zip archive; refusing it", where)
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        return "ods"
    if "xl/workbook.bin" in names:
        raise CatalogImportError(
            "binary .xlsb workbooks cannot be size-checked before reading; save the file as .xlsx", where
        )
    raise CatalogImportError("not a readable spreadsheet (a zip file without a workbook in it)", where)


def _check_declared_sizes(members: list[zipfile.ZipInfo], limits: ReadLimits, where: Location) -> None:
    excess = declared_excess(members, limits.max_uncompressed_bytes, limits.max_compression_ratio)
    if excess:
        raise CatalogImportError(f"looks like a zip bomb: {excess.what}", where)


def _inflate(handle: BinaryIO, info: zipfile.ZipInfo, where: Location) -> Iterator[bytes]:
    """Yield a member's bytes, inflated here from the raw data so that a size it lies about is caught."""
    produced = 0
    for data in _inflated_pieces(handle, info, where):
        produced += len(data)
        if produced > info.file_size:
            raise CatalogImportError(
                f"looks like a zip bomb: member {info.filename!r} inflates to more than the "
                f"{info.file_size:,} bytes it declares",
                where,
            )
        yield data


def _inflated_pieces(handle: BinaryIO, info: zipfile.ZipInfo, where: Location) -> Iterator[bytes]:
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise CatalogImportError(
            f"not a readable spreadsheet (member {info.filename!r} is encrypted or compressed unusually)",
            where,
        )
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise CatalogImportError(f"not a readable spreadsheet (damaged zip member {info.filename!r})", where)
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    remaining = info.compress_size
    try:
        while remaining > 0:
            raw = handle.read(min(remaining, _CHUNK))
            if not raw:
                raise CatalogImportError(f"not a readable spreadsheet (truncated member {info.filename!r})", where)
            remaining -= len(raw)
            while inflater and raw:  # at most _CHUNK bytes out per call, however well it compresses
                yield inflater.decompress(raw, _CHUNK)
                raw = inflater.unconsumed_tail
            if raw:
                yield raw
        if inflater:
            yield inflater.flush()  # what zlib still holds once all input is in: a few bytes
    except zlib.error as exc:
        raise CatalogImportError(
            f"not a readable spreadsheet (damaged zip member {info.filename!r}: {exc})", where
        ) from exc


def _whole_tags(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Re-cut chunks so that no tag straddles two: each piece ends before a '<' (which XML forbids
    inside attribute values, unlike '>')."""
    carry = b""
    for chunk in chunks:
        buffer = carry + chunk
        cut = buffer.rfind(b"<")
        if cut > 0:
            yield buffer[:cut]
        carry = buffer[cut:] if cut >= 0 else b""
    yield carry


def _check_xlsx_extent(
    inflate: Callable[[], Iterator[bytes]], member: str, limits: ReadLimits, where: Location
) -> None:
    extent = _plain_xlsx_extent(inflate())
    if extent is None:  # cells written unusually: place each one as calamine does, more slowly
        extent = _exact_xlsx_extent(inflate(), member, where)
    _check_area(extent[0] + 1, extent[1] + 1, member, limits, where)


def _plain_xlsx_extent(chunks: Iterator[bytes]) -> tuple[int, int] | None:
    """Zero-based furthest row and column of a cell that may hold a value, if every cell tag is the
    plain ``<c r="B12" …>`` that Excel, LibreOffice and openpyxl write (``None`` otherwise)."""
    last_row = last_col = -1
    for piece in _whole_tags(chunks):
        cells = _PLAIN_CELL.findall(piece)
        if len(cells) != len(_ANY_CELL.findall(piece)) or _PREFIXED_CELL.search(piece):
            return None
        rows = [digits for _, digits, slash in cells if not slash]
        if rows:  # int() and max() over the row numbers run in C; a sheet has few distinct columns
            last_row = max(last_row, max(map(int, rows)) - 1)
            columns = {letters for letters, _, slash in cells if not slash}
            last_col = max(last_col, max(map(_column_index, columns)))
    return last_row, last_col


def _exact_xlsx_extent(chunks: Iterator[bytes], member: str, where: Location) -> tuple[int, int]:
    """Place cells as calamine does (explicit ``r``, else the running row and column; a self-closing
    tag is an empty start and end). Where an attribute is repeated, the largest value is assumed."""
    row = col = 0
    last_row = last_col = -1
    for slash, name, attrs in _tags(chunks, _XLSX_TAG):
        if slash:
            if name == b"row":
                row, col = row + 1, 0
            continue
        references = [_reference(text, member, where) for text in _attribute_values(attrs, b"r")]
        self_closing = attrs.endswith(b"/")
        if name == b"row":
            if references:
                if any(column >= 0 for _, column in references):
                    raise _bad_reference(attrs, member, where)
                row = max(r for r, _ in references)
            if self_closing:
                row, col = row + 1, 0
            continue
        if references:
            cell_row, col = max(r for r, _ in references), max(c for _, c in references)
        else:
            cell_row = row
        if not self_closing:
            last_row, last_col = max(last_row, cell_row), max(last_col, col)
        col += 1
    return last_row, last_col


def _tags(chunks: Iterator[bytes], pattern: re.Pattern[bytes]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """(slash, name, attributes) of each tag matching ``pattern``."""
    for piece in _whole_tags(chunks):
        for match in pattern.finditer(piece):
            yield match.group(1), match.group(2), match.group(3) or b""


def _attribute_values(attrs: bytes, name: bytes) -> list[bytes]:
    return [
        match.group(2) if match.group(2) is not None else match.group(3)
        for match in _ATTR.finditer(attrs)
        if match.group(1) == name
    ]


def _reference(text: bytes, member: str, where: Location) -> tuple[int, int]:
    position = cell_position(text)
    if position is None:
        raise _bad_reference(text, member, where)
    return position


def cell_position(reference: bytes) -> tuple[int, int] | None:
    """Zero-based (row, column) of a reference such as ``B12`` (column -1 for a bare row number
    such as ``12``), read as calamine reads it; ``None`` if it is not one."""
    match = _CELL_REF.fullmatch(reference)
    return None if match is None else (int(match.group(2)) - 1, _column_index(match.group(1)))


def _column_index(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number - 1


def _bad_reference(text: bytes, member: str, where: Location) -> CatalogImportError:
    return CatalogImportError(f"not a readable spreadsheet (bad cell reference {text!r} in {member})", where)


def _check_ods_extent(chunks: Iterator[bytes], limits: ReadLimits, where: Location) -> None:
    """Per table, find the furthest cell that may hold a value, expanding row and column repeats."""
    row = col = repeat_rows = 0
    last_row = last_col = -1
    row_has_value = False
    for piece in _whole_tags(chunks):
        for _slash, closed, name, attrs in _ODS_TAG.findall(piece):
            if name in (b"table-cell", b"covered-table-cell"):
                repeat = _repeat(attrs, b"table:number-columns-repeated", where) if b"repeated" in attrs else 1
                if not attrs.endswith(b"/") or b"office:" in attrs or b"table:formula" in attrs:
                    last_col, row_has_value = max(last_col, col + repeat - 1), True
                col += repeat
            elif name == b"table-row":
                repeat_rows, col, row_has_value = _repeat(attrs, b"table:number-rows-repeated", where), 0, False
                if attrs.endswith(b"/"):
                    row += repeat_rows
            elif closed == b"table-row":
                if row_has_value:
                    last_row = max(last_row, row + repeat_rows - 1)
                row += repeat_rows
            else:  # a table starts or ends: each table is a sheet of its own
                _check_area(last_row + 1, last_col + 1, "content.xml", limits, where)
                row, last_row, last_col = 0, -1, -1
    _check_area(last_row + 1, last_col + 1, "content.xml", limits, where)


def _repeat(attrs: bytes, name: bytes, where: Location) -> int:
    if name not in attrs:
        return 1
    values = _attribute_values(attrs, name)
    if not all(value.isdigit() for value in values):
        raise CatalogImportError(f"not a readable spreadsheet (bad repeat count in {attrs!r})", where)
    return max(map(int, values), default=1)


def _check_area(rows: int, columns: int, member: str, limits: ReadLimits, where: Location) -> None:
    if rows * columns > limits.max_cells:
        raise CatalogImportError(
            f"a sheet ({member}) has cells as far as row {rows:,} and column {columns:,}, "
            f"{rows * columns:,} cells in all, over the limit of {limits.max_cells:,} cells",
            where,
        )
