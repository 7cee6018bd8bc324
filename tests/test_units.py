"""Quantities as catalogs and BOMs write them: SI values, ranges, AC/DC, RKM, Chinese units, threads."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jbp.errors import UnitError
from jbp.units import (
    Quantity,
    dimension_of,
    format_quantity,
    parse_quantity,
    parse_thread,
    si_unit,
    try_parse_quantity,
)

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"


def realdata(relative: str) -> Path:
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"real sample data not present: {path}")
    return path


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("10kΩ", 10000.0, "Ω"),
        ("10 kΩ", 10000.0, "Ω"),
        ("4.7uF", 4.7e-6, "F"),
        ("4.7µF", 4.7e-6, "F"),  # micro sign U+00B5
        ("4.7μF", 4.7e-6, "F"),  # Greek mu U+03BC
        ("100nF", 1e-7, "F"),
        ("33pF", 3.3e-11, "F"),
        ("0.25W", 0.25, "W"),
        ("1/4W", 0.25, "W"),
        ("1/8 W", 0.125, "W"),
        ("9 A", 9.0, "A"),
        ("500mA", 0.5, "A"),
        ("6.3 mm", 0.0063, "m"),
        ("1.2kW", 1200.0, "W"),
        ("1.2KW", 1200.0, "W"),
        ("50Hz", 50.0, "Hz"),
        ("2.4GHz", 2.4e9, "Hz"),
        ("3.5 N·m", 3.5, "N·m"),
        ("3.5Nm", 3.5, "N·m"),
        ("3.5 N.m", 3.5, "N·m"),
        ("10 bar", 1e6, "Pa"),
        ("0.6MPa", 6e5, "Pa"),
        ("10uH", 1e-5, "H"),
        ("6.2nH", 6.2e-9, "H"),
        ("1.5e3 V", 1500.0, "V"),
        (".5 mm", 0.0005, "m"),
        ("6205", 6205.0, ""),
    ],
)
def test_prefixed_values_become_si(text, value, unit):
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.unit, quantity.source) == (value, unit, text)
    assert not quantity.is_range


def test_bare_multiplier_takes_the_unit_from_expected_unit():
    assert parse_quantity("10K", "Ω").value == 10000.0
    assert parse_quantity("10K", "Ω").unit == "Ω"
    assert parse_quantity("2.2M", "Ω").value == 2.2e6
    assert parse_quantity("10k").unit == ""  # no expected unit: a plain multiplied number
    assert parse_quantity("10k").value == 10000.0
    assert parse_quantity("2万").value == 20000.0


@pytest.mark.parametrize(("text", "expected_unit"), [
    ("5M", "m"),  # 5 m of cable, written the Chinese catalog way: not 5 megametres
    ("1-2M", "mm"),
    ("500G", "kg"),  # not 500 gigagrams
    ("500n", "N"),  # not 500 nanonewtons
    ("10K", "°C"),  # kelvin or kilo: either way not ten thousand degrees
    ("1.5k", "W"),
    ("3p", ""),  # three poles, not three pico-somethings
])
def test_a_bare_multiplier_is_refused_outside_the_rkm_trades(text, expected_unit):
    with pytest.raises(UnitError, match="alone is a multiplier"):
        parse_quantity(text, expected_unit)


def test_bare_number_is_read_in_the_expected_unit_as_written():
    assert parse_quantity("6.3", "mm").value == 0.0063
    assert parse_quantity("6.3", "mm").unit == "m"
    assert parse_quantity("220", "V").value == 220.0
    assert parse_quantity("6205", "").unit == ""


@pytest.mark.parametrize(
    ("text", "expected_unit", "value", "unit"),
    [
        ("4k7", "Ω", 4700.0, "Ω"),
        ("1K2", "Ω", 1200.0, "Ω"),
        ("1k8", "Ω", 1800.0, "Ω"),
        ("4μ7", "F", 4.7e-6, "F"),
        ("4u7", "H", 4.7e-6, "H"),
        ("8p2", "F", 8.2e-12, "F"),
        ("R47", None, 0.47, "Ω"),
        ("2R2", None, 2.2, "Ω"),
        ("0R", None, 0.0, "Ω"),
        ("100R", "Ω", 100.0, "Ω"),
        ("4k7", None, 4700.0, ""),
    ],
)
def test_rkm_codes_mark_the_decimal_point_with_the_multiplier(text, expected_unit, value, unit):
    quantity = parse_quantity(text, expected_unit)
    assert (quantity.value, quantity.unit) == (value, unit)


def test_m_is_not_an_rkm_letter_so_1m2_is_square_metres():
    assert parse_quantity("1m2").unit == "m²"
    assert parse_quantity("5RPM").unit == "rpm"  # R followed by letters is not RKM either


def test_comma_is_decimal_only_when_followed_by_one_or_two_digits():
    assert parse_quantity("1,20 mm").value == 0.0012
    assert parse_quantity("12,5").value == 12.5
    assert parse_quantity("1,000").value == 1000.0  # BOM quantity
    assert parse_quantity("1,000,000").value == 1e6
    assert parse_quantity("1,234.5 mm").value == 1.2345
    with pytest.raises(UnitError, match="comma"):
        parse_quantity("1,2345")


@pytest.mark.parametrize(("text", "value", "low", "high"), [
    ("0,500 mm", 0.0005, None, None),  # no one groups thousands after a lone 0: a decimal comma
    ("0,125", 0.125, None, None),
    ("0,250~0,500 mm", None, 0.00025, 0.0005),
])
def test_a_comma_after_a_lone_zero_is_a_decimal_comma(text, value, low, high):
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.min, quantity.max) == (value, low, high)


def test_decimal_comma_flag_reads_european_numbers():
    assert parse_quantity("1,000", decimal_comma=True).value == 1.0
    assert parse_quantity("2,5 mm", decimal_comma=True).value == 0.0025
    assert parse_quantity("1.000,5", decimal_comma=True).value == 1000.5  # the dot groups thousands
    assert parse_quantity("1.500 W", decimal_comma=True).value == 1500.0  # not 1.5 W
    quantity = parse_quantity("1,5..2,5 mm", decimal_comma=True)
    assert (quantity.min, quantity.max) == (0.0015, 0.0025)
    with pytest.raises(UnitError, match="a dot only separates thousands"):
        parse_quantity("1.5 W", decimal_comma=True)


def test_full_width_and_compatibility_characters_are_normalised():
    assert parse_quantity("２２０Ｖ").value == 220.0
    assert parse_quantity("２．５ｍｍ").value == 0.0025
    assert parse_quantity("10㎜").value == 0.01
    assert parse_quantity("10kΩ").value == 10000.0  # OHM SIGN U+2126
    assert parse_quantity("2.5mm²").unit == "m²"
    assert parse_quantity("１０　ｋｇ").value == 10.0  # ideographic space


@pytest.mark.parametrize(
    ("text", "value", "current"),
    [
        ("220VAC", 220.0, "AC"),
        ("AC220V", 220.0, "AC"),
        ("AC 220V", 220.0, "AC"),
        ("220V AC", 220.0, "AC"),
        ("220Vac", 220.0, "AC"),
        ("24 V DC", 24.0, "DC"),
        ("24VDC", 24.0, "DC"),
        ("DC24V", 24.0, "DC"),
        ("AC/DC 24V", 24.0, "AC/DC"),
        ("24V AC/DC", 24.0, "AC/DC"),
        ("交流220V", 220.0, "AC"),
        ("直流24V", 24.0, "DC"),
        ("220V~", 220.0, "AC"),
        ("5ADC", 5.0, "DC"),
    ],
)
def test_current_type_is_read_before_or_after_the_value(text, value, current):
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.current) == (value, current)
    assert quantity.unit in ("V", "A")


def test_voltage_range_keeps_its_current_type():
    for text in ("110-240VAC", "AC110-240V", "AC 110~240V"):
        quantity = parse_quantity(text)
        assert (quantity.value, quantity.min, quantity.max, quantity.unit, quantity.current) == (
            None, 110.0, 240.0, "V", "AC"
        )


def test_current_type_needs_an_electrical_unit():
    with pytest.raises(UnitError, match="DC applies to a voltage"):
        parse_quantity("5 kg DC")
    with pytest.raises(UnitError, match="not to a number"):
        parse_quantity("DC24")
    assert parse_quantity("DC24", "V").current == "DC"


def test_plus_minus_gives_the_magnitude_and_symmetric_bounds():
    percent = parse_quantity("±5%")
    assert (percent.value, percent.unit, percent.min, percent.max) == (5.0, "%", -5.0, 5.0)
    assert percent.is_range
    length = parse_quantity("±0.5 mm")
    assert (length.value, length.unit, length.min, length.max) == (0.0005, "m", -0.0005, 0.0005)
    assert parse_quantity("+/-0.1mm").max == 0.0001


def test_percent_stays_in_percent_points():
    assert (parse_quantity("1%").value, parse_quantity("1%").unit) == (1.0, "%")
    assert parse_quantity("95％").value == 95.0


def test_value_with_percent_tolerance_keeps_the_tolerance_as_a_fraction():
    for text in ("10kΩ ±5%", "10kΩ±5%", "10kΩ (±5%)"):
        quantity = parse_quantity(text)
        assert (quantity.value, quantity.unit, quantity.tolerance) == (10000.0, "Ω", 0.05)
        assert not quantity.is_range
    mains = parse_quantity("AC220V±10%")
    assert (mains.value, mains.current, mains.tolerance) == (220.0, "AC", 0.1)


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("-25~+70℃", -25.0, 70.0, "°C"),
        ("-25 ~ 70 °C", -25.0, 70.0, "°C"),
        ("-40...+85°C", -40.0, 85.0, "°C"),
        ("-25℃~+70℃", -25.0, 70.0, "°C"),
        ("-40…+85°C", -40.0, 85.0, "°C"),
        ("-25~-5°C", -25.0, -5.0, "°C"),
        ("10..30 V", 10.0, 30.0, "V"),
        ("10...30VDC", 10.0, 30.0, "V"),
        ("10-30V", 10.0, 30.0, "V"),
        ("10 - 30 V", 10.0, 30.0, "V"),
        ("10–30 V", 10.0, 30.0, "V"),  # en dash
        ("10 to 30 V", 10.0, 30.0, "V"),
        ("10～30V", 10.0, 30.0, "V"),
        ("10至30V", 10.0, 30.0, "V"),
        ("10-30mA", 0.01, 0.03, "A"),
        ("500mA-2A", 0.5, 2.0, "A"),
        ("0.5~1.5 MPa", 5e5, 1.5e6, "Pa"),
        ("1,5-2,5 mm", 0.0015, 0.0025, "m"),
    ],
)
def test_ranges_give_bounds_and_no_single_value(text, low, high, unit):
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.min, quantity.max, quantity.unit) == (None, low, high, unit)
    assert quantity.is_range


def test_leading_minus_is_a_sign_not_a_range():
    assert parse_quantity("-25").value == -25.0
    assert parse_quantity("-25℃").value == -25.0
    assert not parse_quantity("-25℃").is_range


def test_comparison_gives_one_bound():
    at_least = parse_quantity("≥10 mm")
    assert (at_least.value, at_least.min, at_least.max) == (None, 0.01, None)
    assert parse_quantity(">=95%").min == 95.0
    assert parse_quantity("<5A").max == 5.0
    assert parse_quantity("≤0.05mm").max == 0.00005


def test_bad_ranges_are_refused():
    with pytest.raises(UnitError, match="lower bound"):
        parse_quantity("30-10V")
    with pytest.raises(UnitError, match="mixes a voltage"):
        parse_quantity("10V-5A")
    with pytest.raises(UnitError):
        parse_quantity("2024-12-31")


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("5毫米", 0.005, "m"),
        ("3厘米", 0.03, "m"),
        ("2米", 2.0, "m"),
        ("20微米", 2e-5, "m"),
        ("5丝", 5e-5, "m"),
        ("10安", 10.0, "A"),
        ("10安培", 10.0, "A"),
        ("500毫安", 0.5, "A"),
        ("220伏", 220.0, "V"),
        ("220伏特", 220.0, "V"),
        ("10千伏", 10000.0, "V"),
        ("100瓦", 100.0, "W"),
        ("100瓦特", 100.0, "W"),
        ("1.5千瓦", 1500.0, "W"),
        ("5千克", 5.0, "kg"),
        ("5公斤", 5.0, "kg"),
        ("500克", 0.5, "kg"),
        ("2吨", 2000.0, "kg"),
        ("100欧", 100.0, "Ω"),
        ("100欧姆", 100.0, "Ω"),
        ("10千欧", 10000.0, "Ω"),
        ("1兆欧", 1e6, "Ω"),
        ("50赫兹", 50.0, "Hz"),
        ("100微法", 1e-4, "F"),
        ("3.5牛·米", 3.5, "N·m"),
        ("3.5牛米", 3.5, "N·m"),
        ("0.6兆帕", 6e5, "Pa"),
        ("1500转/分", 1500.0, "rpm"),
        ("1500转/分钟", 1500.0, "rpm"),
        ("70摄氏度", 70.0, "°C"),
        ("30秒", 30.0, "s"),
        ("500毫秒", 0.5, "s"),
        ("2小时", 7200.0, "s"),
        ("3天", 259200.0, "s"),
        ("2.5平方毫米", 2.5e-6, "m²"),
        ("20升/分", 20.0, "L/min"),
        ("100个", 100.0, ""),
    ],
)
def test_chinese_unit_words(text, value, unit):
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.unit) == (value, unit)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("70℃", 70.0, "°C"),
        ("70°C", 70.0, "°C"),
        ("70ºC", 70.0, "°C"),  # masculine ordinal, a common typo for the degree sign
        ("100 ohm", 100.0, "Ω"),
        ("100 ohms", 100.0, "Ω"),
        ("10kohm", 10000.0, "Ω"),
        ("10Kohm", 10000.0, "Ω"),
        ("220OHM", 220.0, "Ω"),
        ("1KOHM", 1000.0, "Ω"),
        ("10kg", 10.0, "kg"),
        ("10Kg", 10.0, "kg"),
        ("5g", 0.005, "kg"),
        ("2t", 2000.0, "kg"),
        ("1in", 0.0254, "m"),
        ("2 inch", 0.0508, "m"),
        ('1"', 0.0254, "m"),
        ("2.5mm2", 2.5e-6, "m²"),
        ("1.5 m3", 1.5, "m³"),
        ("500mL", 5e-4, "m³"),
        ("20 L/min", 20.0, "L/min"),
        ("6 m³/h", 100.0, "L/min"),
        ("3000rpm", 3000.0, "rpm"),
        ("3000 r/min", 3000.0, "rpm"),
        ("3000 min⁻¹", 3000.0, "rpm"),
        ("3000 min-1", 3000.0, "rpm"),
        ("100 psi", 689475.7293168361, "Pa"),
        ("250mbar", 25000.0, "Pa"),
        ("90°", 90.0, "°"),
        ("2h", 7200.0, "s"),
        ("30 min", 1800.0, "s"),
        ("5 kN", 5000.0, "N"),
        ("100 pcs", 100.0, ""),
    ],
)
def test_symbols_words_and_other_units(text, value, unit):
    quantity = parse_quantity(text)
    assert quantity.unit == unit
    assert quantity.value == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("0.28 MTR", 0.28, "m"), ("5 MMT", 0.005, "m"), ("4.158 KGM", 4.158, "kg"), ("500 GRM", 0.5, "kg"),
    ("20 CEL", 20.0, "°C"), ("230 VLT", 230.0, "V"), ("1.5 KWT", 1500.0, "W"), ("2 HUR", 7200.0, "s"),
    ("6 BAR", 6e5, "Pa"), ("10 NU", 10.0, "N·m"), ("1 LTR", 1e-3, "m³"), ("2 MMK", 2e-6, "m²"),
])
def test_un_ece_unit_codes_as_bmecat_funit_gives_them(text, value, unit):
    quantity = parse_quantity(text)
    assert quantity.value == pytest.approx(value, rel=1e-12) and quantity.unit == unit


def test_letter_case_is_ignored_only_where_unambiguous():
    assert parse_quantity("6.3MM").value == 0.0063
    assert parse_quantity("0.6Mpa").value == 6e5
    assert parse_quantity("10KHZ").value == 10000.0
    assert parse_quantity("500MA").value == 0.5  # no mega-ampere in catalogs: milliampere
    assert parse_quantity("10mW").value == 0.01
    assert parse_quantity("10MW").value == 1e7  # exact case wins
    assert parse_quantity("1nm").unit == "m"
    assert parse_quantity("1Nm").unit == "N·m"
    with pytest.raises(UnitError, match="unknown unit 'NM'"):
        parse_quantity("1NM")
    # a first letter in mixed case says milli or mega: never folded the other way
    for text in ("1.0mPa", "5 Ma", "10 Mv"):
        with pytest.raises(UnitError, match="unknown unit"):
            parse_quantity(text)


@pytest.mark.parametrize("text", ["50/60 Hz", "230/400 V", "110/220V", "12/24VDC", "0.5/2 A", "5/4 in"])
def test_two_ratings_with_a_slash_are_refused_not_divided(text):
    """Only inch fractions divide: 230/400 V read as 0.575 V was a silent misread."""
    with pytest.raises(UnitError, match="not a fraction such as 1/4"):
        parse_quantity(text)


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("1/4W", 0.25, "W"),
    ('3/8"', 0.009525, "m"),
    ('1½"', 0.0381, "m"),  # NFKC alone would make this 11/2 in
    ("2¼ in", 0.05715, "m"),
    ('½"', 0.0127, "m"),
    ("10⁶ Ω", 1e6, "Ω"),  # NFKC alone would make this 106 Ω
    ("10⁻³ m", 1e-3, "m"),
    ("2.5 mm²", 2.5e-6, "m²"),  # a superscript after a unit is the unit's
])
def test_inch_fractions_vulgar_fractions_and_powers_of_ten(text, value, unit):
    quantity = parse_quantity(text)
    assert quantity.value == pytest.approx(value, rel=1e-12) and quantity.unit == unit


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("IP65", "not a quantity"),
        ("abc", "no number"),
        ("", "empty value"),
        ("   ", "empty value"),
        ("–", "no number"),
        ("1/0W", "division by zero"),
        ("1e999", "not a finite number"),
        ("NaN", "no number"),
        ("inf", "no number"),
        ("-inf", "no number"),
        ("1V8LED", "not a quantity"),
        ("10kΩ 1/4W", "not a quantity"),
        ("M8", "not a quantity"),
        ("5 furlongs", "unknown unit 'furlongs'"),
        ("10-", "not a quantity"),
        ("x" * 300 + "5", "too long"),
        ("10kΩ ±5.5.5%", "not a quantity"),  # was a ValueError from float()
        ("2³ m", "only powers of ten"),
    ],
)
def test_text_that_is_not_a_quantity_is_refused_with_a_reason(text, reason):
    with pytest.raises(UnitError, match=reason) as caught:
        parse_quantity(text)
    assert caught.value.location.value == text
    assert try_parse_quantity(text) is None


def test_dimension_mismatch_names_both_units():
    with pytest.raises(UnitError) as caught:
        parse_quantity("5 kg", "A")
    assert caught.value.reason == "'5 kg' is a mass (kg), expected a current (A)"
    with pytest.raises(UnitError, match=r"is a resistance \(Ω\), expected a voltage \(V\)"):
        parse_quantity("10kΩ", "V")
    with pytest.raises(UnitError, match=r"is a force \(N\), expected a capacitance"):
        parse_quantity("100N", "F")  # N is newton, never guessed to be nano


def test_expected_unit_may_be_any_alias_of_the_dimension():
    assert parse_quantity("6.3 mm", "毫米").value == 0.0063
    assert parse_quantity("10k", "kΩ").value == 10000.0  # a multiplier scales the SI unit
    assert parse_quantity("10kΩ", "ohm").unit == "Ω"
    with pytest.raises(UnitError, match="unknown expected unit 'parsec'"):
        parse_quantity("5", "parsec")


def test_quantity_is_immutable_and_keeps_source_untouched():
    quantity = parse_quantity(" 10 kΩ ")
    assert quantity.source == " 10 kΩ "
    with pytest.raises(AttributeError):
        quantity.value = 1.0  # type: ignore[misc]
    assert quantity == Quantity(10000.0, "Ω", " 10 kΩ ")


def test_si_unit_and_dimension_of_accept_any_alias():
    assert si_unit("mm") == "m"
    assert si_unit("千欧") == "Ω"
    assert si_unit("bar") == "Pa"
    assert dimension_of("A") == "current"
    assert dimension_of("kg") == "mass"
    assert dimension_of("mm") == "length"
    assert dimension_of("℃") == "temperature"
    assert parse_quantity("70", "℃").unit == "°C"
    assert dimension_of("") == "number"
    with pytest.raises(UnitError):
        dimension_of("K")


@pytest.mark.parametrize(
    ("text", "designation", "diameter", "pitch"),
    [
        ("M8x1.25", "M8x1.25", 0.008, 0.00125),
        ("M8×1.25", "M8x1.25", 0.008, 0.00125),
        ("m8-1.25", "M8x1.25", 0.008, 0.00125),
        ("M8*1.25", "M8x1.25", 0.008, 0.00125),
        ("M10X1.5", "M10x1.5", 0.01, 0.0015),
        ("M8", "M8x1.25", 0.008, 0.00125),
        ("M8 x 1", "M8x1", 0.008, 0.001),
        ("Ｍ８×１．２５", "M8x1.25", 0.008, 0.00125),
        ("M3", "M3x0.5", 0.003, 0.0005),
        ("M2.5", "M2.5x0.45", 0.0025, 0.00045),
        ("M64", "M64x6", 0.064, 0.006),
    ],
)
def test_metric_threads_with_coarse_pitch_when_omitted(text, designation, diameter, pitch):
    thread = parse_thread(text)
    assert (thread.designation, thread.nominal_diameter_m, thread.pitch_m, thread.source) == (
        designation, diameter, pitch, text
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("M9", "no ISO 261 coarse pitch; give the pitch, e.g. M9x1"),
        ("M0.5", "e.g. M0.5x0.125"),  # an example it would accept itself (M0.5x1 it refuses)
        ("M8x20", "not a pitch for M8"),
        ("M8x0", "not a pitch"),
        ("8x1.25", "not an ISO metric thread"),
        ("IP65", "not an ISO metric thread"),
        ("G1/2", "not an ISO metric thread"),
        ("", "not an ISO metric thread"),
    ],
)
def test_not_a_metric_thread_is_refused(text, reason):
    with pytest.raises(UnitError, match=reason):
        parse_thread(text)


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (10000.0, "Ω", "10kΩ"),
        (0.0063, "m", "6.3mm"),
        (4.7e-6, "F", "4.7µF"),
        (0.5, "A", "500mA"),
        (1e6, "Pa", "1MPa"),
        (0.0063, "kg", "6.3g"),
        (5.0, "kg", "5kg"),
        (0.001, "m³", "1L"),
        (3.5, "N·m", "3.5N·m"),
        (0.0, "Ω", "0Ω"),
        (-0.0, "V", "0V"),
        (-25.0, "°C", "-25°C"),
        (5.0, "%", "5%"),
        (6205.0, "", "6205"),
        (2.5e-6, "m²", "2.5e-06m²"),
        (1500.0, "rpm", "1500rpm"),
        (999.9999999999999, "Ω", "1kΩ"),
    ],
)
def test_format_picks_the_best_prefix(value, unit, text):
    assert format_quantity(value, unit) == text


def test_format_refuses_unknown_units_and_non_finite_values():
    with pytest.raises(UnitError, match="unknown unit 'mm'"):
        format_quantity(1.0, "mm")
    with pytest.raises(UnitError, match="not finite"):
        format_quantity(math.inf, "m")


FORMAT_UNITS = ["Ω", "F", "H", "W", "V", "A", "Hz", "m", "kg", "s", "Pa", "N", "N·m", "m³", "m²", "°C",
                "%", "", "rpm", "L/min", "°"]
finite_values = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) > 1e-290
)


@settings(max_examples=500, deadline=None)
@given(finite_values, st.sampled_from(FORMAT_UNITS))
def test_format_then_parse_round_trips(value, unit):
    quantity = parse_quantity(format_quantity(value, unit))
    assert quantity.unit == unit
    assert math.isclose(quantity.value, value, rel_tol=1e-9)


PREFIXED = [("k", 1e3, "Ω"), ("M", 1e6, "Ω"), ("m", 1e-3, "Ω"), ("p", 1e-12, "F"), ("n", 1e-9, "F"),
            ("u", 1e-6, "F"), ("µ", 1e-6, "F"), ("μ", 1e-6, "H"), ("m", 1e-3, "A"), ("k", 1e3, "W"),
            ("K", 1e3, "V"), ("G", 1e9, "Hz"), ("m", 1e-3, "m"), ("M", 1e6, "Pa"), ("", 1.0, "N·m")]


@settings(max_examples=500, deadline=None)
@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False), st.sampled_from(PREFIXED))
def test_prefixed_text_parses_to_mantissa_times_prefix(mantissa, prefixed):
    prefix, factor, unit = prefixed
    quantity = parse_quantity(f"{mantissa}{prefix}{unit}")
    assert quantity.unit == unit
    assert math.isclose(quantity.value, float(mantissa) * factor, rel_tol=1e-12)


catalog_like_text = st.lists(
    st.sampled_from(list("0123456789.,-+±~ /xX×kKMmuμnpRΩVAWFHz%°C") + [
        "mm", "AC", "DC", "℃", "毫米", "千欧", "..", "to", "1/4", "²", "e", "e-", "min-1", "(", ")", "≥",
    ]),
    max_size=10,
).map("".join)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(), catalog_like_text), st.sampled_from([None, "", "Ω", "mm", "%", "V", "kg"]))
def test_parsing_random_text_raises_nothing_but_unit_error(text, expected_unit):
    try:
        quantity = parse_quantity(text, expected_unit)
    except UnitError:
        return
    assert quantity.value is None or math.isfinite(quantity.value)
    assert quantity.source == text


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), catalog_like_text.map(lambda tail: "M" + tail)))
def test_thread_parsing_random_text_raises_nothing_but_unit_error(text):
    try:
        parse_thread(text)
    except UnitError:
        pass


def test_fastener_table_pitches_are_the_iso_261_coarse_pitches():
    path = realdata("catalog/fastenerswb_iso4762def.csv")
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows.index(["Dia", "P", "b", "dk_max", "da", "ds_min", "e", "lf", "k", "r", "s_mean", "t",
                         "v", "dw", "w"])
    checked = 0
    for row in rows[header + 1:]:
        if not row or not row[0].strip("()").startswith("M"):
            break
        thread = parse_thread(row[0].strip("()"))  # "(M14)" marks a non-preferred size
        assert thread.pitch_m == pytest.approx(float(row[1]) / 1000, rel=1e-12), row[0]
        checked += 1
    assert checked == 20


def test_octopart_resistor_values_agree_with_their_part_codes():
    text = realdata("catalog/octopart_cpl_production_Resistors.yaml").read_text(encoding="utf-8")
    rows = text.split("- cplid: ")[1:]
    compared_power = 0
    for row in rows:
        code = row.split()[0]  # e.g. CPL-RES-0603-4.7K-0.1W, CPL-ARR-1206-1KOHM-0.062W
        _, _, size, code_resistance, code_power = code.split("-")
        resistance = parse_quantity(re.search(r"Resistance: (.+)", row)[1], "Ω")
        power = parse_quantity(re.search(r"Power Rating: (.+)", row)[1], "W")
        assert resistance.value == pytest.approx(parse_quantity(code_resistance, "Ω").value, rel=1e-12)
        # Three 3.3 kΩ rows reuse the 0603 row's code; their title (0402/0805/1206) shows the copy-paste.
        if size in re.search(r"title: (.+)", row)[1]:
            assert power.value == pytest.approx(parse_quantity(code_power, "W").value, rel=1e-12)
            compared_power += 1
        tolerance = re.search(r"Resistance Tolerance: (.+)", row)[1]
        if tolerance == "–":  # the catalog's "not applicable"
            assert try_parse_quantity(tolerance, "%") is None
        else:
            assert parse_quantity(tolerance, "%").max in (1.0, 5.0, 25.0)
    assert len(rows) > 70
    assert compared_power > 60


def test_hackrf_bom_passive_values_parse_with_the_part_kind_as_expected_unit():
    path = realdata("bom/hackrf-one-bom.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        lines = list(csv.DictReader(handle))
    units_by_part = {"device:C": "F", "device:R": "Ω", "device:INDUCTOR": "H"}
    values = {
        line["Value"]: parse_quantity(line["Value"], units_by_part[line["LibPart"]]).value
        for line in lines
        if line["LibPart"] in units_by_part
    }
    assert values["4k7"] == 4700.0
    assert values["1k8"] == 1800.0
    assert values["8p2"] == 8.2e-12
    assert values["4u7"] == 4.7e-6
    assert values["3.3nF"] == 3.3e-9
    assert values["0"] == 0.0
    assert values["39"] == 39.0
    assert try_parse_quantity("1V8LED", "V") is None  # a part name, not a quantity
