"""Tests for analysis.dedup_review: the review workbook and the round trip of filled decisions."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from analysis.dedup_review import combine_labels, export_review, read_review, review_sheet

RECORDS = pd.DataFrame({
    "record_key": ["1c:1", "loy:7", "1c:2", "loy:9"],
    "last_name": ["Иванов", "Иванов", "Петрова", "Петрова"],
    "first_name": ["Иван", "Иван", "Анна", "Мария"],
    "birth_date": pd.to_datetime(["1980-05-01", None, "1975-01-02", "1977-03-04"]),
    "phone_all": ["+79160000001", "+79160000001;+79030000002", "+79160000003", "+79160000003"],
})
REVIEW = pd.DataFrame({"record_key_1": ["1c:1", "1c:2"], "record_key_2": ["loy:7", "loy:9"],
                       "probability": [0.55, 0.71], "reason": ["", ""]})
FIELDS = ["last_name", "first_name", "birth_date", "phone_all"]


def fill(path, decisions: dict[int, str]) -> None:
    """Type decisions into the workbook as a data steward would (row 2 = first pair)."""
    book = load_workbook(path)
    sheet = book["review"]
    column = [c.value for c in sheet[1]].index("decision") + 1
    for row, value in decisions.items():
        sheet.cell(row=row, column=column, value=value)
    book.save(path)


def test_sheet_puts_both_records_side_by_side_most_likely_first():
    sheet = review_sheet(REVIEW, RECORDS, FIELDS)
    assert sheet["record_key_1"].tolist() == ["1c:2", "1c:1"]
    assert sheet.loc[0, ["first_name_1", "first_name_2"]].tolist() == ["Анна", "Мария"]
    assert sheet.loc[1, "phone_all_2"] == "+79160000001;+79030000002"
    assert (sheet["decision"] == "").all()


def test_round_trip_returns_the_filled_decisions_as_labels(tmp_path):
    path = export_review(REVIEW, RECORDS, tmp_path / "review.xlsx", FIELDS)
    book = load_workbook(path)
    sheet = book["review"]
    assert sheet.data_validations.dataValidation[0].formula1 == '"match,non-match"'
    assert sheet["A2"].value == "1c:2" and sheet["E1"].value == "decision" and sheet["E2"].value is None
    fill(path, {2: "non-match", 3: " Match "})
    labels = read_review(path)
    got = {(a, b): y for a, b, y in labels.itertuples(index=False)}
    assert got == {("1c:2", "loy:9"): 0, ("1c:1", "loy:7"): 1}


def test_undecided_rows_are_left_out_and_bad_decisions_refused(tmp_path):
    path = export_review(REVIEW, RECORDS, tmp_path / "review.xlsx", FIELDS)
    assert read_review(path).empty
    fill(path, {3: "может быть"})
    with pytest.raises(ValueError, match="rows 3"):
        read_review(path)


def test_later_rounds_win_and_pair_order_does_not_matter():
    first = pd.DataFrame({"record_key_1": ["a", "c"], "record_key_2": ["b", "d"], "label": [1, 1]})
    second = pd.DataFrame({"record_key_1": ["b"], "record_key_2": ["a"], "label": [0]})
    merged = combine_labels(first, second).set_index(["record_key_1", "record_key_2"])["label"]
    assert merged.to_dict() == {("c", "d"): 1, ("a", "b"): 0}
    with pytest.raises(ValueError, match="both match and non-match"):
        combine_labels(pd.concat([first, second]))


def test_review_pairs_must_name_known_records():
    with pytest.raises(ValueError, match="not in `records`"):
        review_sheet(REVIEW.assign(record_key_2=["loy:7", "zzz"]), RECORDS, FIELDS)
    with pytest.raises(ValueError, match="lacks the columns"):
        review_sheet(REVIEW, RECORDS, ["no_such_field"])
