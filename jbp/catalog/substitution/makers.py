"""Whether two spellings name the same maker: cross-reference sheets write 施耐德, Schneider and
Schneider Electric for one company, and buyers type any of them."""

from __future__ import annotations

from jbp.catalog.importers.headers import fold_header

# Makers whose Chinese and Latin names share no letters; a prefix ("Schneider" of "Schneider Electric",
# "施耐德" of "施耐德电气") is recognised without a row here.
_SAME_MAKER = (
    ("schneider", "施耐德", "telemecanique", "施耐德电气"),
    ("siemens", "西门子"),
    ("omron", "欧姆龙"),
    ("mitsubishi", "三菱", "三菱电机"),
    ("eaton", "伊顿", "moeller", "穆勒"),
    ("legrand", "罗格朗"),
    ("fuji", "富士", "富士电机"),
    ("ls", "ls产电", "ls electric", "lsis"),
    ("chint", "chnt", "正泰"),
    ("delixi", "德力西"),
    ("people", "人民电器"),
    ("panasonic", "松下"),
    ("idec", "和泉"),
    ("finder", "芬德"),
    ("phoenix contact", "菲尼克斯"),
    ("weidmuller", "weidmüller", "魏德米勒"),
    ("autonics", "奥托尼克斯"),
    ("sick", "西克"),
    ("pepperl+fuchs", "pepperl fuchs", "倍加福"),
    ("balluff", "巴鲁夫"),
    ("ifm", "易福门"),
    ("keyence", "基恩士"),
    ("skf", "斯凯孚"),
    ("fag", "schaeffler", "舍弗勒", "ina"),
    ("nsk", "恩斯克"),
    ("ntn", "恩梯恩"),
    ("koyo", "光洋", "jtekt"),
    ("timken", "铁姆肯"),
    ("hiwin", "上银"),
    ("smc", "斯麦西"),
    ("festo", "费斯托"),
    ("airtac", "亚德客"),
)
_GROUP = {fold_header(name): index for index, names in enumerate(_SAME_MAKER) for name in names}


def same_maker(first: str, second: str) -> bool:
    a, b = fold_header(first), fold_header(second)
    if not a or not b:
        return False
    if a == b or _extends(a, b) or _extends(b, a):
        return True
    group = _known_group(a)
    return group is not None and group == _known_group(b)


def _extends(longer: str, shorter: str) -> bool:
    """`schneider electric` extends `schneider`; `施耐德电气` extends `施耐德` (CJK has no spaces)."""
    if len(shorter) < 2 or not longer.startswith(shorter) or len(longer) == len(shorter):
        return False
    after = longer[len(shorter)]
    return after == " " or (after >= "\u4e00" and shorter[-1] >= "\u4e00")


def _known_group(name: str) -> int | None:
    """The group of the longest listed name that `name` is or extends."""
    best = None
    for known, group in _GROUP.items():
        if (name == known or _extends(name, known)) and (best is None or len(known) > len(best[0])):
            best = (known, group)
    return best[1] if best else None
