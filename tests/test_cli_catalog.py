"""The command line: thin over the library, tables or --json, exit codes 0 / 1 (data) / 2 (usage)."""

from __future__ import annotations

import json

import pytest
from catalog_fixtures import HEADER, ROWS, write_csv, write_definitions


@pytest.fixture
def run(run, monkeypatch, tmp_path):
    """conftest's `run`, from inside a scratch folder (no workspace above it)."""
    monkeypatch.chdir(tmp_path)
    return run


@pytest.fixture
def shop(run, tmp_path):
    assert run("init", "shop")[0] == 0
    assert run("-w", "shop", "catalog", "define", str(write_definitions(tmp_path)))[0] == 0
    return tmp_path / "shop"


def test_import_then_info_and_quality_as_json(run, shop, tmp_path):
    code, out, _ = run("-w", str(shop), "catalog", "import", str(write_csv(tmp_path / "c.csv", ROWS)))
    assert code == 0 and "imported" in out
    code, out, _ = run("-w", str(shop), "info", "--json")
    info = json.loads(out)
    assert info["counts"]["products"] == 3 and info["schema_version"] >= 2
    code, out, _ = run("-w", str(shop), "catalog", "quality", "--json")
    assert code == 0 and json.loads(out)["total"]["skus"] == 3


def test_rejected_import_exits_1_and_lists_the_cell(run, shop, tmp_path):
    rows = [row[:] for row in ROWS]
    rows[0][HEADER.index("单价")] = "-1"
    code, out, _ = run("-w", str(shop), "catalog", "import", str(write_csv(tmp_path / "c.csv", rows)))
    assert code == 1
    assert "NOTHING imported" in out and "price is negative" in out and "单价" in out


def test_corrupt_file_exits_1_with_a_message_not_a_traceback(run, shop, tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a spreadsheet at all")
    code, _, err = run("-w", str(shop), "catalog", "import", str(bad))
    assert code == 1 and err.startswith("Error: ") and "bad.xlsx" in err and "Traceback" not in err


def test_usage_error_exits_2(run, shop):
    assert run("-w", str(shop), "catalog", "import")[0] == 2
    assert run("-w", str(shop), "catalog", "export", "-o", "x.pdf", "--format", "pdf")[0] == 2


def test_show_mapping_prints_what_each_column_means(run, shop, tmp_path):
    code, out, _ = run("-w", str(shop), "catalog", "import", str(write_csv(tmp_path / "c.csv", ROWS)),
                       "--show-mapping")
    assert code == 0
    assert "header in row 3" in out and "parameter 额定电流 [A]" in out and "price 100+" in out
    code, out, _ = run("-w", str(shop), "info", "--json")
    assert json.loads(out)["counts"]["products"] == 0


def test_info_masks_the_database_password(run, tmp_path):
    (tmp_path / "pgws").mkdir()
    (tmp_path / "pgws" / "jbp.toml").write_text('db_url = "postgresql://u:topsecret@127.0.0.1:1/none"\n')
    code, out, err = run("-w", str(tmp_path / "pgws"), "info")
    assert code == 1 and "topsecret" not in out + err


def test_no_workspace_is_a_user_error(run):
    code, _, err = run("info")
    assert code == 1 and "jbp init" in err


def _zip_bomb(folder):
    from test_sheets import _HEADER_ROW, write_raw_xlsx

    return write_raw_xlsx(folder / "bomb.xlsx", _HEADER_ROW, padding=" " * 20_000_000)


def _shift_jis_csv(folder):
    path = folder / "sjis.csv"
    path.write_bytes("品番,メーカー,数量\nA-1,オムロン,3\nB-2,パナソニック,5\n".encode("shift_jis"))
    return path


def _not_bmecat(folder):
    path = folder / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss><channel><item>x</item></channel></rss>', encoding="utf-8")
    return path


def _billion_laughs(folder):
    path = folder / "laughs.xml"
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    path.write_text(f'<?xml version="1.0"?><!DOCTYPE BMECAT [<!ENTITY l0 "ha">{entities}]>'
                    "<BMECAT><HEADER>&l9;</HEADER></BMECAT>", encoding="utf-8")
    return path


def _yaml_alias_bomb(folder):
    path = folder / "cpl.yaml"
    levels = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 10))
    path.write_text(f"l0: &l0 [ha]\n{levels}name: Resistors\nrows: []\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("build", "expected"), [
    (_zip_bomb, "zip bomb"),
    (_shift_jis_csv, "encoding"),
    (_not_bmecat, "rss"),
    (_billion_laughs, "laughs.xml"),
    (_yaml_alias_bomb, "aliases"),
])
def test_hostile_files_exit_1_naming_the_file_and_leave_the_store_as_it_was(run, shop, tmp_path, build, expected):
    run("-w", str(shop), "catalog", "import", str(write_csv(tmp_path / "c.csv", ROWS)))
    before = json.loads(run("-w", str(shop), "info", "--json")[1])["counts"]
    path = build(tmp_path)
    code, out, err = run("-w", str(shop), "catalog", "import", str(path))
    assert code == 1
    assert path.name in err and expected in err.lower() and "Traceback" not in err
    assert json.loads(run("-w", str(shop), "info", "--json")[1])["counts"] == before


def test_help_lists_every_command_without_importing_the_heavy_libraries():
    import subprocess
    import sys

    from jbp.cli.main import COMMANDS

    code = ("import sys; from jbp.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('sqlalchemy', 'numpy', 'pydantic', 'jieba', 'trimesh', 'whoosh') "
            "if m in sys.modules))")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert all(name in output for name in COMMANDS)
    assert output.strip().splitlines()[-1] == "[]"
