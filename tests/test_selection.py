"""Parametric selection: unit-aware conditions, ranges that cover, facets, sorting, paging, and an index that
never answers for a store it does not reflect. Randomised catalogs are checked against a brute-force filter."""

from __future__ import annotations

import json
import math
import random
import shutil
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jbp.catalog.definitions import define, load_definitions
from jbp.catalog.importers.headers import fold_header
from jbp.catalog.importing import import_catalog
from jbp.catalog.indexes import StaleIndexError, indexers_for, rebuild_indexes
from jbp.catalog.reading import iter_products
from jbp.catalog.selection import SelectionIndex, select
from jbp.catalog.selection.columnar import MANIFEST, category_path
from jbp.catalog.selection.predicates import parse_where
from jbp.catalog.selection.specs import load_category
from jbp.errors import JbpError, NotFoundError, RuleSyntaxError, UnitError

DEFINITIONS = """
[[brands]]
code = "CHNT"
name_zh = "正泰"
name_en = "CHINT"

[[brands]]
code = "DELIXI"
name_zh = "德力西"
name_en = "DELIXI"

[[categories]]
code = "contactor"
name_zh = "交流接触器"
name_en = "AC contactor"

[[categories.parameters]]
code = "rated_current"
name_zh = "额定电流"
name_en = "Rated current"
unit = "A"
key = true

[[categories.parameters]]
code = "coil_voltage"
name_zh = "线圈电压"
name_en = "Coil voltage"
unit = "V"
key = true

[[categories.parameters]]
code = "coil_current_type"
name_zh = "线圈电流类型"
name_en = "Coil current type"
kind = "enum"
allowed_values = ["AC", "DC"]

[[categories.parameters]]
code = "poles"
name_zh = "极数"
name_en = "Poles"
kind = "enum"
allowed_values = ["3P", "4P"]
key = true

[[categories.parameters]]
code = "aux_contacts"
name_zh = "辅助触点"
name_en = "Auxiliary contacts"
kind = "text"

[[categories.parameters]]
code = "led_indicator"
name_zh = "带指示灯"
name_en = "LED indicator"
kind = "bool"

[[categories.parameters]]
code = "operating_temp"
name_zh = "工作温度"
name_en = "Operating temperature"
kind = "range"
unit = "°C"

[[categories]]
code = "proximity_sensor"
name_zh = "接近开关"
name_en = "Proximity sensor"

[[categories.parameters]]
code = "supply_voltage"
name_zh = "工作电压"
name_en = "Supply voltage"
kind = "range"
unit = "V"

[[categories.parameters]]
code = "sensing_distance"
name_zh = "检测距离"
name_en = "Sensing distance"
unit = "m"

[[categories.parameters]]
code = "output_type"
name_zh = "输出类型"
name_en = "Output type"
kind = "enum"
allowed_values = ["NPN", "PNP"]
key = true
"""

FIELDS = ["货号", "品牌", "分类", "名称", "单价", "价格(≥100)", "库存"]
CONTACTOR_PARAMS = ["额定电流", "线圈电压", "线圈电流类型", "极数", "辅助触点", "带指示灯", "工作温度"]
SENSOR_PARAMS = ["工作电压", "检测距离", "输出类型"]

CONTACTORS = [  # sku, brand, name, price, price≥100, stock, current, coil, coil type, poles, aux, LED, temperature
    ["NXC-09-220", "正泰", "交流接触器 9A", "48.5", "45", "650", "9A", "AC220V", "", "3P", "1NO", "是", "-25~+70℃"],
    ["NXC-09M", "CHNT", "交流接触器 9A", "47", "", "20", "9000mA", "220", "AC", "3P", "1NO+1NC", "否", "-5~40°C"],
    ["NXC-12-024", "CHNT", "交流接触器 12A", "58", "", "0", "12A", "24VDC", "DC", "3p", "1NO", "", "-25~+55℃"],
    ["NXC-18-220D", "CHNT", "交流接触器 18A", "84", "80", "", "18A", "220VDC", "", "4P", "1NC", "是", ""],
    ["CJX2-2510", "德力西", "接触器 25A", "93.6", "", "35", "25A", "220", "", "3P", "[2NO].*", "Y", "0-60℃"],
    ["CJX2-3210", "DELIXI", "接触器 32A", "", "", "5", "32A", "380V AC", "", "", "1NO", "N", "≥-10℃"],
]
SENSORS = [  # sku, brand, name, price, price≥100, stock, supply voltage, distance, output
    ["LJ12A3-4-Z/BX", "DELIXI", "接近开关 M12", "36", "", "500", "10-30V DC", "4mm", "NPN"],
    ["LJ12A3-4-Z/BY", "DELIXI", "接近开关 M12", "36", "", "480", "DC6-36V", "4mm", "PNP"],
    ["LJ18A3-8-Z/BX", "DELIXI", "接近开关 M18", "42", "", "0", "12..24V", "8 mm", "NPN"],
    ["LJ30A3-15-J/EZ", "DELIXI", "接近开关 M30 交流", "68", "", "12", "AC90~250V", "15mm", "NPN"],
    ["LJ8A3-2-Z/BX", "DELIXI", "接近开关 M8", "31", "", "", "24V", "0.002m", ""],
]


def write_catalog(path, header_params, rows, category):
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(FIELDS + header_params) + "\n")
        for row in rows:
            cells = [*row[:2], category, *row[2:]]
            handle.write(",".join(f'"{c}"' for c in cells) + "\n")
    return path


@pytest.fixture
def shop(workspace, tmp_path):
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    index = SelectionIndex(workspace)
    import_catalog(workspace.store, write_catalog(tmp_path / "c.csv", CONTACTOR_PARAMS, CONTACTORS, "contactor"),
                   indexers=[index])
    import_catalog(workspace.store, write_catalog(tmp_path / "s.csv", SENSOR_PARAMS, SENSORS, "接近开关"),
                   indexers=[index])
    return workspace


@pytest.fixture(scope="module")
def contactor_spec(tmp_path_factory):
    from jbp.workspace import init_workspace

    folder = tmp_path_factory.mktemp("spec")
    (folder / "d.toml").write_text(DEFINITIONS, encoding="utf-8")
    ws = init_workspace(folder / "ws")
    define(ws.store, folder / "d.toml")
    with ws.store.reading() as conn:
        spec = load_category(conn, "contactor")
    ws.store.close()
    return spec


def skus(selection) -> list[str]:
    return [p.sku for p in selection.products]


# --------------------------------------------------------------------------------------------- conditions


def test_units_are_understood_9000ma_selects_what_9a_selects(shop):
    in_amps = select(shop, "contactor", ["rated_current<=9A"])
    in_milliamps = select(shop, "contactor", ["rated_current<=9000mA"])
    assert skus(in_amps) == skus(in_milliamps) == ["NXC-09-220", "NXC-09M"]
    assert skus(select(shop, "contactor", ["rated_current=0.009kA"])) == ["NXC-09-220", "NXC-09M"]
    assert skus(select(shop, "contactor", ["rated_current>9A", "rated_current<25A"])) == ["NXC-12-024",
                                                                                        "NXC-18-220D"]


def test_a_unit_of_another_dimension_names_the_parameter_and_its_unit(shop):
    with pytest.raises(UnitError) as caught:
        select(shop, "contactor", ["额定电流>=9V"])
    message = str(caught.value)
    assert "rated_current" in message and "A (current)" in message and "voltage" in message


def test_coil_voltage_with_ac_matches_only_coils_known_to_be_ac(shop):
    # NXC-09M writes 220 without AC but its coil type column says AC; CJX2-2510 says nothing: no match.
    assert skus(select(shop, "contactor", ["coil_voltage=220VAC"])) == ["NXC-09-220", "NXC-09M"]
    assert skus(select(shop, "contactor", ["coil_voltage=220V"])) == ["CJX2-2510", "NXC-09-220", "NXC-09M",
                                                                     "NXC-18-220D"]
    assert skus(select(shop, "contactor", ["coil_voltage=220VDC"])) == ["NXC-18-220D"]


def test_a_range_rated_sensor_satisfies_a_value_it_covers(shop):
    assert skus(select(shop, "proximity_sensor", ["supply_voltage=24V"])) == [
        "LJ12A3-4-Z/BX", "LJ12A3-4-Z/BY", "LJ18A3-8-Z/BX", "LJ8A3-2-Z/BX"]
    covering = select(shop, "proximity_sensor", ["工作电压=12..30V"])  # must cover the whole span
    assert skus(covering) == ["LJ12A3-4-Z/BX", "LJ12A3-4-Z/BY"]
    assert skus(select(shop, "proximity_sensor", ["supply_voltage=220VAC"])) == ["LJ30A3-15-J/EZ"]
    assert skus(select(shop, "proximity_sensor", ["supply_voltage>=200V"])) == ["LJ30A3-15-J/EZ"]


def test_a_range_on_a_numeric_parameter_means_within(shop):
    assert skus(select(shop, "contactor", ["rated_current=10..25A"])) == ["CJX2-2510", "NXC-12-024", "NXC-18-220D"]
    assert skus(select(shop, "proximity_sensor", ["sensing_distance=2..4mm"])) == [
        "LJ12A3-4-Z/BX", "LJ12A3-4-Z/BY", "LJ8A3-2-Z/BX"]


def test_open_ended_temperature_range_covers_everything_above_its_floor(shop):
    hot = select(shop, "contactor", ["operating_temp>=65℃"])
    assert skus(hot) == ["CJX2-3210", "NXC-09-220"]
    assert skus(select(shop, "contactor", ["operating_temp=-25..50°C"])) == ["NXC-09-220", "NXC-12-024"]


def test_enum_in_not_equal_and_missing_values_never_match(shop):
    assert skus(select(shop, "contactor", ["poles in (3P, 4p)"])) == [
        "CJX2-2510", "NXC-09-220", "NXC-09M", "NXC-12-024", "NXC-18-220D"]
    # CJX2-3210 has no poles: "!=" means "has poles, and not 4P".
    assert skus(select(shop, "contactor", ["poles!=4P"])) == ["CJX2-2510", "NXC-09-220", "NXC-09M", "NXC-12-024"]


def test_bool_and_text_conditions_read_catalog_spellings(shop):
    assert skus(select(shop, "contactor", ["led_indicator=yes"])) == ["CJX2-2510", "NXC-09-220", "NXC-18-220D"]
    assert skus(select(shop, "contactor", ["带指示灯=否"])) == ["CJX2-3210", "NXC-09M"]
    assert skus(select(shop, "contactor", ["aux_contacts=1no"])) == ["CJX2-3210", "NXC-09-220", "NXC-12-024"]


def test_regex_like_characters_are_plain_text(shop):
    assert skus(select(shop, "contactor", ["aux_contacts~.*"])) == ["CJX2-2510"]
    assert skus(select(shop, "contactor", ["aux_contacts~[2NO]"])) == ["CJX2-2510"]
    assert skus(select(shop, "contactor", ["aux_contacts~+"])) == ["NXC-09M"]
    assert skus(select(shop, "contactor", ["aux_contacts~(?i)"])) == []


def test_parameters_are_named_by_code_zh_or_en(shop):
    for name in ("rated_current", "额定电流", "Rated current", "RATED CURRENT", "ｒａｔｅｄ＿ｃｕｒｒｅｎｔ"):
        assert select(shop, "交流接触器", [f"{name}>=25A"]).total == 2, name


def test_unknown_category_and_parameter_list_the_close_ones(shop):
    with pytest.raises(NotFoundError) as caught:
        select(shop, "contactr")
    assert "contactor" in caught.value.suggestions
    with pytest.raises(NotFoundError) as caught:
        select(shop, "contactor", ["rated_curent>=9A"])
    assert "rated_current" in caught.value.suggestions
    with pytest.raises(NotFoundError) as caught:
        select(shop, "contactor", ["poles=5P"])
    assert "poles" in str(caught.value) and caught.value.suggestions


@pytest.mark.parametrize(("where", "column", "reason"), [
    ("rated_current", 1, "expected NAME OP VALUE"),
    (">=9A", 1, "missing the parameter name"),
    ("rated_current>=", 16, "missing the value"),
    ("poles in (3P, 4P", 17, "missing ')'"),
    ("poles in (3P,,4P)", 14, "empty"),
    ("rated_current>=10..30A", 16, "a range goes with '='"),
    ("rated_current>=abc", 16, "no number"),
    ("rated_current~9", 14, "'~' (contains) is for text"),
    ("poles>3P", 6, "use =, !=, in or ~"),
])
def test_malformed_where_points_at_the_problem(contactor_spec, where, column, reason):
    with pytest.raises(RuleSyntaxError) as caught:
        parse_where(where, contactor_spec)
    assert caught.value.column == column and reason in caught.value.reason


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("rated_curntpoles额定电流=<>!~()[]{}.*+?^$|\\,、 9AmV3P\"'in"), max_size=30))
def test_any_where_text_parses_or_fails_with_a_jbp_error(contactor_spec, text):
    try:
        parse_where(text, contactor_spec)
    except JbpError:
        pass


# --------------------------------------------------------------------------------------------- results


def test_rows_show_key_parameters_and_explain_what_matched(shop):
    result = select(shop, "contactor", ["rated_current>=18A", "coil_voltage=220V"])
    assert [c.code for c in result.columns] == ["rated_current", "coil_voltage", "poles"]
    first = result.products[0]
    assert (first.sku, first.brand, str(first.price.normalize())) == ("CJX2-2510", "DELIXI", "93.6")
    assert first.values == {"rated_current": "25A", "coil_voltage": "220V", "poles": "3P"}
    assert [(m.where, m.value) for m in first.matched] == [("rated_current>=18A", "25A"), ("coil_voltage=220V", "220V")]


def test_page_rows_carry_the_store_s_decimal_prices_and_times(shop):
    from sqlalchemy import func
    from sqlalchemy import select as sql_select

    from jbp.store import schema, selection_rows

    with shop.store.reading() as conn:  # what SQLAlchemy's column types return, beside the plain-SQL read
        stored = dict(conn.execute(sql_select(schema.products.c.sku, schema.price_breaks.c.price).join(
            schema.price_breaks, schema.price_breaks.c.product_id == schema.products.c.id).where(
            schema.price_breaks.c.min_qty == 1)).all())
        newest = conn.execute(sql_select(func.max(schema.products.c.updated_at))).scalar_one()
    assert schema.price_breaks.c.price.type.scale == selection_rows.PRICE_SCALE
    prices = {p.sku: p.price for p in select(shop, "contactor", limit=100).products}
    assert prices == {sku: stored.get(sku) for sku in prices}
    assert all(str(price) == str(stored[sku]) for sku, price in prices.items() if price is not None)
    with shop.reading() as conn:
        assert selection_rows.category_state(conn, 1).stamp["updated_at"] == newest.isoformat()


def test_sort_by_parameter_price_and_stock_puts_missing_last(shop):
    by_current = select(shop, "contactor", sort="-额定电流")
    assert skus(by_current) == ["CJX2-3210", "CJX2-2510", "NXC-18-220D", "NXC-12-024", "NXC-09-220", "NXC-09M"]
    by_price = select(shop, "contactor", sort="price")
    assert skus(by_price) == ["NXC-09M", "NXC-09-220", "NXC-12-024", "NXC-18-220D", "CJX2-2510", "CJX2-3210"]
    by_stock = select(shop, "contactor", sort="-stock")
    assert skus(by_stock)[0] == "NXC-09-220" and skus(by_stock)[-1] == "NXC-18-220D"
    by_range = select(shop, "contactor", sort="operating_temp")  # low end first; missing last
    assert skus(by_range) == ["NXC-09-220", "NXC-12-024", "CJX2-3210", "NXC-09M", "CJX2-2510", "NXC-18-220D"]


def test_pages_partition_the_sorted_result(shop):
    whole = skus(select(shop, "contactor", sort="-price", limit=100))
    pages = [skus(select(shop, "contactor", sort="-price", limit=4, offset=offset)) for offset in (0, 4, 8)]
    assert pages[0] + pages[1] + pages[2] == whole and len(pages[0]) == 4 and pages[2] == []


def test_facets_count_each_parameter_under_the_other_conditions(shop):
    result = select(shop, "contactor", ["poles=3P", "coil_voltage=220V"], facets=True)
    facets = {f.parameter: f for f in result.facets}
    assert result.total == 3
    poles = facets["poles"]  # ignores poles=3P: the 220 V coils have one 4P too
    assert poles.filtered and [(v.label, v.count) for v in poles.values] == [("3P", 3), ("4P", 1)]
    coil = facets["coil_voltage"]  # ignores coil_voltage=220V, keeps poles=3P
    assert [(v.label, v.count) for v in coil.values] == [("24V", 1), ("220V", 3)]
    current = facets["rated_current"]  # not filtered: counts exactly the selection
    assert not current.filtered and sum(v.count for v in current.values) + current.missing == 3
    led = facets["led_indicator"]
    assert [(v.label, v.count) for v in led.values] == [("false", 1), ("true", 2)]
    temperature = facets["operating_temp"]
    assert ("-25°C..70°C", 1) in [(v.label, v.count) for v in temperature.values]


def test_numeric_facets_become_nice_buckets_when_values_are_many(workspace, tmp_path):
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    rows = [[f"NXC-{i:03d}", "CHNT", "接触器", "10", "", "1", f"{i + 1}A", "", "", "", "", "", ""] for i in range(40)]
    import_catalog(workspace.store, write_catalog(tmp_path / "c.csv", CONTACTOR_PARAMS, rows, "contactor"))
    facet = next(f for f in select(workspace, "contactor", facets=True).facets if f.parameter == "rated_current")
    assert facet.bucketed and [v.label for v in facet.values] == [
        "0A..5A", "5A..10A", "10A..15A", "15A..20A", "20A..25A", "25A..30A", "30A..35A", "35A..40A", "40A..45A"]
    assert sum(v.count for v in facet.values) == 40 and facet.values[0].count == 4


# --------------------------------------------------------------------------------------------- the index


def test_an_import_through_the_indexer_is_seen_by_the_next_selection(shop, tmp_path):
    assert select(shop, "contactor", ["rated_current>=40A"]).total == 0
    rows = [["NXC-40-220", "CHNT", "交流接触器 40A", "150", "", "8", "40A", "AC220V", "", "3P", "", "", ""]]
    import_catalog(shop.store, write_catalog(tmp_path / "more.csv", CONTACTOR_PARAMS, rows, "contactor"),
                   indexers=indexers_for(shop))
    result = select(shop, "contactor", ["rated_current>=40A"])
    assert skus(result) == ["NXC-40-220"] and result.notes == []


def test_an_import_without_the_indexer_is_caught_and_the_category_rebuilt(shop, tmp_path):
    changed = [row[:] for row in CONTACTORS]
    changed[0][6] = "63A"  # same products, one value changed: count and ids stay as they were
    import_catalog(shop.store, write_catalog(tmp_path / "changed.csv", CONTACTOR_PARAMS, changed, "contactor"))
    with pytest.raises(StaleIndexError, match="jbp index rebuild"):
        select(shop, "contactor", ["rated_current>=60A"], rebuild=False)
    result = select(shop, "contactor", ["rated_current>=60A"])
    assert skus(result) == ["NXC-09-220"] and "stale (products changed)" in result.notes[0]


def test_an_import_into_another_category_does_not_rebuild_this_one(shop, tmp_path):
    built = json.loads((category_path(shop.index_dir, "proximity_sensor") / MANIFEST).read_text("utf-8"))
    rows = [["NXC-50", "CHNT", "接触器", "1", "", "1", "50A", "", "", "", "", "", ""]]
    import_catalog(shop.store, write_catalog(tmp_path / "more.csv", CONTACTOR_PARAMS, rows, "contactor"))
    result = select(shop, "proximity_sensor", ["output_type=NPN"])
    assert result.total == 3 and result.notes == []
    after = json.loads((category_path(shop.index_dir, "proximity_sensor") / MANIFEST).read_text("utf-8"))
    assert after["build"] == built["build"] and after["stamp"]["import_run"] > built["stamp"]["import_run"]


def test_a_product_removed_behind_the_index_is_not_shown_nor_counted(shop):
    from sqlalchemy import delete

    from jbp.store import schema

    assert select(shop, "contactor").total == len(CONTACTORS)  # the index is current (and re-stamped)
    with shop.store.transaction() as conn:  # not an import: the stamp does not move
        conn.execute(delete(schema.products).where(schema.products.c.sku == "NXC-09M"))
    result = select(shop, "contactor", ["rated_current<=9A"])
    assert skus(result) == ["NXC-09-220"] and result.total == 1 and "products removed" in result.notes[0]


def test_changed_parameter_definitions_rebuild_the_index(shop, tmp_path):
    widened = DEFINITIONS.replace('allowed_values = ["3P", "4P"]', 'allowed_values = ["1P", "3P", "4P"]')
    (tmp_path / "widened.toml").write_text(widened, encoding="utf-8")
    define(shop.store, tmp_path / "widened.toml")
    result = select(shop, "contactor", ["poles=1P"])
    assert result.total == 0 and "parameter definitions changed" in result.notes[0]


def test_index_rebuild_recreates_a_lost_or_corrupt_index_from_the_store(shop):
    shutil.rmtree(category_path(shop.index_dir, "contactor"))
    figures = rebuild_indexes(shop)["selection"]
    assert figures["products"] == len(CONTACTORS) + len(SENSORS) and figures["size_bytes"] > 0
    assert select(shop, "contactor", ["poles=4P"]).notes == []
    (category_path(shop.index_dir, "contactor") / MANIFEST).write_text("{not json", encoding="utf-8")
    result = select(shop, "contactor", ["poles=4P"])
    assert skus(result) == ["NXC-18-220D"] and "it was missing" in result.notes[0]


# --------------------------------------------------------------------------------------------- brute force

CURRENT_SPELLINGS = [("{n}A", 1), ("{m}mA", 1000)]
COILS = ["AC{n}V", "{n}VAC", "{n}VDC", "{n}", "{n}伏", "DC{n}V"]
TEMPERATURES = ["-25~+70℃", "-5~40°C", "0-60℃", "-25~+55℃", "≥-10℃", "-40~85°C"]
SUPPLIES = ["10-30V DC", "DC6-36V", "12..24V", "AC90~250V", "24V", "18~36V"]


def random_rows(rng: random.Random, count: int) -> tuple[list, list]:
    def maybe(text: str) -> str:
        return "" if rng.random() < 0.12 else text

    contactors, sensors = [], []
    for i in range(count):
        amps = rng.choice([0.5, 6, 9, 12, 18, 25, 32, 40])
        spelling, factor = rng.choice(CURRENT_SPELLINGS)
        contactors.append([
            f"C{rng.randrange(10**6):06d}-{i}", rng.choice(["CHNT", "正泰", "DELIXI"]), "接触器",
            maybe(f"{rng.randrange(100, 30000) / 100:.2f}"), "", maybe(str(rng.randrange(0, 900))),
            maybe(spelling.format(n=f"{amps:g}", m=f"{amps * factor:g}")),
            maybe(rng.choice(COILS).format(n=rng.choice([24, 110, 220, 380]))), maybe(rng.choice(["AC", "DC"])),
            maybe(rng.choice(["3P", "4P", "3p"])), maybe(rng.choice(["1NO", "1NC", "1NO+1NC", "2NO.*", "[1NC]"])),
            maybe(rng.choice(["是", "否", "Y", "N"])), maybe(rng.choice(TEMPERATURES))])
        sensors.append([
            f"S{rng.randrange(10**6):06d}-{i}", "DELIXI", "接近开关", maybe(f"{rng.randrange(1000, 9000) / 100:.2f}"),
            "", maybe(str(rng.randrange(0, 50))), maybe(rng.choice(SUPPLIES)),
            maybe(rng.choice(["2mm", "4 mm", "0.008m", "15mm", "8mm"])), maybe(rng.choice(["NPN", "PNP"]))])
    return contactors, sensors


QUERIES = {
    "contactor": {
        ("rated_current", "额定电流", "Rated current"): [
            "=9A", "=9000mA", "!=9A", ">9A", ">=9A", "<12000mA", "<=0.5A", "=10..30A", " in (6A, 25A, 40A)"],
        ("coil_voltage", "线圈电压", "Coil voltage"): ["=220VAC", "=220V", "=24VDC", "!=220V", ">=110V", "<110VAC"],
        ("poles", "极数", "Poles"): ["=3P", "!=3P", " in (3P, 4P)", "~4"],
        ("aux_contacts", "辅助触点"): ["=1NO", "~NO", "~.*", "~[1", " in (1NC, [1NC])", "!=1NO"],
        ("led_indicator", "带指示灯"): ["=是", "=no", "!=yes"],
        ("operating_temp", "工作温度", "Operating temperature"): [
            "=0°C", "=-25..50℃", ">=70℃", "<=-20°C", "=60℃", "!=60°C", ">80°C", "<0℃"],
    },
    "proximity_sensor": {
        ("supply_voltage", "工作电压"): ["=24V", "=12..24V", ">=30V", "<12V", "=24VDC", "=220VAC", "!=24V"],
        ("sensing_distance", "检测距离"): ["=4mm", ">=4mm", "=2..8mm", " in (2mm, 8mm)", "<0.004m"],
        ("output_type", "输出类型"): ["=NPN", "!=PNP", " in (NPN, PNP)"],
    },
}
SORTS = ["price", "-price", "stock", "-stock", "sku", "-sku", "rated_current", "-rated_current", "operating_temp",
         "-operating_temp", "poles", "-poles", "supply_voltage", "-supply_voltage", "sensing_distance"]


def tolerance(value: float) -> float:
    return 1e-9 * abs(value) if math.isfinite(value) else 0.0


def current_of(product, code: str) -> str | None:
    """The value's AC/DC, or the partner parameter's (coil_voltage <- coil_current_type)."""
    own = product.params[code].text
    partner = product.params.get("coil_current_type") if code == "coil_voltage" else None
    return own or (partner.text if partner else None)


def served(current: str | None, wanted: str | None) -> bool:
    return wanted is None or current == wanted or current == "AC/DC"


def ends(value) -> tuple[float, float]:
    low = value.num_min if value.num_min is not None else value.num
    high = value.num_max if value.num_max is not None else value.num
    if low is None and high is not None:
        low = -math.inf
    if high is None and low is not None:
        high = math.inf
    return low, high


def holds(predicate, product) -> bool:
    """The documented meaning of a condition, one product at a time (no numpy, no index)."""
    code, op = predicate.param.code, predicate.op
    if code not in product.params:
        return False
    value = product.params[code]
    kind = predicate.param.kind
    if kind in ("enum", "text", "bool"):
        if op == "~":
            return any(w in unicodedata.normalize("NFKC", value.text).casefold() for w in predicate.words)
        equal = fold_header(value.text) in predicate.words
        return not equal if op == "!=" else equal
    current = current_of(product, code)
    low, high = (value.num, value.num) if kind == "numeric" else ends(value)

    def equal(bound) -> bool:
        if kind == "numeric":
            inside = bound.low - tolerance(bound.low) <= low <= bound.high + tolerance(bound.high)
        else:
            inside = low <= bound.low + tolerance(bound.low) and high >= bound.high - tolerance(bound.high)
        return inside and served(current, bound.current)

    if op in ("=", "in"):
        return any(equal(b) for b in predicate.bounds)
    if op == "!=":
        return not equal(predicate.bounds[0])
    bound = predicate.bounds[0]
    q, slack = bound.low, tolerance(bound.low)
    compared = {">=": high >= q - slack, ">": high > q + slack, "<=": low <= q + slack, "<": low < q - slack}[op]
    return compared and served(current, bound.current)


def sort_value(product, field: str, descending: bool, spec):
    """(missing?, value) with the value negated for descending order; None when missing."""
    if field == "price":
        breaks = [b for b in product.price_breaks if b.currency == "CNY"]
        value = float(min(breaks, key=lambda b: b.min_qty).price) if breaks else None
    elif field == "stock":
        value = product.stock
    else:
        param = spec.find_parameter(field)
        stored = product.params.get(param.code)
        if stored is None:
            value = None
        elif param.kind == "numeric":
            value = stored.num
        elif param.kind == "range":
            value = ends(stored)[1 if descending else 0]
        else:
            value = list(param.allowed_values).index(stored.text)
    if value is None:
        return (1, 0)
    return (0, -value if descending else value)


def expected_order(products: list, sort: str | None, spec) -> list:
    """By SKU (then brand), or by the sort field with missing values last and SKU order among equals."""
    descending = bool(sort) and sort.startswith("-")
    field = sort.lstrip("-") if sort else "sku"
    if field == "sku":
        return sorted(products, key=lambda p: (p.sku, p.brand), reverse=descending)
    return sorted(products, key=lambda p: (sort_value(p, field, descending, spec), p.sku, p.brand))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_selection_equals_a_brute_force_filter_on_random_catalogs(workspace, tmp_path, seed):
    rng = random.Random(seed)
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    contactors, sensors = random_rows(rng, 90)
    index = SelectionIndex(workspace)
    for name, header, rows, category in (("c.csv", CONTACTOR_PARAMS, contactors, "contactor"),
                                         ("s.csv", SENSOR_PARAMS, sensors, "proximity_sensor")):
        report = import_catalog(workspace.store, write_catalog(tmp_path / name, header, rows, category),
                                indexers=[index])
        assert (report.status, report.created) == ("committed", len(rows))
    with workspace.store.reading() as conn:
        definitions_in_store = load_definitions(conn)
        catalog = {code: list(iter_products(conn, definitions_in_store, category=code)) for code in QUERIES}
        specs = {code: load_category(conn, code) for code in QUERIES}
    for _ in range(25):
        category = rng.choice(list(QUERIES))
        spec, products = specs[category], catalog[category]
        chosen = rng.sample(list(QUERIES[category].items()), rng.randint(1, 3))
        where = [rng.choice(names) + rng.choice(conditions) for names, conditions in chosen]
        sort = rng.choice([None, *(s for s in SORTS if spec.find_parameter(s.lstrip("-")) or s.lstrip("-") in (
            "price", "stock", "sku"))])
        predicates = [parse_where(text, spec) for text in where]
        expected = expected_order([p for p in products if all(holds(q, p) for q in predicates)], sort, spec)
        result = select(workspace, category, where, sort=sort, limit=1000, facets=True)
        assert result.total == len(expected), where
        assert [(p.brand, p.sku) for p in result.products] == [(p.brand, p.sku) for p in expected], (where, sort)
        check_facets(result, predicates, products)


def check_facets(result, predicates, products) -> None:
    for facet in result.facets:
        others = [q for q in predicates if q.param.code != facet.parameter]
        pool = [p for p in products if all(holds(q, p) for q in others)]
        missing = sum(facet.parameter not in p.params for p in pool)
        assert facet.missing == missing, facet.parameter
        assert sum(v.count for v in facet.values) + facet.other + facet.missing == len(pool), facet.parameter
        if facet.kind in ("enum", "text", "bool"):
            counts = {}
            for p in pool:
                if facet.parameter in p.params:
                    counts[p.params[facet.parameter].text] = counts.get(p.params[facet.parameter].text, 0) + 1
            assert {v.value: v.count for v in facet.values} == counts, facet.parameter


# --------------------------------------------------------------------------------------------- command line


def test_select_command_prints_a_table_with_facets_and_json_for_machines(shop, run):
    code, out, _ = run("-w", str(shop.root), "select", "--category", "contactor", "--where", "rated_current>=18A",
                       "--where", "线圈电压=220V", "--sort", "-price", "--facets")
    assert code == 0
    assert "contactor (交流接触器 AC contactor): 2 products matching rated_current>=18A; 线圈电压=220V" in out
    lines = out.splitlines()
    assert lines[1].split() == ["brand", "SKU", "price", "CNY", "stock", "rated_current", "coil_voltage", "poles"]
    assert lines[3].split()[:3] == ["DELIXI", "CJX2-2510", "93.6"] and "poles 极数: 3P (1)  4P (1)" in out
    code, out, _ = run("-w", str(shop.root), "select", "--category", "接近开关", "--where", "supply_voltage=24V",
                       "--limit", "2", "--json")
    document = json.loads(out)
    assert code == 0 and document["total"] == 4 and len(document["products"]) == 2
    assert document["products"][0]["matched"] == [
        {"where": "supply_voltage=24V", "parameter": "supply_voltage", "value": "10V..30V DC"}]


def test_select_command_on_sqlite_imports_neither_sqlalchemy_nor_the_heavy_libraries(shop):
    import subprocess
    import sys

    if not shop.db_url.startswith("sqlite"):
        pytest.skip("a PostgreSQL store is read through SQLAlchemy")
    with shop.reading():  # the first plain read learns the code's schema version (jbp.store.reader)
        pass
    argv = ["-w", str(shop.root), "select", "--category", "contactor", "--where", "poles=3P", "--facets", "--json"]
    code = ("import sys; from jbp.cli.main import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sqlalchemy', 'pydantic', 'jieba', 'whoosh', 'trimesh', 'openpyxl', 'duckdb') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert '"sku": "NXC-09-220"' in output and '"facets": [' in output
    assert output.strip().splitlines()[-1] == "[]"


def test_select_command_reports_bad_input_without_a_traceback(shop, run):
    code, _, err = run("-w", str(shop.root), "select", "--category", "contactr")
    assert code == 1 and "did you mean: contactor" in err and "Traceback" not in err
    code, _, err = run("-w", str(shop.root), "select", "--category", "contactor", "--where", "poles in (3P")
    assert code == 1 and "missing ')'" in err and "^" in err
    code, _, _ = run("-w", str(shop.root), "select", "--category", "contactor", "--limit", "-1")
    assert code == 2
