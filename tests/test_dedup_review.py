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
    fill(path, {2: "non-match", 3: " Match "})  # saved by openpyxl, as a steward's Excel would
    labels = read_review(path)
    got = {(a, b): y for a, b, y in labels.itertuples(index=False)}
    assert got == {("1c:2", "loy:9"): 0, ("1c:1", "loy:7"): 1}
    fill(path, {2: "да", 3: "не дубль"})
    assert read_review(path)["label"].tolist() == [1, 0]


def shaded(sheet) -> set[str]:
    return {cell.coordinate for row in sheet.iter_rows() for cell in row if cell.fill.fill_type == "solid"}


def test_workbook_shades_differences_and_offers_the_decisions(tmp_path):
    records = RECORDS.assign(last_name=["Иванов", "", "Петрова", "Петрова"])  # an empty string differs, a null not
    sheet = load_workbook(export_review(REVIEW, records, tmp_path / "review.xlsx", FIELDS))["review"]
    header = [cell.value for cell in sheet[1]]
    assert header == ["record_key_1", "record_key_2", "probability", "reason", "decision", "last_name_1", "last_name_2",
                      "first_name_1", "first_name_2", "birth_date_1", "birth_date_2", "phone_all_1", "phone_all_2"]
    # Row 2: 1c:2 / loy:9 (first names and birth dates differ); row 3: 1c:1 / loy:7 (surname "" and phones differ,
    # the birth date of loy:7 is missing).
    assert shaded(sheet) == {"H2", "I2", "J2", "K2", "F3", "G3", "L3", "M3"}
    assert sheet["G1"].fill.fill_type is None and sheet["H2"].fill.fgColor.rgb == "FFF4CCCC"
    assert [sheet["J2"].value, sheet["K2"].value, sheet["K3"].value] == ["1975-01-02", "1977-03-04", None]
    assert sheet["C2"].value == 0.71 and all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "F2"  # the header and the columns up to the decision stay in view
    (rule,) = sheet.data_validations.dataValidation
    assert (rule.type, str(rule.sqref), rule.allow_blank, rule.showErrorMessage) == ("list", "E2:E3", True, False)
    assert rule.prompt == "match / non-match / empty"


def test_empty_review_gives_a_workbook_without_decisions(tmp_path):
    path = export_review(REVIEW.iloc[:0], RECORDS, tmp_path / "review.xlsx", FIELDS)
    sheet = load_workbook(path)["review"]
    assert [cell.value for cell in sheet[1]][:5] == ["record_key_1", "record_key_2", "probability", "reason", "decision"]
    assert sheet.max_row == 1 and not sheet.data_validations.dataValidation
    assert read_review(path).empty


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


def test_ids_a_steward_retyped_as_numbers_read_back_as_the_same_text(tmp_path):
    records = RECORDS.assign(record_key=["1001", "7", "1002", "9"])
    review = REVIEW.assign(record_key_1=["1001", "1002"], record_key_2=["7", "9"])
    path = export_review(review, records, tmp_path / "review.xlsx", FIELDS)
    book = load_workbook(path)
    sheet = book["review"]
    for cell in (*sheet["A"][1:], *sheet["B"][1:]):
        cell.value = int(cell.value)  # Excel turned the id text into numbers
    book.save(path)
    fill(path, {2: "match", 3: "non-match"})
    labels = read_review(path)
    assert sorted(labels.itertuples(index=False)) == [("1001", "7", 0), ("1002", "9", 1)]
