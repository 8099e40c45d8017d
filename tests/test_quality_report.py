"""Tests of the data stewards' workbook (quality_issues.xlsx)."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pyarrow as pa

from analysis import quality_report, xlsx_writer


def _issues() -> pd.DataFrame:
    return pd.DataFrame({
        "source": ["1c", "1c", "loyalty"], "source_id": ["0007", "0007", "100"],
        "field": ["phone", "email", "name"], "issue": ["phone_fake", "email_invalid", "name_swapped"],
        "raw_value": ["+7 999 999-99-99", "ivan@@mail.ru", "Иван | Иванов | "], "suggested_value": [None, None, "Иванов Иван"],
    })


def _clean() -> pd.DataFrame:
    return pd.DataFrame({
        "record_key": ["1c:0007", "loyalty:0007", "loyalty:100", "1c:0008"],
        "source": pd.array(["1c", "loyalty", "loyalty", "1c"], dtype="string"),
        "source_id": pd.array(["0007", "0007", "100", "0008"], dtype="string"),
        "last_name": pd.array(["Петров", "Сидоров", "Иванов", None], dtype="string"),
        "q_phone": pd.array([10, 0, 2, 0], dtype="int8"),
        "age": pd.array([40, None, 31, 25], dtype="Int64"),
        "birth_date": pd.to_datetime(["1986-01-02", None, "1995-03-04", "2001-05-06"]),
        "consent_sms": pd.array([True, None, False, True], dtype="boolean"),
        "stale": [False, True, False, False],
    })


def test_workbook_has_every_issue_and_the_records_concerned(tmp_path):
    path = quality_report.export_issues(_issues(), _clean(), tmp_path / "reports" / "quality_issues.xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == ["issues", "records"]
    issues = list(book["issues"].iter_rows(values_only=True))
    assert issues[0] == tuple(_issues().columns)
    assert issues[1:] == [("1c", "0007", "phone", "phone_fake", "+7 999 999-99-99", None),
                          ("1c", "0007", "email", "email_invalid", "ivan@@mail.ru", None),
                          ("loyalty", "100", "name", "name_swapped", "Иван | Иванов | ", "Иванов Иван")]
    records = list(book["records"].iter_rows(values_only=True))
    assert records[0] == tuple(_clean().columns)
    # matched on source and source_id: loyalty:0007 shares the id of a 1C record with issues but has none itself
    assert records[1:] == [("1c:0007", "1c", "0007", "Петров", 10, 40, dt.datetime(1986, 1, 2), True, False),
                           ("loyalty:100", "loyalty", "100", "Иванов", 2, 31, dt.datetime(1995, 3, 4), False, False)]


def test_workbook_is_styled_for_filtering(tmp_path):
    path = quality_report.export_issues(_issues(), _clean(), tmp_path / "quality_issues.xlsx")
    sheet = openpyxl.load_workbook(path)["issues"]
    assert sheet["A1"].font.b and sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:F4"


def test_lists_longer_than_a_sheet_go_on_over_more_sheets(tmp_path, monkeypatch):
    split = xlsx_writer.split_rows
    monkeypatch.setattr(xlsx_writer, "split_rows", lambda table: split(table, 2))  # a "sheet" of two rows
    path = quality_report.export_issues(_issues(), _clean(), tmp_path / "quality_issues.xlsx")
    book = pd.read_excel(path, sheet_name=None, dtype=str)
    assert list(book) == ["issues", "issues_2", "records"]
    assert pd.concat([book["issues"], book["issues_2"]])["issue"].tolist() == _issues()["issue"].tolist()


def test_no_issues_gives_headers_only(tmp_path):
    path = quality_report.export_issues(_issues().iloc[:0], _clean(), tmp_path / "quality_issues.xlsx")
    book = pd.read_excel(path, sheet_name=None)
    assert list(book) == ["issues", "records"] and book["issues"].empty and book["records"].empty
    assert list(book["records"].columns) == list(_clean().columns)


def test_records_sheet_keeps_types_of_arrow_backed_columns(tmp_path):
    clean = _clean().astype({"last_name": pd.ArrowDtype(pa.large_string())})
    path = quality_report.export_issues(_issues(), clean, tmp_path / "quality_issues.xlsx")
    assert pd.read_excel(path, sheet_name="records")["last_name"].tolist() == ["Петров", "Иванов"]


def test_reachability_per_source_and_channel():
    clean = pd.DataFrame({"source": pd.array(["loyalty", "1c", "1c"], dtype="string"), "contactable_sms": [True, False, True],
                          "contactable_viber": [False, False, False], "contactable_email": [True, True, False]})
    reach = quality_report.reachability(clean)
    assert list(zip(reach["source"], reach["channel"], reach["contactable_share"])) == [
        ("1c", "email", 0.5), ("1c", "sms", 0.5), ("1c", "viber", 0.0),
        ("loyalty", "email", 1.0), ("loyalty", "sms", 1.0), ("loyalty", "viber", 0.0)]
