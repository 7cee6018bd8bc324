"""The sample catalogs in sample_data/ and the benchmark generator: definitions that validate, parameter
columns and features that the categories declare, references that resolve, and byte-identical re-runs."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from bench import gen_catalog
from jbp.catalog.definitions import define, find_parameter, read_definitions_file
from jbp.catalog.importers.headers import (
    field_for_header,
    fold_header,
    price_break_for_header,
    split_header_unit,
)
from jbp.catalog.importing import ImportOptions, import_catalog
from jbp.catalog.models import Brand, Category, ParameterDef, ParamKind

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"
BMECAT_NS = {"b": "http://www.bmecat.org/bmecat/2005"}
SAMPLE_FILES = ("chnt_catalog.xlsx", "delixi_catalog.csv", "bearings_fasteners_bmecat.xml", "xref.csv")


def _load_generate_script():
    spec = importlib.util.spec_from_file_location("sample_generate", SAMPLE / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


def _categories(toml_text: str) -> dict[str, Category]:
    document = tomllib.loads(toml_text)
    return {c.code: c for c in (Category.model_validate(table) for table in document["categories"])}


@pytest.fixture(scope="module")
def categories() -> dict[str, Category]:
    return _categories((SAMPLE / "categories.toml").read_text(encoding="utf-8"))


def _by_any_name(categories: dict[str, Category], name: str) -> Category:
    folded = fold_header(name)
    return next(c for c in categories.values() if folded in {fold_header(n) for n in (c.code, c.name_zh, c.name_en)})


def _is_parameter_header(header: str) -> bool:
    """What the importer treats as a parameter column: anything that is not a product field or a price."""
    return field_for_header(header) is None and price_break_for_header(header) is None


def _parameter_for(category: Category, header: str) -> ParameterDef | None:
    return find_parameter(category, header) or find_parameter(category, split_header_unit(header)[0])


def _assert_value_fits(definition: ParameterDef, value: str, where: str) -> None:
    if definition.kind == ParamKind.enum:
        assert fold_header(value) in {fold_header(v) for v in definition.allowed_values}, where
    if definition.kind == ParamKind.bool:
        assert fold_header(value) in {"是", "否", "有", "无", "y", "n", "yes", "no"}, where


def _check_table(header: list[str], rows: list[list], categories: dict[str, Category], where: str) -> int:
    """Every filled parameter cell names a parameter of its row's category; returns the cells checked."""
    category_column = next(i for i, h in enumerate(header) if field_for_header(h) == "category")
    checked = 0
    for number, row in enumerate(rows, start=1):
        category = _by_any_name(categories, str(row[category_column]))
        for column, (name, value) in enumerate(zip(header, row, strict=True)):
            if value in (None, "") or not _is_parameter_header(name):
                continue
            definition = _parameter_for(category, name)
            assert definition is not None, f"{where} row {number}: {name!r} is not a parameter of {category.code}"
            _assert_value_fits(definition, str(value), f"{where} row {number} column {column} {name}={value!r}")
            checked += 1
    return checked


def _chnt_sheets() -> dict[str, tuple[list[str], list[list]]]:
    workbook = openpyxl.load_workbook(SAMPLE / "chnt_catalog.xlsx")
    sheets = {}
    for sheet in workbook.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert any(str(m).startswith("A1:") for m in sheet.merged_cells.ranges), "title row is merged"
        sheets[sheet.title] = ([str(h) for h in rows[2]], rows[3:])  # title, group row, then the header
    return sheets


def _delixi_table() -> tuple[list[str], list[list]]:
    rows = list(csv.reader(io.StringIO((SAMPLE / "delixi_catalog.csv").read_bytes().decode("gbk"))))
    return rows[0], rows[1:]


def _bmecat_products() -> list[etree._Element]:
    tree = etree.parse(str(SAMPLE / "bearings_fasteners_bmecat.xml"), etree.XMLParser(resolve_entities=False))
    return tree.getroot().findall("b:T_NEW_CATALOG/b:PRODUCT", BMECAT_NS)


def _text(element: etree._Element, path: str) -> str:
    return element.findtext(path, namespaces=BMECAT_NS)


# ------------------------------------------------------------------------------- definitions


def test_sample_definitions_validate_as_brands_and_categories_with_declared_parents(categories):
    document = tomllib.loads((SAMPLE / "categories.toml").read_text(encoding="utf-8"))
    brands = [Brand.model_validate(table) for table in document["brands"]]
    assert {b.code for b in brands} == {"CHNT", "DELIXI", "HGT"}
    assert all(c.parent in categories for c in categories.values() if c.parent)
    leaves = [c for c in categories.values() if c.parameters]
    assert {c.code for c in leaves} == {"contactor", "mcb", "relay", "proximity_sensor", "bearing_deep_groove",
                                        "screw_socket_head"}
    for category in leaves:
        assert any(p.key for p in category.parameters) and any(p.required for p in category.parameters)
    declared = read_definitions_file(SAMPLE / "categories.toml")  # the loader `jbp catalog define` uses
    assert len(declared.categories) == len(categories) and len(declared.brands) == 3


def test_no_parameter_name_or_alias_is_mistaken_for_a_product_field_or_another_parameter(categories):
    for category in categories.values():
        seen: dict[str, str] = {}
        for definition in category.parameters:
            for name in filter(None, (definition.code, definition.name_zh, definition.name_en, *definition.aliases)):
                assert _is_parameter_header(name), f"{category.code}.{definition.code}: {name!r} reads as a field"
                owner = seen.setdefault(fold_header(name), definition.code)
                assert owner == definition.code, f"{category.code}: {name!r} names {owner} and {definition.code}"


def test_substitution_semantics_follow_the_engineering(categories):
    mcb, contactor, bearing = categories["mcb"], categories["contactor"], categories["bearing_deep_groove"]
    # a bigger breaker no longer protects the cable, a bigger contactor still switches the load
    assert mcb.parameter("rated_current").comparison == "equal" and mcb.parameter("rated_current").key
    assert contactor.parameter("rated_current").comparison == "at_least"
    assert {p.dimension for p in bearing.parameters if p.dimension} == {"bore", "outer_diameter", "width"}
    assert categories["relay"].parameter("operating_temp").comparison == "covers"
    assert bearing.parameter("mass").tolerance == 0.05


# ------------------------------------------------------------------------------- the sample files


def test_chnt_workbook_has_title_and_group_rows_and_every_parameter_column_is_declared(categories):
    sheets = _chnt_sheets()
    assert list(sheets) == ["接触器", "断路器", "继电器"]
    checked = sum(_check_table(header, rows, categories, f"chnt {name}") for name, (header, rows) in sheets.items())
    assert checked > 1000
    header, rows = sheets["接触器"]
    assert "额定电流(A)" in header and "额定功率(kW)" in header and header[0] == "货号"
    lifecycle = header.index("生命周期")
    assert {"在产", "停产", "不推荐新设计", "淘汰", "EOL", "active"} <= {row[lifecycle] for row in rows}
    temperature = header.index("工作温度(℃)")
    assert any(row[temperature] is None for row in rows), "legacy rows leave gaps for catalog quality"


def test_delixi_csv_is_gbk_with_chinese_units_and_declared_parameter_columns(categories):
    raw = (SAMPLE / "delixi_catalog.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    header, rows = _delixi_table()
    assert _check_table(header, rows, categories, "delixi") > 500
    category_column = header.index("产品分类")
    assert {row[category_column] for row in rows} == {"交流接触器", "小型断路器", "中间继电器", "电感式接近开关"}
    current, coil = header.index("额定电流（A）"), header.index("线圈电压")
    assert any(row[current].endswith("安") for row in rows) and any(row[coil].endswith("伏") for row in rows)


def test_bmecat_features_name_declared_parameters_with_allowed_values(categories):
    products = _bmecat_products()
    for product in products:
        category = categories[_text(product, "b:PRODUCT_FEATURES/b:REFERENCE_FEATURE_GROUP_ID")]
        for feature in product.iterfind("b:PRODUCT_FEATURES/b:FEATURE", BMECAT_NS):
            names = [n.text for n in feature.iterfind("b:FNAME", BMECAT_NS)]
            found = {_parameter_for(category, name) for name in names}
            assert len(found) == 1 and None not in found, f"{_text(product, 'b:SUPPLIER_PID')}: {names}"
            _assert_value_fits(found.pop(), _text(feature, "b:FVALUE"), str(names))
    screws = [p for p in products if "S912" in _text(p, "b:SUPPLIER_PID")]
    assert {_text(p, "b:PRODUCT_ORDER_DETAILS/b:PRICE_QUANTITY") for p in screws} == {"100"}


def test_bearing_dimensions_are_the_standard_boundary_dimensions():
    by_sku = {_text(p, "b:SUPPLIER_PID"): p for p in _bmecat_products()}

    def dimensions(sku: str) -> tuple[str, ...]:
        features = by_sku[sku].findall("b:PRODUCT_FEATURES/b:FEATURE", BMECAT_NS)
        values = {f.findtext("b:FNAME[@lang='eng']", namespaces=BMECAT_NS): _text(f, "b:FVALUE") for f in features}
        return values["Bore diameter"], values["Outside diameter"], values["Width"]

    assert dimensions("HGT-6205-2RS") == ("25", "52", "15")
    assert dimensions("HGT-6308") == ("40", "90", "23")
    assert dimensions("HGT-180205") == dimensions("HGT-6205-2RS")  # the old GB designation of the same bearing


def test_screw_head_diameters_match_the_iso_4762_table(realdata):
    with (realdata / "catalog" / "fastenerswb_iso4762def.csv").open(encoding="utf-8") as file:
        rows = [row for row in csv.reader(file) if len(row) > 3][1:]  # a title line, then the header
    head_by_thread = {row[0]: float(row[3]) for row in rows}
    seen = 0
    for product in _bmecat_products():
        values = {f.findtext("b:FNAME[@lang='eng']", namespaces=BMECAT_NS): _text(f, "b:FVALUE")
                  for f in product.iterfind("b:PRODUCT_FEATURES/b:FEATURE", BMECAT_NS)}
        if "Head diameter" in values:
            assert float(values["Head diameter"]) == head_by_thread[values["Thread size"]]
            seen += 1
    assert seen > 100


def test_successors_and_cross_references_point_at_existing_skus():
    chnt_skus, chnt_successors = set(), set()
    for header, rows in _chnt_sheets().values():
        chnt_skus |= {row[header.index("货号")] for row in rows}
        chnt_successors |= {row[header.index("替代货号")] for row in rows if row[header.index("替代货号")]}
    assert chnt_successors and chnt_successors <= chnt_skus
    header, rows = _delixi_table()
    delixi_successors = {row[header.index("替代型号")] for row in rows if row[header.index("替代型号")]}
    assert delixi_successors and delixi_successors <= {row[header.index("物料编码")] for row in rows}
    products = _bmecat_products()
    targets = {_text(p, "b:PRODUCT_REFERENCE/b:PROD_ID_TO") for p in products} - {None}
    assert targets and targets <= {_text(p, "b:SUPPLIER_PID") for p in products}
    xref = list(csv.DictReader((SAMPLE / "xref.csv").open(encoding="utf-8")))
    assert len(xref) >= 20 and {row["我方货号"] for row in xref} <= chnt_skus
    assert {row["替代等级"] for row in xref} == {"直接替代", "功能替代", "相似"}


def test_generate_script_writes_identical_bytes_each_run_and_matches_the_committed_files(tmp_path):
    script = _load_generate_script()
    counts = script.generate(tmp_path / "first")
    script.generate(tmp_path / "second")
    assert counts == {"chnt_catalog.xlsx": 185, "delixi_catalog.csv": 98, "bearings_fasteners_bmecat.xml": 243,
                      "xref.csv": 22}
    for name in SAMPLE_FILES:
        first = (tmp_path / "first" / name).read_bytes()
        assert first == (tmp_path / "second" / name).read_bytes(), name
        assert first == (SAMPLE / name).read_bytes(), f"{name} is stale: run python sample_data/generate.py"


def test_sample_catalogs_import_without_a_rejection(workspace):
    define(workspace.store, SAMPLE / "categories.toml")
    for name, count in (("chnt_catalog.xlsx", 185), ("delixi_catalog.csv", 98),
                        ("bearings_fasteners_bmecat.xml", 243)):
        report = import_catalog(workspace.store, SAMPLE / name, ImportOptions(dry_run=True))
        assert (report.created, report.rejections, report.derived) == (count, [], []), name


# ------------------------------------------------------------------------------- the benchmark generator


@pytest.fixture(scope="module")
def bench_definitions() -> str:
    return gen_catalog.generate_definitions(n_categories=6, n_params=12, seed=3)


def test_generated_definitions_validate_even_beyond_the_template_pools():
    text = gen_catalog.generate_definitions(n_categories=len(gen_catalog.CATEGORY_KINDS) + 2,
                                            n_params=len(gen_catalog.TEMPLATES) + 2, seed=1)
    categories = _categories(text)
    assert len(categories) == len(gen_catalog.CATEGORY_KINDS) + 2
    assert {len(c.parameters) for c in categories.values()} == {len(gen_catalog.TEMPLATES) + 2}
    assert [Brand.model_validate(b).code for b in tomllib.loads(text)["brands"]] == [
        code for code, _, _ in gen_catalog.BRANDS]


def test_generated_table_columns_are_declared_for_each_rows_category(tmp_path, bench_definitions):
    categories = _categories(bench_definitions)
    declared = {p.name_zh for c in categories.values() for p in c.parameters}
    csv_path, xlsx_path = tmp_path / "cat.csv", tmp_path / "cat.xlsx"
    for writer, path in ((gen_catalog.write_csv, csv_path), (gen_catalog.write_xlsx, xlsx_path)):
        assert writer(path, gen_catalog.iter_products(200, bench_definitions, 3), bench_definitions) == 200
    csv_rows = list(csv.reader(csv_path.open(encoding="utf-8")))
    sheet = openpyxl.load_workbook(xlsx_path, read_only=True).worksheets[0]
    xlsx_rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    xlsx_rows = [row + [""] * (len(xlsx_rows[0]) - len(row)) for row in xlsx_rows]  # trailing blanks are dropped
    for rows in (csv_rows, xlsx_rows):
        header = rows[0]
        assert {h for h in header if _is_parameter_header(h)} == declared
        assert len(rows) == 201 and _check_table(header, rows[1:], categories, "generated") > 200 * 3
    assert csv_rows[1][0] == xlsx_rows[1][0] and csv_rows[200][2] == xlsx_rows[200][2]


def test_generated_bmecat_has_one_product_per_sku_with_declared_features(tmp_path, bench_definitions):
    categories = _categories(bench_definitions)
    path = tmp_path / "cat.xml"
    gen_catalog.write_bmecat(path, gen_catalog.iter_products(200, bench_definitions, 3), bench_definitions)
    products = etree.parse(str(path)).getroot().findall("b:T_NEW_CATALOG/b:PRODUCT", BMECAT_NS)
    assert len(products) == len({_text(p, "b:SUPPLIER_PID") for p in products}) == 200
    for product in products:
        category = categories[_text(product, "b:PRODUCT_FEATURES/b:REFERENCE_FEATURE_GROUP_ID")]
        for name in product.iterfind("b:PRODUCT_FEATURES/b:FEATURE/b:FNAME", BMECAT_NS):
            assert _parameter_for(category, name.text) is not None
        assert len(product.findall("b:PRODUCT_PRICE_DETAILS/b:PRODUCT_PRICE", BMECAT_NS)) == 3


def test_generator_is_deterministic_and_mixes_units_lifecycles_and_successors(bench_definitions):
    first = list(gen_catalog.iter_products(3000, bench_definitions, seed=3))
    again = list(gen_catalog.iter_products(3000, bench_definitions, seed=3))
    assert first == again
    assert first != list(gen_catalog.iter_products(3000, bench_definitions, seed=4))
    lifecycles = [p.lifecycle for p in first]
    assert 0.85 < lifecycles.count("active") / len(first) < 0.95
    skus = {p.sku for p in first}
    assert any(p.successor_sku in skus for p in first)
    assert all(str(price).count(".") == 1 and len(str(price).split(".")[1]) == 2
               for p in first for _, price in p.price_breaks)
    sources = {s.source for p in first for s in p.params.values()}
    assert any(s.endswith("mA") or s.endswith("mm") for s in sources)
    assert any("~" in s or ".." in s for s in sources)


def test_generated_files_import_without_a_rejection(workspace, tmp_path, bench_definitions):
    definitions_path = tmp_path / "categories.toml"
    definitions_path.write_text(bench_definitions, encoding="utf-8")
    define(workspace.store, definitions_path)
    for extension, writer in (("csv", gen_catalog.write_csv), ("xml", gen_catalog.write_bmecat)):
        path = tmp_path / f"cat.{extension}"
        writer(path, gen_catalog.iter_products(200, bench_definitions, 3), bench_definitions)
        report = import_catalog(workspace.store, path, ImportOptions(dry_run=True))
        assert (report.created, report.rejections) == (200, []), extension
