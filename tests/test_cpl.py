"""Octopart CPL YAML catalogs: a product per manufacturer part, parameters typed from every value."""

from __future__ import annotations

import pytest

from jbp.catalog.definitions import define, load_definitions
from jbp.catalog.importers import cpl
from jbp.catalog.importing import ImportOptions, import_catalog
from jbp.catalog.layout import describe_layout
from jbp.catalog.reading import iter_products
from jbp.catalog.selection import select
from jbp.errors import CatalogImportError, NotFoundError

CPL = """\
docid: 1abc
name: Resistors
cleanname: Resistors
description: A range of resistors.
extracols: [Resistance, Power Rating, Resistance Tolerance, Size]
rows:
- cplid: CPL-RES-0402-10K
  title: Resistor 10 kΩ 0402 63 mW
  description: ""
  extravals:
    Resistance: 10 kΩ
    Power Rating: 63 mW
    Resistance Tolerance: ±1%
    Size: "0402"
  parts:
  - manufacturer: 'Vishay '
    mpn: CRCW040210K0FKED
    imageurl: http://example.com/crcw.jpg
    footprinturl: ""
    note: ""
  - manufacturer: Yageo
    mpn: RC0402FR-0710KL
    imageurl: ""
    note: "tape and reel"
- cplid: CPL-POT-3MM-10K
  title: Trimmer 10 kΩ 3 mm
  description: Single-turn trimmer.
  extravals:
    Resistance: 10 kΩ
    Power Rating: 1W
    Resistance Tolerance: –
    Size: 3 mm
  parts:
  - manufacturer: Bourns
    mpn: TC33X-2-103E
"""


def write(tmp_path, text: str, name: str = "parts.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored(workspace) -> dict:
    with workspace.store.reading() as conn:
        definitions = load_definitions(conn)
        return {p.sku: p for p in iter_products(conn, definitions)}, definitions


def test_each_part_is_a_product_with_its_generic_part_values(workspace, tmp_path):
    report = import_catalog(workspace.store, write(tmp_path, CPL))
    assert (report.status, report.format, report.created) == ("committed", "octopart-cpl", 3)
    products, definitions = stored(workspace)
    vishay = products["CRCW040210K0FKED"]
    assert (vishay.brand, vishay.mpn, vishay.category, vishay.name_en) == (
        "VISHAY", "CRCW040210K0FKED", "Resistors", "Resistor 10 kΩ 0402 63 mW")
    assert vishay.params["resistance"].num == 10_000 and vishay.params["resistance"].source == "10 kΩ"
    assert vishay.params["power_rating"].num == pytest.approx(0.063)
    assert (vishay.params["resistance_tolerance"].num, vishay.params["resistance_tolerance"].source) == (1, "±1%")
    assert vishay.params["size"].text == "0402" and vishay.params["cpl_id"].text == "CPL-RES-0402-10K"
    assert [(m.kind, m.uri) for m in vishay.media] == [("image", "http://example.com/crcw.jpg")]
    assert products["RC0402FR-0710KL"].description == "tape and reel"  # the part's note is kept
    trimmer = products["TC33X-2-103E"]
    assert "resistance_tolerance" not in trimmer.params  # "–": does not apply
    assert trimmer.params["size"].text == "3 mm" and trimmer.description == "Single-turn trimmer."
    kinds = {p.code: (p.kind, p.unit) for p in definitions.categories["Resistors"].parameters}
    assert kinds == {"cpl_id": ("text", ""), "resistance": ("numeric", "Ω"), "power_rating": ("numeric", "W"),
                     "resistance_tolerance": ("numeric", "%"), "size": ("text", "")}  # 0402 beside 3 mm: a code
    assert [p.sku for p in select(workspace, "Resistors", ["power_rating >= 0.5 W"]).products] == ["TC33X-2-103E"]


def test_a_row_without_parts_is_reported(workspace, tmp_path):
    path = write(tmp_path, CPL + "- cplid: CPL-EMPTY\n  title: Nobody\n  parts: []\n")
    report = import_catalog(workspace.store, path)
    assert report.created == 3 and report.warnings == ["rows without parts, so without products: line 36"]


def test_show_mapping_says_no_column_mapping_applies(workspace, tmp_path):
    (described,) = describe_layout(workspace.store, write(tmp_path, CPL))
    assert described["format"] == "yaml" and "no column mapping applies" in described["note"]


def test_a_sheet_is_refused_for_yaml_not_ignored(workspace, tmp_path):
    with pytest.raises(NotFoundError, match="is a yaml file, which has no sheet 'Resistors'"):
        import_catalog(workspace.store, write(tmp_path, CPL), ImportOptions(sheet="Resistors"))


def test_reimport_changes_nothing(workspace, tmp_path):
    path = write(tmp_path, CPL)
    import_catalog(workspace.store, path)
    again = import_catalog(workspace.store, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_parameters_the_workspace_defines_are_kept_as_defined(workspace, tmp_path):
    definitions = tmp_path / "defs.toml"
    definitions.write_text('[[categories]]\ncode = "res"\nname_zh = "电阻"\nname_en = "Resistors"\n\n'
                           '[[categories.parameters]]\ncode = "r"\nname_zh = "阻值"\nname_en = "Resistance"\n'
                           'unit = "Ω"\nkey = true\n', encoding="utf-8")
    define(workspace.store, definitions)
    import_catalog(workspace.store, write(tmp_path, CPL))
    products, definitions = stored(workspace)
    category = definitions.categories["res"]
    assert category.parameter("r").name_zh == "阻值" and category.parameter("r").key
    assert {p.code for p in category.parameters} == {"r", "cpl_id", "power_rating", "resistance_tolerance", "size"}
    assert products["TC33X-2-103E"].category == "res" and products["TC33X-2-103E"].params["r"].num == 10_000


@pytest.mark.parametrize(("text", "message", "row"), [
    ("a: &x [1]\nb: *x\n", "YAML aliases", 2),
    ("name: R\nrows:\n- cplid: [\n", "not valid YAML", 4),
    ("name: R\nitems: []\n", "not an Octopart CPL file", None),
    ("- just\n- a list\n", "must be a mapping", 1),
    ("name: R\nrows:\n- cplid: X\n  title: [a, b]\n  parts:\n  - mpn: M\n    manufacturer: B\n",
     "title must be a single value", 4),
    ("name: R\nrows:\n- cplid: X\n  title: T\n", "a row needs a list of parts", 3),
    ("name: R\nrows:\n- extravals: {Power Rating: 1W, power-rating: 2W}\n  parts: []\n",
     "columns 'Power Rating' and 'power-rating' would both be parameter 'power_rating'", None),
])
def test_bad_yaml_names_the_line_and_changes_nothing(workspace, tmp_path, text, message, row):
    path = write(tmp_path, text, name="bad.yaml")
    with pytest.raises(CatalogImportError, match=message) as caught:
        import_catalog(workspace.store, path)
    assert caught.value.location.file == str(path) and caught.value.location.row == row
    assert stored(workspace)[0] == {}


def test_a_yaml_file_over_the_size_limit_is_refused_before_it_is_parsed(workspace, tmp_path, monkeypatch):
    monkeypatch.setattr(cpl, "MAX_FILE_BYTES", 500)
    path = write(tmp_path, CPL)
    with pytest.raises(CatalogImportError, match="over the limit of 500 for YAML") as caught:
        import_catalog(workspace.store, path, ImportOptions(parallel=False))
    assert caught.value.location.file == str(path) and stored(workspace)[0] == {}


def test_bytes_that_are_not_utf8_are_refused_naming_the_file(workspace, tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 电阻\nrows: []\n".encode("gbk"))
    with pytest.raises(CatalogImportError, match="not valid YAML") as caught:
        import_catalog(workspace.store, path)
    assert caught.value.location.file == str(path)


def test_octopart_resistors_import_whole_or_with_the_duplicate_left_out(workspace, realdata):
    path = realdata / "catalog" / "octopart_cpl_production_Resistors.yaml"
    refused = import_catalog(workspace.store, path)
    # BI Technologies 35WR10KLFTR is listed twice under one trimmer (lines 2585 and 2593 of the file)
    assert refused.status == "rejected" and [(r.location.row, r.location.value) for r in refused.rejections] == [
        (2593, "35WR10KLFTR")]
    assert "first at row 2585" in refused.rejections[0].reason
    report = import_catalog(workspace.store, path, ImportOptions(partial=True))
    assert (report.status, report.created, report.rejected) == ("committed", 232, 1)
    products, definitions = stored(workspace)
    assert {p.brand for p in products.values()} == {"YAGEO", "PANASONIC", "VISHAY", "BOURNS", "BI_TECHNOLOGIES",
                                                    "OHMITE", "VISHAY_DALE"}
    kinds = {p.code: (p.kind, p.unit) for p in definitions.categories["Resistors"].parameters}
    assert kinds["resistance"] == ("numeric", "Ω") and kinds["power_rating"] == ("numeric", "W")
    assert kinds["size"] == ("text", "") and kinds["mounting"] == ("text", "")
    assert products["RC0402JR-070RL"].params["resistance"].num == 0.0
