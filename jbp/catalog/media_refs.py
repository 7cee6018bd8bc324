"""Media references (images, datasheets, CAD files, documents): their kinds, and how one spreadsheet
cell lists several.

A `media` column holds one reference per line, `kind: uri | description`
(`image: img/6205.jpg | 产品图`), so a tabular export keeps every reference with its kind, description and
order, as JSON does, and imports back unchanged. The kind may be written in English or Chinese; a line
without one is a bare reference whose kind follows its file suffix.
"""

from __future__ import annotations

from collections.abc import Iterable

from jbp.catalog.models import MediaKind

MediaRef = tuple[str, str, str | None]  # (kind, uri, description)

CAD_SUFFIXES = (".stp", ".step", ".stl", ".igs", ".iges", ".glb", ".gltf", ".obj", ".3mf", ".x_t", ".sldprt")
DESCRIPTION_SEPARATOR = " | "  # as written
_SEPARATOR_READ = " |"  # where a line is split: the first such pair, so a reference may not hold one
MAX_URI_LENGTH = 2000
KIND_WORDS = {
    **{kind.value: kind for kind in MediaKind},
    "图片": MediaKind.image, "主图": MediaKind.image, "规格书": MediaKind.datasheet,
    "数据手册": MediaKind.datasheet, "3d": MediaKind.cad, "3d模型": MediaKind.cad, "文档": MediaKind.document,
    "资料": MediaKind.document,
}


def media_kind(word: str, uri: str) -> MediaKind:
    """The kind a file's own word (BMEcat MIME_PURPOSE, a JSON `kind`) names, else what the suffix says."""
    lowered = word.lower()
    if lowered in MediaKind.__members__:
        return MediaKind(lowered)
    if uri.lower().endswith(CAD_SUFFIXES):
        return MediaKind.cad
    if "sheet" in lowered:
        return MediaKind.datasheet
    return MediaKind.image if lowered in ("normal", "thumbnail", "detail", "logo") else MediaKind.document


def one_line(description: str | None) -> str | None:
    """A description as stored: one line, single spaces (so a media cell can hold it)."""
    return " ".join(description.split()) or None if description else None


def uri_problem(uri: str) -> str | None:
    """Why a reference cannot be stored (and listed in a media cell), or None."""
    if not uri or len(uri) > MAX_URI_LENGTH or "\n" in uri or "\r" in uri or _SEPARATOR_READ in uri or uri[0] == "|":
        return (f"a media reference must be one line of 1 to {MAX_URI_LENGTH} characters, neither starting "
                "with '|' nor holding ' |'")
    return None


def media_cell(refs: Iterable[MediaRef]) -> str:
    """The cell text listing `refs` in order, which `parse_media_cell` reads back."""
    return "\n".join(f"{kind}: {uri}{DESCRIPTION_SEPARATOR}{description}" if description else f"{kind}: {uri}"
                     for kind, uri, description in refs)


def parse_media_cell(text: str) -> list[MediaRef]:
    """The references a media cell lists; `ValueError` names the line that is wrong."""
    refs = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        head, colon, rest = line.partition(":")
        kind = KIND_WORDS.get(head.strip().lower()) if colon else None
        if kind is None:
            if colon and head.strip().isalpha() and len(head.strip()) > 1 and not rest.startswith("//"):
                known = ", ".join(kind.value for kind in MediaKind)
                raise ValueError(f"media line {number}: {head.strip()!r} is not a media kind ({known}); "
                                 "write one reference per line as kind: uri | description")
            rest = line  # a bare reference: a URL, a path
        uri, _, description = rest.partition(_SEPARATOR_READ)
        uri = uri.strip()
        if problem := uri_problem(uri):
            raise ValueError(f"media line {number}: {problem}")
        refs.append(((kind or media_kind("", uri)).value, uri, one_line(description)))
    return refs
