"""Full-text search: part numbers as typed, zh/en words, filters, hostile queries, index freshness.

The same behaviour tests run on both engines (FTS5 and whoosh) and on both stores (SQLite, and
PostgreSQL with the FTS5 side file) over one small bilingual catalog built here.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jbp.catalog.definitions import define
from jbp.catalog.importing import ImportOptions, import_catalog
from jbp.catalog.indexes import StaleIndexError, indexers_for, rebuild_indexes
from jbp.catalog.textsearch import SearchIndex, SearchResult, search
from jbp.catalog.textsearch import indexing as search_indexing
from jbp.catalog.textsearch.documents import index_tokens, query_tokens
from jbp.errors import DataError, NotFoundError, WorkspaceError
from jbp.store import search_rows

DEFINITIONS = """
[[brands]]
code = "SCHNEIDER"
name_zh = "施耐德"
name_en = "Schneider Electric"
aliases = ["施耐德电气"]

[[brands]]
code = "CHNT"
name_zh = "正泰"
name_en = "CHINT"
aliases = ["正泰电器"]

[[brands]]
code = "HGT"
name_zh = "恒冠"
name_en = "Hengguan"

[[brands]]
code = "YAGEO"
name_zh = "国巨"
name_en = "Yageo"

[[categories]]
code = "lv_control"
name_zh = "低压控制"
name_en = "Low-voltage control"

[[categories]]
code = "contactor"
name_zh = "交流接触器"
name_en = "AC contactor"
parent = "lv_control"

[[categories]]
code = "mcb"
name_zh = "小型断路器"
name_en = "Miniature circuit breaker"
parent = "lv_control"

[[categories]]
code = "bearing"
name_zh = "深沟球轴承"
name_en = "Deep groove ball bearing"

[[categories]]
code = "chip_resistor"
name_zh = "贴片电阻"
name_en = "Chip resistor"

[[categories]]
code = "film_resistor"
name_zh = "金属膜电阻器"
name_en = "Metal film resistor"

[[categories]]
code = "chip_capacitor"
name_zh = "贴片电容"
name_en = "Chip capacitor"
"""


def product(brand, sku, category, name_zh, name_en, mpn=None, description=None, series=None) -> dict:
    return {"brand": brand, "sku": sku, "mpn": mpn or sku, "category": category, "series": series,
            "name_zh": name_zh, "name_en": name_en, "description": description}


PRODUCTS = [
    product("SCHNEIDER", "LC1D09M7C", "contactor", "交流接触器 LC1D09M7C 9A 线圈AC220V",
            "TeSys D contactor 9A, 220V AC coil", series="TeSys D", description="3极，AC-3额定电流9A，1常开辅助触点"),
    product("SCHNEIDER", "LC1D09F7C", "contactor", "交流接触器 LC1D09F7C 9A 线圈AC110V",
            "TeSys D contactor 9A, 110V AC coil", series="TeSys D"),
    product("SCHNEIDER", "LC1D18M7C", "contactor", "交流接触器 LC1D18M7C 18A 线圈AC220V",
            "TeSys D contactor 18A, 220V AC coil", series="TeSys D"),
    product("CHNT", "NXC-09-220", "contactor", "交流接触器 NXC-09 AC220V", "AC contactor NXC-09, 220V coil",
            mpn="NXC-09", series="NXC"),
    product("CHNT", "NXB-63-C16", "mcb", "小型断路器 NXB-63 1P C16", "Miniature circuit breaker NXB-63 1P C16A",
            mpn="NXB-63 1P C16"),
    product("HGT", "HGT-6205-2RS", "bearing", "深沟球轴承 6205-2RS 双面胶封",
            "Deep groove ball bearing 6205-2RS, sealed", mpn="6205-2RS"),
    product("HGT", "HGT-6205-2RS-C3", "bearing", "深沟球轴承 6205-2RS C3游隙", "Deep groove ball bearing 6205-2RS C3",
            mpn="6205-2RS/C3"),
    product("HGT", "HGT-6206-ZZ", "bearing", "深沟球轴承 6206-ZZ 双面铁封", "Deep groove ball bearing 6206-ZZ, shields",
            mpn="6206-ZZ", description="metal shields; a sealed version is 6206-2RS"),
    product("HGT", "6205-2RS", "bearing", "深沟球轴承 6205-2RS 经济型", "Deep groove ball bearing 6205-2RS, economy"),
    product("YAGEO", "RC0603FR-0710KL", "chip_resistor", "贴片电阻 0603 10kΩ ±1%", "Chip resistor 0603 10kΩ 1%"),
    product("YAGEO", "MFR-25FBF52-4K7", "film_resistor", "金属膜电阻器 4.7kΩ 1/4W", "Metal film resistor 4.7kΩ 0.25W",
            description="色环电阻，精度±1%"),
    product("YAGEO", "CC0603KRX7R9BB104", "chip_capacitor", "贴片电容 0603 100nF 50V", "Chip capacitor 0603 100nF X7R"),
]


def write_catalog(path: Path, products: list[dict]) -> Path:
    path.write_text(json.dumps({"format": "jbp-catalog", "products": products}, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(params=["fts5", "whoosh"])
def shop(request, workspace, tmp_path):
    """The catalog above, imported with the search index of the parametrised engine kept current."""
    workspace.config.setdefault("search", {})["engine"] = request.param
    definitions = tmp_path / "definitions.toml"
    definitions.write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, definitions)
    imported = import_catalog(workspace.store, write_catalog(tmp_path / "catalog.json", PRODUCTS),
                              indexers=[SearchIndex(workspace)])
    assert imported.status == "committed" and imported.created == len(PRODUCTS)
    return workspace


def skus(result: SearchResult) -> list[str]:
    return [hit.sku for hit in result.hits]


def matches(result: SearchResult) -> list[tuple[str, str]]:
    return [(hit.sku, hit.match) for hit in result.hits]


# ------------------------------------------------------------------------------------------- part numbers


def test_part_number_typed_any_way_finds_products_starting_with_it(shop):
    for typed in ("lc1-d09", "LC1 D09", "lc1.d09", "Lc1/D09", "ＬＣ１Ｄ０９"):
        result = search(shop, typed)
        assert matches(result)[:2] == [("LC1D09F7C", "mpn_prefix"), ("LC1D09M7C", "mpn_prefix")], typed
    assert result.hits[0].brand == "SCHNEIDER" and result.hits[0].category == "contactor"


def test_exact_sku_then_exact_mpn_then_prefix_hits_come_first(shop):
    result = search(shop, "6205 2rs")
    assert matches(result)[:3] == [("6205-2RS", "sku"), ("HGT-6205-2RS", "mpn_exact"),
                                   ("HGT-6205-2RS-C3", "mpn_prefix")]
    assert result.hits[0].score == result.hits[1].score == 1.0
    assert matches(search(shop, "nxc 09 220"))[0] == ("NXC-09-220", "sku")


def test_fragment_inside_a_part_number_is_found_after_prefixes(shop):
    result = search(shop, "d09")
    assert set(matches(result)) == {("LC1D09M7C", "mpn_substring"), ("LC1D09F7C", "mpn_substring")}
    assert matches(search(shop, "0710K")) == [("RC0603FR-0710KL", "mpn_substring")]


def test_mistyped_part_number_gets_did_you_mean_and_a_plain_word_does_not(shop):
    for typo, meant in (("LC1D90M7C", "LC1D09M7C"), ("6250-2RS", "6205-2RS"), ("NXB-36 1P C16", "NXB-63 1P C16"),
                        ("KC1D18M7C", "LC1D18M7C")):
        result = search(shop, typo)
        assert result.hits == [], typo
        assert result.did_you_mean[0] == meant, typo
    plain_word = search(shop, "hydraulic")
    assert plain_word.hits == [] and plain_word.did_you_mean == []


# ------------------------------------------------------------------------------------------- words


def test_two_character_chinese_word_finds_every_product_whose_words_hold_it(shop):
    # 电阻 is inside 贴片电阻, 金属膜电阻器 and 色环电阻; 贴片电容 shares 贴片 but is no resistor
    assert set(skus(search(shop, "电阻"))) == {"RC0603FR-0710KL", "MFR-25FBF52-4K7"}


WORD_QUERIES = [
    ("接触器", {"LC1D09M7C", "LC1D09F7C", "LC1D18M7C", "NXC-09-220"}),
    ("正泰", {"NXC-09-220", "NXB-63-C16"}),  # brand name
    ("施耐德电气", {"LC1D09M7C", "LC1D09F7C", "LC1D18M7C"}),  # brand alias
    ("低压控制", {"LC1D09M7C", "LC1D09F7C", "LC1D18M7C", "NXC-09-220", "NXB-63-C16"}),  # parent category
    ("球轴承", {"HGT-6205-2RS", "HGT-6205-2RS-C3", "HGT-6206-ZZ", "6205-2RS"}),
    ("施耐德 接触器 110V", {"LC1D09F7C"}),  # every word required; 110V found inside AC110V
    ("TeSys", {"LC1D09M7C", "LC1D09F7C", "LC1D18M7C"}),  # series
    ("bearings", {"HGT-6205-2RS", "HGT-6205-2RS-C3", "HGT-6206-ZZ", "6205-2RS"}),  # plural of the name's word
    ("Chip Resistor", {"RC0603FR-0710KL"}),
    ("10kΩ", {"RC0603FR-0710KL"}),
    ("4.7kΩ 1/4W", {"MFR-25FBF52-4K7"}),
    ("常开辅助触点", {"LC1D09M7C"}),  # description
    ("LC1D09 接触器", {"LC1D09M7C", "LC1D09F7C"}),  # a part number typed in part, among words
]


def test_words_in_zh_or_en_find_exactly_the_products_holding_them_all(shop):
    for query, expected in WORD_QUERIES:
        result = search(shop, query)
        assert set(skus(result)) == expected, query
        assert {hit.match for hit in result.hits} == {"text"}, query


def test_words_in_names_rank_above_words_in_descriptions(shop):
    assert skus(search(shop, "sealed")) == ["HGT-6205-2RS", "HGT-6206-ZZ"]


# ------------------------------------------------------------------------------------------- filters and limits


def test_brand_and_category_filters_accept_names_and_include_subcategories(shop):
    assert set(skus(search(shop, "AC220V", brand="正泰"))) == {"NXC-09-220"}
    assert set(skus(search(shop, "lc1d", category="交流接触器"))) == {"LC1D09M7C", "LC1D09F7C", "LC1D18M7C"}
    assert set(skus(search(shop, "nx", category="lv_control"))) == {"NXC-09-220", "NXB-63-C16"}
    assert skus(search(shop, "NXB-63", category="contactor")) == []


def test_unknown_brand_or_category_names_close_ones(shop):
    with pytest.raises(NotFoundError, match="施耐德"):
        search(shop, "接触器", brand="施耐得")
    with pytest.raises(NotFoundError, match="contactor"):
        search(shop, "9A", category="contactors")


def test_limit_cuts_the_list_and_says_there_is_more(shop):
    result = search(shop, "球轴承", limit=2)
    assert len(result.hits) == 2 and result.more
    assert not search(shop, "球轴承", limit=4).more


# ------------------------------------------------------------------------------------------- hostile input


def test_query_syntax_characters_are_plain_text_never_errors(shop):
    for query in ["AND", "NEAR(", "接触器 AND", "LC1D09*", "(交流接触器", "a OR b", "^LC1",
                  "'; DROP TABLE products; --", "NOT 9A", "names:接触器", "{names}: x",
                  "NEAR(LC1D09 NXC, 2)", "6205-2RS\"", "%9A%", '"LC1D09 NXC"']:
        assert isinstance(search(shop, query), SearchResult), query
    assert set(skus(search(shop, "接触器 AND 正泰"))) == {"NXC-09-220"}  # operator words are not required


def test_empty_huge_or_wordless_query_is_refused_clearly(shop):
    for query, message in (("", "empty"), ("   ", "empty"), ("x" * 201, "201 characters"),
                           ("*** !!!", "no words or part number"), ('"', "no words"), ("\\", "no words")):
        with pytest.raises(DataError, match=message):
            search(shop, query)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from('AND OR NEAR NOT*"()^:{}+-.,/\\%_ 接触器电阻LC1D09ab'), max_size=40))
def test_any_query_text_gives_a_result_or_a_clear_data_error(shop, query):
    try:
        search(shop, query)
    except DataError:
        pass


# ------------------------------------------------------------------------------------------- freshness


def test_search_after_an_import_sees_new_and_changed_products(shop, tmp_path):
    changed = [dict(PRODUCTS[0], name_zh="交流接触器 LC1D09M7C 改进型", description="AC-3额定电流9A"),
               product("CHNT", "NXC-12-220", "contactor", "交流接触器 NXC-12", "AC contactor NXC-12", mpn="NXC-12")]
    report = import_catalog(shop.store, write_catalog(tmp_path / "more.json", changed), indexers=[SearchIndex(shop)])
    assert (report.created, report.updated) == (1, 1)
    assert skus(search(shop, "改进型")) == ["LC1D09M7C"]
    assert skus(search(shop, "1常开辅助触点")) == []  # the description is gone from the changed row
    assert matches(search(shop, "nxc-12"))[0] == ("NXC-12-220", "mpn_exact")


def test_import_that_bypassed_the_index_is_caught_up_by_the_next_search(shop, tmp_path):
    extra = [product("CHNT", "NXC-25-220", "contactor", "交流接触器 NXC-25", "AC contactor NXC-25", mpn="NXC-25")]
    import_catalog(shop.store, write_catalog(tmp_path / "more.json", extra))  # no indexers
    assert matches(search(shop, "NXC-25")) == [("NXC-25-220", "mpn_exact")]


def test_rejected_import_leaves_the_index_as_it_was(shop, tmp_path):
    bad = [product("CHNT", "NXC-32-220", "contactor", "交流接触器 NXC-32", "AC contactor NXC-32", mpn="NXC-32"),
           product("NOBODY", "X-1", "contactor", "交流接触器 X", "AC contactor X")]
    report = import_catalog(shop.store, write_catalog(tmp_path / "bad.json", bad), indexers=[SearchIndex(shop)])
    assert report.status == "rejected"
    assert search(shop, "NXC-32").hits == []


def test_renamed_brand_is_found_under_its_new_name(shop, tmp_path):
    renamed = tmp_path / "renamed.toml"
    renamed.write_text('[[brands]]\ncode = "HGT"\nname_zh = "恒冠传动"\nname_en = "Hengguan Transmission"\n',
                       encoding="utf-8")
    define(shop.store, renamed)
    assert len(search(shop, "transmission").hits) == 4


def test_index_too_far_behind_asks_for_a_rebuild_then_rebuild_recreates_it(shop, tmp_path, monkeypatch):
    monkeypatch.setattr(search_indexing, "AUTO_REFRESH_LIMIT", 1)
    extra = [product("CHNT", f"NXC-{n}-220", "contactor", f"交流接触器 NXC-{n}", f"AC contactor NXC-{n}")
             for n in (32, 38)]
    import_catalog(shop.store, write_catalog(tmp_path / "more.json", extra))  # no indexers
    with pytest.raises(StaleIndexError, match="jbp index rebuild"):
        search(shop, "接触器")
    report = rebuild_indexes(shop)
    assert report["search"]["documents"] == len(PRODUCTS) + 2
    assert report["search"]["engine"] == shop.setting("search", "engine")
    assert len(search(shop, "接触器").hits) == 6


def test_lost_index_is_rebuilt_from_the_store(shop):
    backend = SearchIndex(shop).backend
    if backend.name == "whoosh":
        shutil.rmtree(backend.path)
    elif backend.in_store:
        with shop.store.transaction() as conn:
            search_rows.reset_tables(conn)
    else:
        backend.path.unlink()
    assert set(skus(search(shop, "电阻"))) == {"RC0603FR-0710KL", "MFR-25FBF52-4K7"}


def test_fts5_index_lives_in_the_sqlite_store_or_beside_postgresql(workspace):
    backend = SearchIndex(workspace, "fts5").backend
    if workspace.store.dialect == "sqlite":
        assert backend.in_store and backend.path is None
    else:
        search(workspace, "anything")  # builds the (empty) side index
        assert not backend.in_store and backend.path == workspace.index_dir / "search.sqlite"
        assert backend.path.is_file()


def test_unknown_engine_in_the_workspace_settings_is_named(workspace):
    workspace.config["search"] = {"engine": "lucene"}
    with pytest.raises(WorkspaceError, match="lucene"):
        search(workspace, "接触器")


# ------------------------------------------------------------------------------------------- tokens


def test_chinese_is_segmented_so_a_word_inside_a_longer_word_is_a_token():
    tokens = index_tokens("金属膜电阻器 交流接触器")
    assert {"电阻", "电阻器", "接触器", "接触", "交流"} <= set(tokens)
    assert query_tokens("电阻") == ["电阻"]


def test_words_fold_case_width_and_plurals_and_values_are_found_inside_longer_words():
    assert query_tokens("Ｂｅａｒｉｎｇｓ AND 220V") == ["bearing", "220v"]
    assert {"ac220v", "ac", "220", "v", "220v"} <= set(index_tokens("线圈AC220V"))


# ------------------------------------------------------------------------------------------- command line


def test_cli_import_indexes_and_search_prints_hits_json_and_suggestions(run, tmp_path):
    assert run("init", str(tmp_path / "shop"))[0] == 0
    shop = str(tmp_path / "shop")
    (tmp_path / "definitions.toml").write_text(DEFINITIONS, encoding="utf-8")
    assert run("-w", shop, "catalog", "define", str(tmp_path / "definitions.toml"))[0] == 0
    assert run("-w", shop, "catalog", "import", str(write_catalog(tmp_path / "c.json", PRODUCTS)))[0] == 0
    code, out, _ = run("-w", shop, "search", "lc1-d09")
    assert code == 0 and "LC1D09M7C" in out and "mpn_prefix" in out
    code, out, _ = run("-w", shop, "search", "电阻", "--json")
    document = json.loads(out)
    assert document["engine"] == "fts5" and {h["sku"] for h in document["hits"]} == {"RC0603FR-0710KL",
                                                                                      "MFR-25FBF52-4K7"}
    code, out, _ = run("-w", shop, "search", "LC1D90M7C")
    assert code == 0 and "no products match" in out and "did you mean: LC1D09M7C" in out
    code, _, err = run("-w", shop, "search", "  ")
    assert code == 1 and "empty" in err
    code, _, err = run("-w", shop, "search", "x", "--limit", "0")
    assert code == 2
    code, out, _ = run("-w", shop, "index", "rebuild", "--json")
    assert code == 0 and json.loads(out)["search"]["documents"] == len(PRODUCTS)


def test_every_registered_index_is_kept_current_by_an_import(workspace, tmp_path):
    (tmp_path / "definitions.toml").write_text(DEFINITIONS, encoding="utf-8")
    define(workspace.store, tmp_path / "definitions.toml")
    indexers = indexers_for(workspace)
    assert "search" in [index.name for index in indexers]
    import_catalog(workspace.store, write_catalog(tmp_path / "c.json", PRODUCTS), ImportOptions(), indexers=indexers)
    search_index = next(index for index in indexers if index.name == "search")
    with workspace.store.reading() as conn:
        assert search_index.backend.stamp(conn) is not None
    assert skus(search(workspace, "NXB63"))[0] == "NXB-63-C16"
