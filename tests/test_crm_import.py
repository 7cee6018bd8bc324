"""Customers and events in: CSV, xlsx and JSON Lines, idempotent re-imports, bad rows and malformed lines named
by row and column, events for unknown customers kept aside and matched later, BOM quotes and orders synced."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from crm_fixtures import crm_workspace, write_csv, write_jsonl
from sqlalchemy import insert

from jbp.crm.brands import resolve_brand
from jbp.crm.customers import find_customer, import_customers
from jbp.crm.events import import_events, sync_bom
from jbp.store import crm_rows, schema

NOW = datetime(2026, 3, 1, 9)
HEADER = ["客户编号", "名称", "行业", "地区", "规模", "销售", "手机", "邮箱", "旺旺", "consent", "opted_out", "折扣",
          "created_at", "联系人", "职位", "短信同意"]
ROWS = [
    ["C001", "上海华通电气有限公司", "电力", "华东", "large", "王强", "138 1234 5678", "Caigou@Huatong.cn", "",
     "sms;邮件", "", "5", "2024-03-12", "赵敏", "采购经理", ""],
    ["C002", "深圳市精密机械配件有限公司", "机械", "华南", "medium", "李娜", "13923456789", "", "szjm_buyer", "all",
     "email", "", "2024-06-01", "", "", "否"],
]


@pytest.fixture
def shop(workspace, tmp_path):
    return crm_workspace(workspace, tmp_path)


def customer(shop, ref: str, brand: str = "CHNT") -> dict:
    with shop.store.reading() as conn:
        return find_customer(conn, resolve_brand(conn, brand)["id"], ref)


def test_a_bilingual_csv_becomes_customers_with_consent_per_channel(shop, tmp_path):
    report = import_customers(shop.store, write_csv(tmp_path / "c.csv", HEADER, ROWS), NOW, brand="CHNT")
    assert (report.status, report.created) == ("committed", 2)
    first, second = customer(shop, "C001"), customer(shop, "C002")
    assert (first["name"], first["region"], first["owner_rep"], first["phone"], first["email"]) == (
        "上海华通电气有限公司", "华东", "王强", "13812345678", "caigou@huatong.cn")
    assert first["consent"] == {"email": True, "sms": True} and first["discount_pct"] == Decimal("5")
    assert first["created_at"] == datetime(2024, 3, 12)
    # "all" channels, then the SMS column says no; e-mail is opted out on the import day
    assert second["consent"] == {"email": True, "sms": False, "wangwang": True, "wecom": True}
    assert second["opted_out"] == {"email": "2026-03-01"}
    with shop.store.reading() as conn:
        assert [c["name"] for c in crm_rows.contacts_of(conn, first["id"])] == ["赵敏"]


def test_reimporting_the_same_file_changes_nothing_and_a_changed_row_updates(shop, tmp_path):
    path = write_csv(tmp_path / "c.csv", HEADER, ROWS)
    import_customers(shop.store, path, NOW, brand="CHNT")
    again = import_customers(shop.store, path, NOW, brand="CHNT")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = [ROWS[0][:5] + ["李娜"] + ROWS[0][6:], ROWS[1]]
    third = import_customers(shop.store, write_csv(tmp_path / "c2.csv", HEADER, changed), NOW, brand="CHNT")
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert customer(shop, "C001")["owner_rep"] == "李娜"
    assert customer(shop, "C001")["created_at"] == datetime(2024, 3, 12)


def test_customers_import_from_xlsx_and_json_lines_alike(shop, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(ROWS[0][:6] + [13812345678] + ROWS[0][7:])
    book.save(tmp_path / "c.xlsx")
    assert import_customers(shop.store, tmp_path / "c.xlsx", NOW, brand="CHNT").created == 1
    lines = [{"customer": "C003", "name": "北京精工自动化", "consent": {"wecom": True, "sms": False},
              "contacts": [{"name": "李工", "role": "设备主管", "phone": "13700001111"}], "brand": "DELIXI"}]
    assert import_customers(shop.store, write_jsonl(tmp_path / "c.jsonl", lines), NOW).created == 1
    assert customer(shop, "C001")["phone"] == "13812345678"
    assert customer(shop, "C003", "DELIXI")["consent"] == {"sms": False, "wecom": True}


def test_bad_customer_rows_are_named_and_nothing_is_imported_unless_partial(shop, tmp_path):
    rows = ROWS + [["C003", "x", "", "", "", "", "12-34", "not-an-email", "", "fax", "", "120", "yesterday", "", "",
                    "maybe"], ["", "no id"] + [""] * 14]
    path = write_csv(tmp_path / "c.csv", HEADER, rows)
    report = import_customers(shop.store, path, NOW, brand="CHNT")
    assert (report.status, report.created, report.rejected) == ("rejected", 0, 2)
    problems = {(p.location.row, p.location.column): p.reason for p in report.problems}
    assert problems[(4, "phone")] == "not a phone number: '12-34'"
    assert problems[(4, "email")] == "not an e-mail address: 'not-an-email'"
    assert "unknown channel 'fax'" in problems[(4, "consent")]
    assert "0 to 100 percent" in problems[(4, "discount_pct")]
    assert "not an ISO date" in problems[(4, "created_at")]
    assert problems[(4, "短信同意")] == "not yes/no: 'maybe'"
    assert problems[(5, "customer")].startswith("no customer id")
    with shop.store.reading() as conn:
        assert crm_rows.count_customers(conn, resolve_brand(conn, "CHNT")["id"]) == 0
    partial = import_customers(shop.store, path, NOW, brand="CHNT", partial=True)
    assert (partial.status, partial.created, partial.rejected) == ("committed", 2, 2)


def test_malformed_json_lines_are_reported_by_line_number(shop, tmp_path):
    import_customers(shop.store, write_csv(tmp_path / "c.csv", HEADER, ROWS), NOW, brand="CHNT")
    path = tmp_path / "e.jsonl"
    path.write_text('{"id": "e1", "customer": "C001", "kind": "search", "at": "2026-02-01"}\n'
                    '{"id": "e2", "customer": "C001", "kind": "order", "at": \n'
                    '["not", "an", "object"]\n'
                    '\n'
                    '{"id": "e3", "customer": "C001", "kind": "purchase", "at": "2026-02-02"}\n'
                    '{"id": "e4", "customer": "C001", "kind": "order", "at": "2026-02-03", "amount": "12.5元"}\n',
                    encoding="utf-8")
    report = import_events(shop.store, path, NOW, brand="CHNT")
    assert (report.status, report.events_added) == ("rejected", 0)
    assert [(p.location.row, p.reason.split(":")[0]) for p in report.problems] == [
        (2, "not valid JSON"), (3, "each line holds one JSON object"), (5, "unknown event kind 'purchase' (kinds"),
        (6, "not an amount")]
    partial = import_events(shop.store, path, NOW, brand="CHNT", partial=True)
    assert (partial.status, partial.events_added) == ("committed", 1)


def test_events_are_recorded_once_whatever_the_file_says_twice(shop, tmp_path):
    import_customers(shop.store, write_csv(tmp_path / "c.csv", HEADER, ROWS), NOW, brand="CHNT")
    events = [{"customer": "C001", "kind": "search", "at": "2026-02-01T10:00", "query": "NXC-25"},
              {"customer": "C001", "kind": "search", "at": "2026-02-01T10:00", "query": "NXC-25"},
              {"id": "o-1", "customer": "C001", "kind": "订单", "at": "2026-02-03", "amount": "1200.50"}]
    path = write_jsonl(tmp_path / "e.jsonl", events)
    first = import_events(shop.store, path, NOW, brand="CHNT")
    assert (first.events_added, first.events_duplicate) == (2, 1)  # ids made from content: the twin is one event
    second = import_events(shop.store, path, NOW, brand="CHNT")
    assert (second.events_added, second.events_duplicate) == (0, 3)
    with shop.store.reading() as conn:
        recorded = crm_rows.events_of(conn, customer(shop, "C001")["id"])
    assert [(e["kind"], e["amount"], e["payload"]) for e in recorded] == [
        ("order", Decimal("1200.5"), {}), ("search", None, {"query": "NXC-25"})]


def test_events_for_unknown_customers_are_kept_aside_then_matched(shop, tmp_path):
    events = [{"id": "x1", "customer": "C777", "kind": "bom_upload", "at": "2026-02-01", "file": "bom.xlsx"},
              {"id": "x2", "customer": "C777", "kind": "quote", "at": "2026-02-01", "amount": "880"}]
    report = import_events(shop.store, write_jsonl(tmp_path / "e.jsonl", events), NOW, brand="CHNT")
    assert (report.events_added, report.events_unmatched, report.unmatched_refs) == (0, 2, ["C777"])
    with shop.store.reading() as conn:
        brand_id = resolve_brand(conn, "CHNT")["id"]
        assert crm_rows.unmatched_summary(conn, brand_id)[0]["customer_ref"] == "C777"
    later = import_customers(shop.store, write_jsonl(tmp_path / "c.jsonl", [{"customer": "C777", "name": "新客户"}]),
                             NOW, brand="CHNT")
    assert later.events_rematched == 2
    with shop.store.reading() as conn:
        assert crm_rows.count_unmatched(conn, brand_id) == 0
        assert {e["id"] for e in crm_rows.events_of(conn, customer(shop, "C777")["id"])} == {"x1", "x2"}


def test_bom_quotes_and_orders_become_events_once(shop, tmp_path):
    import_customers(shop.store, write_csv(tmp_path / "c.csv", HEADER, ROWS), NOW, brand="CHNT")
    with shop.store.transaction() as conn:
        brand = resolve_brand(conn, "CHNT")
        quote = conn.execute(insert(schema.bom_quotes).values(
            brand_id=brand["id"], customer_ref="C001", content_hash="h", result_hash="r", source_name="变电站BOM.xlsx",
            created_at=datetime(2026, 2, 20, 9), status="ordered", currency="CNY", total=Decimal("45800"),
            lines_total=3, lines_matched=3, boards=1, payload={})).inserted_primary_key[0]
        order = conn.execute(insert(schema.orders).values(
            quote_id=quote, brand_id=brand["id"], customer_ref="C001", created_at=datetime(2026, 2, 21, 9),
            currency="CNY", total=Decimal("45800"), lines=2, status="placed")).inserted_primary_key[0]
        conn.execute(insert(schema.order_lines), [
            {"order_id": order, "position": 1, "sku": "NXB-63", "qty": 10, "unit_price": Decimal("80"),
             "extended": Decimal("800"), "category_code": "breaker"},
            {"order_id": order, "position": 2, "sku": "NXC-25", "qty": 100, "unit_price": Decimal("450"),
             "extended": Decimal("45000"), "category_code": "contactor"}])
        conn.execute(insert(schema.bom_quotes).values(
            brand_id=brand["id"], customer_ref="C404", content_hash="h2", result_hash="r2", source_name="x.csv",
            created_at=datetime(2026, 2, 22), status="quoted", currency="CNY", total=Decimal("10"), lines_total=1,
            lines_matched=1, boards=1, payload={}))
        synced = sync_bom(conn, brand, NOW)
    assert (synced.added, synced.unmatched) == (3, 2)
    with shop.store.transaction() as conn:
        assert sync_bom(conn, resolve_brand(conn, "CHNT"), NOW).added == 0
        recorded = crm_rows.events_of(conn, customer(shop, "C001")["id"])
    assert [(e["id"], e["kind"], e["amount"], e["category"]) for e in recorded] == [
        (f"order:{order}", "order", Decimal("45800"), "contactor"),
        (f"bom_upload:{quote}", "bom_upload", None, None), (f"quote:{quote}", "quote", Decimal("45800"), None)]
