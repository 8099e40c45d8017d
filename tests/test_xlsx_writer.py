"""Tests of the vectorized XLSX writer: round trips through openpyxl and pandas, sheets, styling, limits, errors."""
from __future__ import annotations

import datetime as dt
import decimal
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from analysis import xlsx_writer
from analysis.xlsx_writer import MAX_CELL_CHARS, MAX_DATA_ROWS, DropDown, Sheet, data_bytes, from_pandas, split_rows, write_xlsx


def _rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True))


@pytest.fixture
def mixed() -> pa.Table:
    return pa.table({
        "int": pa.array([1, -2, None, 2**40], pa.int64()),
        "float": pa.array([1.5, float("nan"), float("inf"), -0.25]),
        "decimal": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-3"), decimal.Decimal("0.01")]),
        "bool": pa.array([True, False, None, True]),
        "text": pa.array(["Ёлкин Пётр", "", None, "日本 😀"]),
        "large": pa.array(["a", "b", None, "d"], pa.large_string()),
        "category": pa.array(["x", "y", "x", None]).dictionary_encode(),
        "when": pa.array([dt.datetime(2026, 10, 31, 12, 30, 5), None, dt.datetime(1999, 1, 1),
                          dt.datetime(2026, 1, 1, 0, 0, 0, 500_000)], pa.timestamp("ns")),
        "day": pa.array([dt.date(2026, 2, 28), None, dt.date(1900, 3, 1), dt.date(2000, 1, 1)]),
        "nothing": pa.nulls(4),
    })


def test_round_trip_keeps_values_and_cell_types(tmp_path, mixed):
    path = tmp_path / "book.xlsx"
    assert write_xlsx(path, [Sheet("data", mixed)]) == [4]
    header, *rows = _rows(path, "data")
    assert header == tuple(mixed.column_names)
    assert [r[0] for r in rows] == [1, -2, None, 2**40]
    assert [r[1] for r in rows] == [1.5, None, None, -0.25]  # NaN and inf: empty
    assert [r[2] for r in rows] == [1.5, None, -3, 0.01]
    assert [r[3] for r in rows] == [True, False, None, True]
    assert [r[4] for r in rows] == ["Ёлкин Пётр", None, None, "日本 😀"]  # empty strings and nulls: empty cells
    assert [r[5] for r in rows] == ["a", "b", None, "d"]
    assert [r[6] for r in rows] == ["x", "y", "x", None]
    assert [r[7] for r in rows] == [dt.datetime(2026, 10, 31, 12, 30, 5), None, dt.datetime(1999, 1, 1),
                                    dt.datetime(2026, 1, 1, 0, 0, 0, 500_000)]
    assert [r[8] for r in rows] == [dt.datetime(2026, 2, 28), None, dt.datetime(1900, 3, 1), dt.datetime(2000, 1, 1)]
    assert [r[9] for r in rows] == [None] * 4
    for engine in ("openpyxl", "calamine"):
        frame = pd.read_excel(path, sheet_name="data", engine=engine)
        assert list(frame.columns) == mixed.column_names
        assert frame["int"].tolist()[:2] == [1, -2] and frame["text"].iloc[3] == "日本 😀"
        assert frame["when"].iloc[0] == pd.Timestamp("2026-10-31 12:30:05")


def test_text_is_kept_exactly_except_what_a_cell_cannot_hold(tmp_path):
    values = ["  outer spaces  ", 'a & b < c > d "q" \'s\'', "line\nbreak\ttab", "cr\r\nlf", "<t>]]></t>",
              "bell\x07null\x00", "_x000D_ as text", "ж" * (MAX_CELL_CHARS + 10)]
    path = tmp_path / "text.xlsx"
    write_xlsx(path, [Sheet("text", pa.table({"value_x0041_": values}))])
    got = [r[0] for r in _rows(path, "text")[1:]]
    assert got[:5] == values[:5]
    assert got[5] == "bell\ufffdnull\ufffd"
    assert got[7] == "ж" * MAX_CELL_CHARS
    # Excel (and calamine) read _x000D_ as a carriage return: such text is escaped, openpyxl shows the escape.
    assert got[6] == "_x005F_x000D_ as text"
    assert pd.read_excel(path, engine="calamine", header=None)[0].tolist()[:8] == [
        "value_x0041_", *values[:5], "bell\ufffdnull\ufffd", values[6]]


def test_several_sheets_in_order_with_unicode_names(tmp_path):
    path = tmp_path / "many.xlsx"
    sheets = [Sheet("Проблемы", pa.table({"a": [1, 2]})), Sheet("it's & <ok>", pa.table({"b": ["x"]})),
              Sheet("3", pa.table({"c": pa.array([], pa.string())}))]
    assert write_xlsx(path, sheets) == [2, 1, 0]
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == ["Проблемы", "it's & <ok>", "3"]
    assert book["Проблемы"]["a"].tolist() == [1, 2] and book["it's & <ok>"]["b"].tolist() == ["x"]
    assert list(book["3"].columns) == ["c"] and book["3"].empty


def test_empty_tables(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_xlsx(path, [Sheet("no rows", pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})),
                      Sheet("no columns", pa.table({}))], styled=True)
    assert _rows(path, "no rows") == [("a", "b")]
    assert _rows(path, "no columns") == []
    assert pd.read_excel(path, sheet_name="no rows").empty


def test_styled_header_filter_widths_and_date_format(tmp_path):
    table = pa.table({"name": ["Короткое", "Значение подлиннее"], "when": pa.array([dt.date(2026, 12, 31), None]),
                      "n": [1, 2]})
    path = tmp_path / "styled.xlsx"
    write_xlsx(path, [Sheet("list", table)], styled=True, datetime_format="dd.mm.yyyy")
    sheet = openpyxl.load_workbook(path)["list"]
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:C3"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["C"].width > 0
    assert sheet.column_dimensions["A"].width >= len("Значение подлиннее")
    assert sheet["B2"].number_format == "dd.mm.yyyy" and sheet["B2"].value == dt.datetime(2026, 12, 31)
    plain = tmp_path / "plain.xlsx"
    write_xlsx(plain, [Sheet("list", table)])
    assert not openpyxl.load_workbook(plain)["list"]["A1"].font.b


LAST_DAY = (dt.date(9999, 12, 31) - dt.date(1970, 1, 1)).days  # Excel's last date
FIRST_DAY = (dt.date(1, 1, 1) - dt.date(1970, 1, 1)).days


def test_dates_excel_cannot_show_are_iso_text(tmp_path):
    table = pa.table({"when": pa.array([dt.datetime(1899, 12, 31, 10, 0), dt.datetime(1900, 2, 28),
                                        dt.datetime(1900, 3, 1)], pa.timestamp("us")),
                      "day": pa.array(np.array([LAST_DAY + 1, LAST_DAY, FIRST_DAY], np.int32), pa.date32())})
    path = tmp_path / "old.xlsx"
    write_xlsx(path, [Sheet("d", table)])
    rows = _rows(path, "d")[1:]
    assert [r[0] for r in rows] == ["1899-12-31 10:00:00", "1900-02-28 00:00:00", dt.datetime(1900, 3, 1)]
    assert [r[1] for r in rows] == ["10000-01-01 00:00:00", dt.datetime(9999, 12, 31), "0001-01-01 00:00:00"]


def test_numbers_mask_writes_digit_text_as_numbers(tmp_path):
    table = pa.table({"phone": ["79161234567", "8 916 123", None, "79031234567"]})
    path = tmp_path / "numbers.xlsx"
    write_xlsx(path, [Sheet("s", table, numbers={"phone": np.array([True, False, False, False])})])
    assert [r[0] for r in _rows(path, "s")[1:]] == [79161234567, "8 916 123", None, "79031234567"]


def test_shaded_cells_drop_downs_and_frozen_columns(tmp_path):
    table = pa.table({"id": ["a", "b", "c"], "n": [1, 2, 3], "when": pa.array([dt.date(2026, 1, 2), None, None]),
                      "flag": [True, None, False], "choice": pa.array([None, None, None], pa.string())})
    path = tmp_path / "review.xlsx"
    write_xlsx(path, [Sheet("s", table, shaded={"n": np.array([False, True, False]), "when": np.array([True, True, False]),
                                                "flag": np.array([True, False, False])},
                            drop_downs={"choice": DropDown(["yes", "no & maybe"], prompt='pick "yes" or leave empty')},
                            frozen_columns=2)], styled=True, datetime_format="dd.mm.yyyy")
    sheet = openpyxl.load_workbook(path)["s"]
    shaded = {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.fill.fill_type == "solid"}
    assert shaded == {"B3", "C2", "C3", "D2"}  # C3 is empty but shaded
    assert sheet["B3"].fill.fgColor.rgb == "FFF4CCCC" and sheet["B3"].value == 2 and sheet["D2"].value is True
    assert sheet["C2"].value == dt.datetime(2026, 1, 2) and sheet["C2"].number_format == "dd.mm.yyyy"
    assert sheet["C3"].value is None and sheet["B2"].fill.fill_type is None
    assert sheet.freeze_panes == "C2" and all(cell.font.b for cell in sheet[1])
    (rule,) = sheet.data_validations.dataValidation
    assert (rule.type, rule.formula1, str(rule.sqref)) == ("list", '"yes,no & maybe"', "E2:E4")
    assert rule.allow_blank and not rule.showErrorMessage  # other values may still be typed
    assert rule.showInputMessage and rule.prompt == 'pick "yes" or leave empty'
    sheet["E2"] = "yes"  # a steward fills it with openpyxl (or Excel) and saves: the file still reads the same
    sheet.parent.save(path)
    assert pd.read_excel(path, dtype=str)["choice"].tolist()[:2] == ["yes", np.nan]
    write_xlsx(tmp_path / "empty.xlsx", [Sheet("s", table.slice(0, 0), drop_downs={"choice": DropDown(["yes"])})])
    assert not openpyxl.load_workbook(tmp_path / "empty.xlsx")["s"].data_validations.dataValidation


def test_data_bytes_of_arrays_and_chunked_arrays():
    chunked = pa.chunked_array([["ab", None], ["", "ц"]])
    assert bytes(data_bytes(chunked)) == "abц".encode()
    assert bytes(data_bytes(pa.array(["xyz", "q"]).slice(1))) == b"q"
    assert data_bytes(pa.array([], pa.binary())) == b"" and data_bytes(pa.array(["", None])) == b""


def test_same_input_same_bytes_however_it_is_cut(tmp_path, mixed, monkeypatch):
    big = pa.concat_tables([mixed] * 50)
    write_xlsx(tmp_path / "a.xlsx", [Sheet("s", big), Sheet("t", mixed)], styled=True)
    monkeypatch.setattr(xlsx_writer, "_CELLS_PER_WRITE", 7)
    write_xlsx(tmp_path / "b.xlsx", [Sheet("s", big), Sheet("t", mixed)], styled=True)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert _rows(tmp_path / "b.xlsx", "s")[1:5] == _rows(tmp_path / "a.xlsx", "t")[1:]


def test_excel_row_limit(tmp_path):
    limit = pa.table({"n": np.arange(MAX_DATA_ROWS, dtype=np.int8) % 2})
    too_many = pa.table({"n": np.zeros(MAX_DATA_ROWS + 1, dtype=np.int8)})
    with pytest.raises(ValueError, match="split_rows"):
        write_xlsx(tmp_path / "big.xlsx", [Sheet("s", too_many)])
    assert not (tmp_path / "big.xlsx").exists()
    parts = split_rows(too_many)
    assert [p.num_rows for p in parts] == [MAX_DATA_ROWS, 1]
    assert [p.num_rows for p in split_rows(pa.table({"n": range(5)}), 2)] == [2, 2, 1]
    assert [p.num_rows for p in split_rows(pa.table({"n": pa.array([], pa.int64())}))] == [0]
    path = tmp_path / "full.xlsx"
    write_xlsx(path, [Sheet("s", limit)])
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml")
    assert b'<dimension ref="A1:A1048576"/>' in xml
    assert xml.endswith(b'<row r="1048576"><c r="A1048576"><v>0</v></c></row></sheetData></worksheet>')


@pytest.mark.parametrize(("sheets", "error", "match"), [
    ([], ValueError, "at least one sheet"),
    ([Sheet("x" * 32, pa.table({"a": [1]}))], ValueError, "1–31 characters"),
    ([Sheet("a/b", pa.table({"a": [1]}))], ValueError, "none of"),
    ([Sheet("'quoted'", pa.table({"a": [1]}))], ValueError, "none of"),
    ([Sheet("Data", pa.table({"a": [1]})), Sheet("data", pa.table({"a": [1]}))], ValueError, "used twice"),
    ([Sheet("s", pd.DataFrame({"a": [1]}))], TypeError, "from_pandas"),
    ([Sheet("s", pa.table({"a": pa.array([dt.datetime(2026, 1, 1)], pa.timestamp("s", tz="Europe/Moscow"))}))],
     ValueError, "time zones"),
    ([Sheet("s", pa.table({"a": [[1, 2]]}))], TypeError, "convert it to text"),
    ([Sheet("s", pa.table({"a": ["1"]}), numbers={"a": np.array([True, False])})], ValueError, "one flag per row"),
    ([Sheet("s", pa.table({"a": ["1"]}), numbers={"b": np.array([True])})], ValueError, "must name a column"),
    ([Sheet("s", pa.table({"a": ["1"]}), shaded={"a": np.array([True, False])})], ValueError, r"shaded\['a'\]"),
    ([Sheet("s", pa.table({"a": ["1"]}), drop_downs={"a": DropDown(["x,y"])})], ValueError, "without commas"),
    ([Sheet("s", pa.table({"a": ["1"]}), drop_downs={"a": DropDown([])})], ValueError, "drop_downs"),
    ([Sheet("s", pa.table({"a": ["1"]}), drop_downs={"b": DropDown(["x"])})], ValueError, "must name a column"),
    ([Sheet("s", pa.table({"a": ["1"]}), drop_downs={"a": DropDown(["x"] * 200)})], ValueError, "at most 255"),
    ([Sheet("s", pa.table({"a": ["1"]}), frozen_columns=2)], ValueError, "frozen_columns"),
])
def test_clear_errors_before_anything_is_written(tmp_path, sheets, error, match):
    with pytest.raises(error, match=match):
        write_xlsx(tmp_path / "bad.xlsx", sheets)
    assert not (tmp_path / "bad.xlsx").exists()


def test_from_pandas_keeps_types_and_writes_mixed_objects_as_text(tmp_path):
    frame = pd.DataFrame({
        "key": pd.array(["a", None], dtype="string"), "n": pd.array([1, None], dtype="Int64"),
        "flag": pd.array([True, None], dtype="boolean"), "mixed": [1, "два"], "cat": pd.Categorical(["x", "y"]),
        "when": pd.to_datetime(["2026-10-31", None]), 7: [0.5, np.nan],
    }, index=[10, 20])
    table = from_pandas(frame)
    assert table.column_names == ["key", "n", "flag", "mixed", "cat", "when", "7"]
    assert table.column("mixed").to_pylist() == ["1", "два"]
    path = tmp_path / "frame.xlsx"
    write_xlsx(path, [Sheet("s", table)])
    assert _rows(path, "s")[1:] == [("a", 1, True, "1", "x", dt.datetime(2026, 10, 31), 0.5),
                                    (None, None, None, "два", "y", None, None)]
