"""A `media` cell lists references a line each (kind: uri | description) and reads back exactly what it
lists; the importer reads such a column and names the line it cannot read."""

from __future__ import annotations

import pytest
from catalog_fixtures import HEADER, ROWS, defined_workspace, write_csv
from hypothesis import given
from hypothesis import strategies as st

from jbp.catalog.definitions import load_definitions
from jbp.catalog.importing import import_catalog
from jbp.catalog.media_refs import media_cell, parse_media_cell
from jbp.catalog.models import MediaKind
from jbp.catalog.reading import iter_products

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40)
_URIS = _TEXT.map(str.strip).filter(lambda uri: uri and " |" not in uri and uri[0] != "|")
_DESCRIPTIONS = st.none() | _TEXT.map(lambda text: " ".join(text.split()) or None)


@given(st.lists(st.tuples(st.sampled_from([kind.value for kind in MediaKind]), _URIS, _DESCRIPTIONS), max_size=6))
def test_a_cell_reads_back_every_reference_in_order(refs):
    assert parse_media_cell(media_cell(refs)) == refs


def test_kinds_in_english_or_chinese_bare_references_by_suffix_and_descriptions_after_the_first_bar():
    cell = ("图片: img/6205.jpg | 产品图\n\n"
            "Datasheet: https://example.com/62xx.pdf\n"
            "https://example.com/cad/6205.STEP | 3D | STEP AP214\n"
            "C:\\Zeichnungen\\6205 Schnitt.pdf\n"
            "文档:手册.pdf")
    assert parse_media_cell(cell) == [
        ("image", "img/6205.jpg", "产品图"),
        ("datasheet", "https://example.com/62xx.pdf", None),
        ("cad", "https://example.com/cad/6205.STEP", "3D | STEP AP214"),
        ("document", "C:\\Zeichnungen\\6205 Schnitt.pdf", None),
        ("document", "手册.pdf", None),
    ]


@pytest.mark.parametrize(("cell", "reason"), [
    ("image: a.jpg\ndrawing: b.pdf", "media line 2: 'drawing' is not a media kind"),
    ("image: | 产品图", "media line 1: a media reference must be one line of 1 to 2000 characters"),
    ("cad: " + "x" * 2001, "media line 1: a media reference must be one line"),
])
def test_a_line_it_cannot_read_is_named(cell, reason):
    with pytest.raises(ValueError, match=reason):
        parse_media_cell(cell)


def test_a_media_column_imports_in_order_and_a_bad_line_rejects_its_row_by_cell(workspace, tmp_path):
    ws = defined_workspace(workspace, tmp_path)
    header = [*HEADER, "media"]
    rows = [[*ROWS[0], "datasheet: ds/nxc.pdf | 样本\nimage: img/nxc-09.jpg"],
            [*ROWS[1], "image: img/nxc-12.jpg\nwiring: w.pdf"]]
    report = import_catalog(ws.store, write_csv(tmp_path / "media.csv", rows, header), )
    assert report.status == "rejected"
    [rejection] = report.rejections
    location = rejection.location
    assert (location.row, location.column) == (5, "N media")  # two title rows, the header, the second product
    assert "media line 2: 'wiring' is not a media kind" in rejection.reason

    assert import_catalog(ws.store, write_csv(tmp_path / "good.csv", rows[:1], header)).status == "committed"
    with ws.store.reading() as conn:
        [product] = iter_products(conn, load_definitions(conn))
    assert [(m.kind, m.uri, m.description) for m in product.media] == [
        (MediaKind.datasheet, "ds/nxc.pdf", "样本"), (MediaKind.image, "img/nxc-09.jpg", None)]
