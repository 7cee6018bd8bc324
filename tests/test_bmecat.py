"""BMEcat 1.2 and 2005 parsing: field mapping, streaming with flat memory, and hostile or broken XML."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import types
from pathlib import Path

import pytest

from jbp.catalog.importers import bmecat
from jbp.catalog.importers.bmecat import load_bmecat, sniff_bmecat
from jbp.errors import CatalogImportError

NS_12 = ' xmlns="http://www.bmecat.org/bmecat/1.2/bmecat_new_catalog"'
NS_2005 = ' xmlns="http://www.bmecat.org/bmecat/2005"'

CATALOG_12 = """<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="1.2"{xmlns}>
  <HEADER>
    <CATALOG><LANGUAGE>zho</LANGUAGE><CATALOG_ID>CHNT-2025</CATALOG_ID><CURRENCY>CNY</CURRENCY></CATALOG>
    <SUPPLIER><SUPPLIER_NAME>正泰电器 CHNT</SUPPLIER_NAME></SUPPLIER>
  </HEADER>
  <T_NEW_CATALOG>
    <CATALOG_GROUP_SYSTEM>
      <CATALOG_STRUCTURE type="root"><GROUP_ID>1</GROUP_ID><GROUP_NAME>根</GROUP_NAME>
        <PARENT_ID>0</PARENT_ID></CATALOG_STRUCTURE>
      <CATALOG_STRUCTURE type="node"><GROUP_ID>LV</GROUP_ID><GROUP_NAME>低压电器</GROUP_NAME>
        <PARENT_ID>1</PARENT_ID></CATALOG_STRUCTURE>
      <CATALOG_STRUCTURE type="leaf"><GROUP_ID>contactor</GROUP_ID><GROUP_NAME>Contactors</GROUP_NAME>
        <PARENT_ID>LV</PARENT_ID></CATALOG_STRUCTURE>
    </CATALOG_GROUP_SYSTEM>
    <ARTICLE mode="new">
      <SUPPLIER_AID>NXC-09-220</SUPPLIER_AID>
      <ARTICLE_DETAILS>
        <DESCRIPTION_SHORT>交流接触器 NXC-09 AC220V</DESCRIPTION_SHORT>
        <DESCRIPTION_LONG>&lt;p&gt;NXC 系列交流接触器&lt;br/&gt;额定电流 9 A &amp;amp; 3 极&lt;/p&gt;</DESCRIPTION_LONG>
        <EAN>6943245512345</EAN>
        <MANUFACTURER_AID>NXC-09</MANUFACTURER_AID>
        <MANUFACTURER_NAME>CHNT</MANUFACTURER_NAME>
        <DELIVERY_TIME>3</DELIVERY_TIME>
        <ARTICLE_STATUS type="core_product"/>
        <ARTICLE_STATUS type="new"/>
      </ARTICLE_DETAILS>
      <ARTICLE_FEATURES>
        <REFERENCE_FEATURE_SYSTEM_NAME>udf_NMTECHNICALDETAILS-1.0</REFERENCE_FEATURE_SYSTEM_NAME>
        <REFERENCE_FEATURE_GROUP_ID>Technische Daten</REFERENCE_FEATURE_GROUP_ID>
        <FEATURE><FNAME>-</FNAME><FVALUE>经久耐用</FVALUE></FEATURE>
        <FEATURE><FNAME>极数</FNAME><FVALUE>3P</FVALUE></FEATURE>
      </ARTICLE_FEATURES>
      <ARTICLE_FEATURES>
        <REFERENCE_FEATURE_SYSTEM_NAME>ETIM-7.0</REFERENCE_FEATURE_SYSTEM_NAME>
        <REFERENCE_FEATURE_GROUP_ID>EC000066</REFERENCE_FEATURE_GROUP_ID>
        <FEATURE><FNAME>EF000008</FNAME><FVALUE>9</FVALUE><FUNIT>A</FUNIT></FEATURE>
        <FEATURE><FNAME>线圈电压</FNAME><FVALUE>AC</FVALUE><FVALUE>220</FVALUE><FUNIT>V</FUNIT>
          <FVALUE_DETAILS>coil voltage</FVALUE_DETAILS></FEATURE>
        <FEATURE><FNAME>0173-1#02-AAO677#002</FNAME><FVALUE>CHNT</FVALUE></FEATURE>
      </ARTICLE_FEATURES>
      <ARTICLE_ORDER_DETAILS>
        <ORDER_UNIT>C62</ORDER_UNIT><CONTENT_UNIT>PCE</CONTENT_UNIT><NO_CU_PER_OU>10</NO_CU_PER_OU>
        <PRICE_QUANTITY>10</PRICE_QUANTITY><QUANTITY_MIN>20</QUANTITY_MIN><QUANTITY_INTERVAL>10</QUANTITY_INTERVAL>
      </ARTICLE_ORDER_DETAILS>
      <ARTICLE_PRICE_DETAILS>
        <ARTICLE_PRICE price_type="nrp"><PRICE_AMOUNT>150.00</PRICE_AMOUNT></ARTICLE_PRICE>
        <ARTICLE_PRICE price_type="net_customer"><PRICE_AMOUNT>125.00</PRICE_AMOUNT><LOWER_BOUND>1</LOWER_BOUND>
          </ARTICLE_PRICE>
        <ARTICLE_PRICE price_type="net_customer"><PRICE_AMOUNT>118.00</PRICE_AMOUNT>
          <PRICE_CURRENCY>CNY</PRICE_CURRENCY><LOWER_BOUND>100</LOWER_BOUND></ARTICLE_PRICE>
        <ARTICLE_PRICE price_type="net_list"><PRICE_AMOUNT>130.00</PRICE_AMOUNT></ARTICLE_PRICE>
      </ARTICLE_PRICE_DETAILS>
      <ARTICLE_PRICE_DETAILS>
        <DATETIME type="valid_start_date"><DATE>2026-01-01</DATE></DATETIME>
        <ARTICLE_PRICE price_type="net_customer"><PRICE_AMOUNT>120.00</PRICE_AMOUNT><LOWER_BOUND>1</LOWER_BOUND>
          </ARTICLE_PRICE>
        <ARTICLE_PRICE price_type="net_customer"><PRICE_AMOUNT>15.90</PRICE_AMOUNT>
          <PRICE_CURRENCY>EUR</PRICE_CURRENCY><LOWER_BOUND>1</LOWER_BOUND></ARTICLE_PRICE>
      </ARTICLE_PRICE_DETAILS>
      <MIME_INFO>
        <MIME><MIME_TYPE>image/jpeg</MIME_TYPE><MIME_SOURCE>nxc09.jpg</MIME_SOURCE><MIME_DESCR>产品图</MIME_DESCR>
          <MIME_PURPOSE>normal</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>image/png</MIME_TYPE><MIME_SOURCE>nxc09_s.png</MIME_SOURCE>
          <MIME_PURPOSE>thumbnail</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>application/pdf</MIME_TYPE><MIME_SOURCE>nxc_datasheet.pdf</MIME_SOURCE>
          <MIME_PURPOSE>data_sheet</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>application/pdf</MIME_TYPE><MIME_SOURCE>nxc_manual.pdf</MIME_SOURCE>
          <MIME_PURPOSE>others</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>application/octet-stream</MIME_TYPE><MIME_SOURCE>cad/NXC-09.STP</MIME_SOURCE>
          <MIME_PURPOSE>others</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>model/stl</MIME_TYPE><MIME_SOURCE>cad/nxc09-mesh</MIME_SOURCE>
          <MIME_PURPOSE>others</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>image/jpeg</MIME_TYPE><MIME_PURPOSE>normal</MIME_PURPOSE></MIME>
      </MIME_INFO>
      <ARTICLE_REFERENCE type="followup"><ART_ID_TO>NXC-09M-220</ART_ID_TO></ARTICLE_REFERENCE>
      <ARTICLE_REFERENCE type="accessories"><ART_ID_TO>NXC-AUX-11</ART_ID_TO></ARTICLE_REFERENCE>
      <ARTICLE_REFERENCE type="sparepart"><ART_ID_TO>NXC-COIL-220</ART_ID_TO></ARTICLE_REFERENCE>
      <USER_DEFINED_EXTENSIONS><UDX.ORDER><ORDER_UNIT>XXX</ORDER_UNIT><PRICE_QUANTITY>0</PRICE_QUANTITY>
        </UDX.ORDER></USER_DEFINED_EXTENSIONS>
    </ARTICLE>
    <ARTICLE mode="new">
      <SUPPLIER_AID>NXB-63-C16</SUPPLIER_AID>
      <ARTICLE_DETAILS>
        <DESCRIPTION_SHORT>Miniature circuit breaker NXB-63 1P C16</DESCRIPTION_SHORT>
      </ARTICLE_DETAILS>
      <ARTICLE_ORDER_DETAILS><ORDER_UNIT>PCE</ORDER_UNIT></ARTICLE_ORDER_DETAILS>
    </ARTICLE>
    <ARTICLE_TO_CATALOGGROUP_MAP><ART_ID>NXC-09-220</ART_ID><CATALOG_GROUP_ID>contactor</CATALOG_GROUP_ID>
      </ARTICLE_TO_CATALOGGROUP_MAP>
    <ARTICLE_TO_CATALOGGROUP_MAP><ART_ID>NXB-63-C16</ART_ID><CATALOG_GROUP_ID>LV</CATALOG_GROUP_ID>
      </ARTICLE_TO_CATALOGGROUP_MAP>
  </T_NEW_CATALOG>
</BMECAT>
"""

CATALOG_2005 = """<?xml version="1.0" encoding="UTF-8"?>
<BMECAT version="2005"{xmlns}>
  <HEADER>
    <CATALOG><LANGUAGE default="true">eng</LANGUAGE><LANGUAGE>zho</LANGUAGE><CURRENCY>EUR</CURRENCY></CATALOG>
    <SUPPLIER><SUPPLIER_NAME>Weidmüller Interface</SUPPLIER_NAME></SUPPLIER>
  </HEADER>
  <T_NEW_CATALOG>
    <PRODUCT mode="new">
      <SUPPLIER_PID>1469490000</SUPPLIER_PID>
      <PRODUCT_DETAILS>
        <DESCRIPTION_SHORT lang="deu">Stromversorgung, Schaltnetzgerät</DESCRIPTION_SHORT>
        <DESCRIPTION_SHORT lang="eng">Power supply, switched-mode</DESCRIPTION_SHORT>
        <DESCRIPTION_SHORT lang="zho">开关电源 24V 5A</DESCRIPTION_SHORT>
        <DESCRIPTION_LONG lang="deu">Schaltnetzteil PRO ECO</DESCRIPTION_LONG>
        <DESCRIPTION_LONG lang="eng"><![CDATA[<b>PRO ECO</b> 120 W<br>Output 24 V DC &micro;]]></DESCRIPTION_LONG>
        <INTERNATIONAL_PID type="gtin">4050118275698</INTERNATIONAL_PID>
        <MANUFACTURER_PID>PRO ECO 120W 24V 5A</MANUFACTURER_PID>
        <MANUFACTURER_NAME>Weidmüller</MANUFACTURER_NAME>
        <PRODUCT_STATUS type="bargain">Sonderangebot</PRODUCT_STATUS>
      </PRODUCT_DETAILS>
      <PRODUCT_FEATURES>
        <REFERENCE_FEATURE_SYSTEM_NAME>ECLASS-9.0</REFERENCE_FEATURE_SYSTEM_NAME>
        <REFERENCE_FEATURE_GROUP_ID>27049002</REFERENCE_FEATURE_GROUP_ID>
        <FEATURE><FNAME>0173-1#02-AAO677#002</FNAME><FVALUE>Weidmüller</FVALUE></FEATURE>
        <FEATURE><FNAME lang="eng">Output voltage</FNAME><FNAME lang="zho">输出电压</FNAME>
          <FVALUE>24</FVALUE><FUNIT>V</FUNIT></FEATURE>
        <FEATURE><FNAME>Mounting</FNAME><FVALUE lang="deu">Tragschiene</FVALUE><FVALUE lang="eng">DIN rail</FVALUE>
          </FEATURE>
      </PRODUCT_FEATURES>
      <PRODUCT_ORDER_DETAILS>
        <ORDER_UNIT>C62</ORDER_UNIT><CONTENT_UNIT>C62</CONTENT_UNIT><NO_CU_PER_OU>1</NO_CU_PER_OU>
        <PRICE_QUANTITY>1</PRICE_QUANTITY><QUANTITY_MIN>1</QUANTITY_MIN><QUANTITY_INTERVAL>1</QUANTITY_INTERVAL>
      </PRODUCT_ORDER_DETAILS>
      <PRODUCT_PRICE_DETAILS>
        <PRODUCT_PRICE price_type="gros_list"><PRICE_AMOUNT>106.50</PRICE_AMOUNT></PRODUCT_PRICE>
        <PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>89.50</PRICE_AMOUNT><LOWER_BOUND>1</LOWER_BOUND>
          </PRODUCT_PRICE>
        <PRODUCT_PRICE price_type="net_list"><PRICE_AMOUNT>84.00</PRICE_AMOUNT><LOWER_BOUND>10</LOWER_BOUND>
          </PRODUCT_PRICE>
      </PRODUCT_PRICE_DETAILS>
      <PRODUCT_LOGISTIC_DETAILS><DELIVERY_TIMES><LEADTIME>10</LEADTIME></DELIVERY_TIMES></PRODUCT_LOGISTIC_DETAILS>
      <MIME_INFO>
        <MIME><MIME_TYPE>application/step</MIME_TYPE><MIME_SOURCE>1469490000.zip</MIME_SOURCE>
          <MIME_DESCR>3D model</MIME_DESCR><MIME_PURPOSE>others</MIME_PURPOSE></MIME>
        <MIME><MIME_TYPE>model/gltf-binary</MIME_TYPE><MIME_SOURCE>1469490000.glb</MIME_SOURCE>
          <MIME_PURPOSE>detail</MIME_PURPOSE></MIME>
      </MIME_INFO>
      <PRODUCT_REFERENCE type="successor"><PROD_ID_TO>2580250000</PROD_ID_TO></PRODUCT_REFERENCE>
      <PRODUCT_REFERENCE type="similar"><PROD_ID_TO>1478130000</PROD_ID_TO></PRODUCT_REFERENCE>
      <PRODUCT_REFERENCE type="mandatory"><PROD_ID_TO>1469600000</PROD_ID_TO></PRODUCT_REFERENCE>
    </PRODUCT>
    <PRODUCT_TO_CATALOGGROUP_MAP><PROD_ID>1469490000</PROD_ID><CATALOG_GROUP_ID>psu</CATALOG_GROUP_ID>
      </PRODUCT_TO_CATALOGGROUP_MAP>
  </T_NEW_CATALOG>
</BMECAT>
"""


def write(tmp_path: Path, text: str, name: str = "catalog.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def values(product) -> dict[str, object]:
    return {name: raw.value for name, raw in product.fields.items()}


@pytest.fixture(params=["plain", "namespaced"])
def catalog_12(request, tmp_path):
    text = CATALOG_12.format(xmlns=NS_12 if request.param == "namespaced" else "")
    return load_bmecat(write(tmp_path, text, "catalog12.xml"))


@pytest.fixture(params=["plain", "namespaced"])
def catalog_2005(request, tmp_path):
    text = CATALOG_2005.format(xmlns=NS_2005 if request.param == "namespaced" else "")
    return load_bmecat(write(tmp_path, text, "catalog2005.xml"))


# --- mapping -----------------------------------------------------------------------------------------


def test_bmecat_12_article_fields_come_from_their_elements(catalog_12):
    assert catalog_12.format == "bmecat-1.2" and catalog_12.derive_definitions
    first, second = list(catalog_12.products)
    fields = values(first)
    assert (fields["sku"], fields["mpn"], fields["brand"], fields["ean"]) == (
        "NXC-09-220", "NXC-09", "CHNT", "6943245512345")
    assert fields["name_zh"] == "交流接触器 NXC-09 AC220V" and "name_en" not in fields
    assert fields["description"] == "NXC 系列交流接触器\n额定电流 9 A & 3 极"  # HTML dropped, text kept
    assert fields["lead_time_days"] == "3" and fields["status_hint"] == "core_product;new"
    assert first.fields["mpn"].column == "ARTICLE_DETAILS/MANUFACTURER_AID"
    assert first.fields["sku"].column == "SUPPLIER_AID"
    assert first.location.file.endswith("catalog12.xml") and first.location.row == 16
    # an English name in a Chinese catalog is still English; a missing maker falls back to the supplier
    assert values(second)["name_en"] == "Miniature circuit breaker NXB-63 1P C16"
    assert "brand" not in second.fields and catalog_12.default_brand == "正泰电器 CHNT"


def test_bmecat_2005_product_takes_repeated_descriptions_by_language(catalog_2005):
    assert catalog_2005.format == "bmecat-2005"
    (product,) = catalog_2005.products
    fields = values(product)
    assert (fields["sku"], fields["mpn"], fields["brand"]) == ("1469490000", "PRO ECO 120W 24V 5A", "Weidmüller")
    assert fields["name_zh"] == "开关电源 24V 5A" and fields["name_en"] == "Power supply, switched-mode"
    assert fields["description"] == "PRO ECO 120 W\nOutput 24 V DC µ"  # English before German, CDATA HTML
    assert fields["ean"] == "4050118275698" and fields["status_hint"] == "bargain"
    assert product.fields["lead_time_days"].value == "10"
    assert product.fields["name_en"].column == "PRODUCT_DETAILS/DESCRIPTION_SHORT"


def test_features_keep_names_and_units_as_written_and_join_several_values(catalog_12, catalog_2005):
    first = next(iter(catalog_12.products))
    params = {p.name: (p.value.value, p.value.unit_hint, p.value.column) for p in first.params}
    assert params == {
        "极数": ("3P", None, "FEATURE 极数"),
        "EF000008": ("9", "A", "FEATURE EF000008"),
        "线圈电压": ("AC;220", "V", "FEATURE 线圈电压"),  # FVALUE_DETAILS ignored
        "0173-1#02-AAO677#002": ("CHNT", None, "FEATURE 0173-1#02-AAO677#002"),
    }  # the "-" marketing bullet is no parameter
    params_2005 = {p.name: (p.value.value, p.value.unit_hint) for p in next(iter(catalog_2005.products)).params}
    assert params_2005 == {"0173-1#02-AAO677#002": ("Weidmüller", None), "输出电压": ("24", "V"),
                           "Mounting": ("DIN rail", None)}  # translated FVALUEs: one language kept


def test_classification_group_wins_over_catalog_group_and_other_feature_groups(catalog_12, catalog_2005):
    first, second = catalog_12.products
    assert (first.fields["category"].value, first.fields["feature_system"].value) == ("EC000066", "ETIM-7.0")
    assert first.fields["category"].column == "ARTICLE_FEATURES/REFERENCE_FEATURE_GROUP_ID"
    product = next(iter(catalog_2005.products))
    assert (values(product)["category"], values(product)["feature_system"]) == ("27049002", "ECLASS-9.0")
    # without a classification, the group map listed after all articles still reaches the article
    assert second.fields["category"].value == "LV" and "feature_system" not in second.fields
    assert second.fields["category"].column == "ARTICLE_TO_CATALOGGROUP_MAP/CATALOG_GROUP_ID"


def test_catalog_groups_become_categories_under_their_parents(catalog_12):
    categories = {c.code: c for c in catalog_12.categories}
    assert set(categories) == {"LV", "contactor"}  # the root group is the catalog itself
    assert (categories["LV"].name_zh, categories["LV"].parent) == ("低压电器", None)
    assert (categories["contactor"].name_en, categories["contactor"].parent) == ("Contactors", "LV")


def test_order_details_map_to_unit_package_moq_multiple_and_price_quantity(catalog_12):
    fields = values(next(iter(catalog_12.products)))
    assert {k: fields[k] for k in ("unit", "content_unit", "package_qty", "price_quantity", "moq",
                                   "order_multiple")} == {
        "unit": "C62", "content_unit": "PCE", "package_qty": "10", "price_quantity": "10", "moq": "20",
        "order_multiple": "10"}  # the UDX copy of the order details is not read


def test_only_the_preferred_price_type_is_emitted_once_per_break(catalog_12, catalog_2005):
    product = next(iter(catalog_12.products))
    assert product.fields["price_type"].value == "net_customer"
    assert [(p.min_qty.value, p.price.value, p.currency) for p in product.prices] == [
        ("1", "125.00", "CNY"), ("100", "118.00", "CNY"), ("1", "15.90", "EUR")]  # later CNY 1+ period dropped
    assert product.prices[1].price.column == "ARTICLE_PRICE[net_customer]/PRICE_AMOUNT"
    product_2005 = next(iter(catalog_2005.products))
    assert product_2005.fields["price_type"].value == "net_list"  # net before gross
    assert [(p.min_qty.value, p.price.value, p.currency) for p in product_2005.prices] == [
        ("1", "89.50", "EUR"), ("10", "84.00", "EUR")]  # the catalog currency fills in


def test_mime_purposes_and_cad_files_become_media_kinds(catalog_12, catalog_2005):
    media = [(m.kind, m.uri, m.description) for m in next(iter(catalog_12.products)).media]
    assert media == [("image", "nxc09.jpg", "产品图"), ("image", "nxc09_s.png", None),
                     ("datasheet", "nxc_datasheet.pdf", None), ("document", "nxc_manual.pdf", None),
                     ("cad", "cad/NXC-09.STP", None), ("cad", "cad/nxc09-mesh", None)]  # no source, no media
    assert [m.kind for m in next(iter(catalog_2005.products)).media] == ["cad", "cad"]


def test_references_become_links_with_followups_as_successors(catalog_12, catalog_2005):
    links = [(link.kind, link.target_sku) for link in next(iter(catalog_12.products)).links]
    assert links == [("successor", "NXC-09M-220"), ("accessories", "NXC-AUX-11"), ("sparepart", "NXC-COIL-220")]
    links_2005 = [(link.kind, link.target_sku) for link in next(iter(catalog_2005.products)).links]
    assert links_2005 == [("successor", "2580250000"), ("similar", "1478130000"), ("mandatory", "1469600000")]


def test_duplicate_supplier_aid_is_emitted_twice_with_its_own_lines(tmp_path):
    article = "<ARTICLE><SUPPLIER_AID>NXC-09</SUPPLIER_AID></ARTICLE>\n"
    path = write(tmp_path, f'<BMECAT version="1.2"><HEADER/>\n<T_NEW_CATALOG>\n{article}{article}'
                           "</T_NEW_CATALOG></BMECAT>")
    assert [(p.fields["sku"].value, p.location.row) for p in load_bmecat(path).products] == [
        ("NXC-09", 3), ("NXC-09", 4)]


def test_version_follows_the_article_element_when_the_root_does_not_say(tmp_path):
    path = write(tmp_path, "<BMECAT><HEADER/><T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>P1</SUPPLIER_PID></PRODUCT>"
                           "</T_NEW_CATALOG></BMECAT>")
    catalog = load_bmecat(path)
    assert catalog.format == "bmecat-2005" and [p.fields["sku"].value for p in catalog.products] == ["P1"]


def test_header_is_known_before_products_are_read_and_products_stream_once(tmp_path):
    path = write(tmp_path, CATALOG_12.format(xmlns=""))
    catalog = load_bmecat(path)
    assert isinstance(catalog.products, types.GeneratorType)
    assert catalog.default_brand == "正泰电器 CHNT" and len(catalog.categories) == 2
    assert [p.fields["sku"].value for p in catalog.products] == ["NXC-09-220", "NXB-63-C16"]
    assert list(catalog.products) == []


def test_loader_is_registered_and_sniffs_bmecat_heads():
    assert bmecat.loaders == {"bmecat": load_bmecat}
    assert sniff_bmecat(b'<?xml version="1.0"?>\n<BMECAT version="2005" xmlns="http://www.bmecat.org/bmecat/2005">')
    assert sniff_bmecat(b"\xef\xbb\xbf<bme:BMECAT xmlns:bme='x'>")
    assert not sniff_bmecat(b"<?xml version='1.0'?><catalog><BMECAT_ID/></catalog>")
    assert not sniff_bmecat(b" " * 5000 + b"<BMECAT>")


# --- broken and hostile files ------------------------------------------------------------------------


@pytest.fixture
def http_requests():
    """Paths asked of a loopback HTTP server; the port is in `.port`."""

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leaked "from the network">')

        def log_message(self, *args):
            pass

    requests: list[str] = []
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield types.SimpleNamespace(port=server.server_address[1], paths=requests)
    server.shutdown()
    server.server_close()


def test_doctype_with_external_entities_is_refused_without_reading_them(tmp_path, http_requests):
    url = f"http://127.0.0.1:{http_requests.port}"
    for doctype in ('<!ENTITY e SYSTEM "file:///etc/passwd">', f'<!ENTITY e SYSTEM "{url}/general">',
                    f'<!ENTITY % p SYSTEM "{url}/parameter"> %p;'):
        path = write(tmp_path, f'<?xml version="1.0"?>\n<!DOCTYPE BMECAT [{doctype}]>\n<BMECAT version="2005">'
                               "<HEADER/><T_NEW_CATALOG><PRODUCT><SUPPLIER_PID>&e;</SUPPLIER_PID></PRODUCT>"
                               "</T_NEW_CATALOG></BMECAT>", name="evil.xml")
        with pytest.raises(CatalogImportError, match="DOCTYPE with entity declarations") as caught:
            list(load_bmecat(path).products)
        assert "evil.xml" in str(caught.value) and "root:" not in str(caught.value)
    assert http_requests.paths == []


def test_billion_laughs_is_refused_before_anything_expands(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    path = write(tmp_path, f'<?xml version="1.0"?>\n<!DOCTYPE BMECAT [{entities}]>\n'
                           '<BMECAT version="1.2"><HEADER><CATALOG><LANGUAGE>&lol9;</LANGUAGE></CATALOG></HEADER>'
                           "</BMECAT>")
    with pytest.raises(CatalogImportError, match="DOCTYPE with entity declarations") as caught:
        load_bmecat(path)
    assert str(path) in str(caught.value)


def test_doctype_naming_a_dtd_is_accepted_without_loading_it(tmp_path, http_requests):
    path = write(tmp_path, f'<?xml version="1.0"?>\n<!DOCTYPE BMECAT SYSTEM "http://127.0.0.1:{http_requests.port}'
                           '/bmecat_new_catalog.dtd">\n<BMECAT version="1.2"><HEADER/><T_NEW_CATALOG><ARTICLE>'
                           "<SUPPLIER_AID>A1</SUPPLIER_AID></ARTICLE></T_NEW_CATALOG></BMECAT>")
    assert [p.fields["sku"].value for p in load_bmecat(path).products] == ["A1"]
    assert http_requests.paths == []


def test_xml_that_is_not_bmecat_names_the_file_and_its_root(tmp_path):
    path = write(tmp_path, '<?xml version="1.0"?>\n<catalog><item sku="1"/></catalog>', name="shop.xml")
    with pytest.raises(CatalogImportError, match=r"shop\.xml.*root element is <catalog>"):
        load_bmecat(path)


def test_malformed_xml_names_the_line_in_the_header_or_while_streaming(tmp_path):
    broken_header = write(tmp_path, '<BMECAT version="1.2">\n<HEADER>\n<CATALOG>\n</HEADER>', name="cut.xml")
    with pytest.raises(CatalogImportError, match=r"cut\.xml, row 4: not well-formed XML") as caught:
        load_bmecat(broken_header)
    assert caught.value.location.row == 4
    # enough good articles that the parser hands some over before it reads the broken one
    articles = "".join(f"<ARTICLE><SUPPLIER_AID>A{n}</SUPPLIER_AID></ARTICLE>\n" for n in range(1, 3001))
    broken_late = write(tmp_path, f'<BMECAT version="1.2"><HEADER/><T_NEW_CATALOG>\n{articles}'
                                  "<ARTICLE><SUPPLIER_AID>X</SUPPLIER_AID></ARTICEL>\n", name="late.xml")
    products = iter(load_bmecat(broken_late).products)
    assert next(products).fields["sku"].value == "A1"
    with pytest.raises(CatalogImportError, match=r"late\.xml, row 3002"):
        list(products)


def test_update_transactions_are_refused(tmp_path):
    path = write(tmp_path, '<BMECAT version="1.2"><HEADER/>\n<T_UPDATE_PRICES><ARTICLE><SUPPLIER_AID>A1'
                           "</SUPPLIER_AID></ARTICLE></T_UPDATE_PRICES></BMECAT>")
    with pytest.raises(CatalogImportError, match="T_UPDATE_PRICES is not supported"):
        load_bmecat(path)


def test_catalog_group_id_unfit_for_a_category_code_names_its_line(tmp_path):
    path = write(tmp_path, '<BMECAT version="1.2"><HEADER/><T_NEW_CATALOG><CATALOG_GROUP_SYSTEM>\n'
                           "<CATALOG_STRUCTURE type=\"leaf\"><GROUP_ID>Bau &amp; Chemie</GROUP_ID></CATALOG_STRUCTURE>"
                           "</CATALOG_GROUP_SYSTEM></T_NEW_CATALOG></BMECAT>")
    with pytest.raises(CatalogImportError, match="row 2, column 'GROUP_ID', value 'Bau & Chemie'"):
        load_bmecat(path)


# --- real files --------------------------------------------------------------------------------------


def test_weidmueller_2005_export_with_eclass_irdis_parses(realdata):
    catalog = load_bmecat(realdata / "bmecat" / "weidmueller_WEI_BMECat_7760056069.xml")
    assert (catalog.format, catalog.default_brand, catalog.categories) == ("bmecat-2005", "1", [])
    (product,) = catalog.products
    fields = values(product)
    assert (fields["sku"], fields["mpn"], fields["brand"], fields["ean"]) == (
        "7760056069", "7760056069", "Weidmueller Group", "4032248855865")
    assert fields["name_en"] == "Relay" and "µm" in fields["description"]
    assert (fields["category"], fields["feature_system"]) == ("27371601", "ECLASS-9.0")
    assert (fields["unit"], fields["content_unit"]) == ("C62", "C62")
    assert product.prices == [] and "price_type" not in fields  # its only price has no amount
    params = {p.name: p.value.value for p in product.params}
    assert params["0173-1#02-BAB577#006"] == "42.2"  # depth, in a nested feature group
    assert params["0173-1#02-AAO676#002"] == "7760056069"  # its own part number, not an accessory's
    assert params["0173-1#02-AAN389#001"] == "Relay"  # deu/eng translations: English kept
    assert params["0173-1#02-AAN489#003"] == "0173-1#07-BAA194#001"  # a value given by reference
    assert "0173-1#02-AAR080#005" not in params  # a block, not a property
    assert len(params) == len(product.params)
    assert [(m.kind, m.description) for m in product.media] == [("datasheet", "Deeplink")]
    assert len(product.links) == 14 and {link.kind for link in product.links} == {"accessories"}


def test_fischer_12_export_with_groups_after_articles_parses(realdata):
    catalog = load_bmecat(realdata / "bmecat" / "fischer_nexmart_bmecat12.xml")
    assert (catalog.format, catalog.default_brand) == ("bmecat-1.2", "fischerwerke_de")
    assert len(catalog.categories) == 725  # 726 groups less the root
    assert {c.code: c.name_en for c in catalog.categories}["1001344406"] == "Schiebeschlitten SBS"
    (product,) = catalog.products
    fields = values(product)
    assert (fields["sku"], fields["mpn"], fields["brand"], fields["ean"]) == (
        "079685", "079685", "fischer", "4006209796856")
    assert fields["name_en"] == "Schiebeschlitten SBS M8" and product.location.row == 34684
    assert fields["category"] == "1001344406" and "feature_system" not in fields
    assert (fields["unit"], fields["price_quantity"], fields["moq"], fields["order_multiple"]) == ("C62", "1", "8", "8")
    assert fields["price_type"] == "net_list" and fields["status_hint"] == "core_article"
    assert [(p.min_qty.value, p.price.value, p.currency) for p in product.prices] == [("1", "17.779", "EUR")]
    params = {p.name: (p.value.value, p.value.unit_hint) for p in product.params}
    assert params["Anschlussgewinde"] == ("M 8", None) and params["Materialzuschlag"] == ("6.00", "%")
    assert params["PackagingLength"] == ("0.28", "MTR") and params["GrossWeight"] == ("4.158", "KGM")
    assert "-" not in params and len(params) == 14
    assert [m.kind for m in product.media] == ["document", "document", "datasheet", "image", "image",
                                               "document", "document"]


# --- streaming ---------------------------------------------------------------------------------------

GENERATED_ARTICLE = """<ARTICLE><SUPPLIER_AID>R-{i:06d}</SUPPLIER_AID><ARTICLE_DETAILS>
<DESCRIPTION_SHORT>贴片电阻 10kΩ ±1% 0603 第{i}号</DESCRIPTION_SHORT><MANUFACTURER_AID>RC0603FR-{i}</MANUFACTURER_AID>
</ARTICLE_DETAILS><ARTICLE_FEATURES><REFERENCE_FEATURE_SYSTEM_NAME>ETIM-7.0</REFERENCE_FEATURE_SYSTEM_NAME>
<FEATURE><FNAME>EF000008</FNAME><FVALUE>10000</FVALUE><FUNIT>OHM</FUNIT></FEATURE>
<FEATURE><FNAME>EF000012</FNAME><FVALUE>0.1</FVALUE><FUNIT>WTT</FUNIT></FEATURE></ARTICLE_FEATURES>
<ARTICLE_PRICE_DETAILS><ARTICLE_PRICE price_type="net_list"><PRICE_AMOUNT>0.012</PRICE_AMOUNT></ARTICLE_PRICE>
</ARTICLE_PRICE_DETAILS><MIME_INFO><MIME><MIME_SOURCE>img/{i}.jpg</MIME_SOURCE><MIME_PURPOSE>normal</MIME_PURPOSE>
</MIME></MIME_INFO></ARTICLE>
"""

MEASURE = """
import resource, sys
from jbp.catalog.importers.bmecat import load_bmecat
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = sum(1 for product in load_bmecat(sys.argv[1]).products)
print(count, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_streaming_20k_articles_keeps_memory_far_below_the_file_size(tmp_path):
    path = tmp_path / "generated.xml"
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<BMECAT version="1.2"><HEADER/><T_NEW_CATALOG>\n')
        out.writelines(GENERATED_ARTICLE.format(i=i) for i in range(20_000))
        out.writelines(f"<ARTICLE_TO_CATALOGGROUP_MAP><ART_ID>R-{i:06d}</ART_ID><CATALOG_GROUP_ID>R</CATALOG_GROUP_ID>"
                       "</ARTICLE_TO_CATALOGGROUP_MAP>\n" for i in range(20_000))
        out.write("</T_NEW_CATALOG></BMECAT>\n")
    file_kib = path.stat().st_size // 1024
    result = subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[1])
    count, grown_kib = map(int, result.stdout.split())
    assert count == 20_000
    # A tree kept whole costs several times the file; a streamed one stays at a few MB (maps included).
    assert grown_kib < file_kib / 2, (grown_kib, file_kib)
