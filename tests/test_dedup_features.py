"""Tests for analysis.dedup_features: comparison levels on Cyrillic text, missing values, partial dates, tf."""

import itertools

import numpy as np
import pandas as pd
import pytest
from rapidfuzz.distance import JaroWinkler

from analysis.dedup_features import MISSING, comparison_vectors, encode_records, n_levels, validate_comparisons


def compare(frame: pd.DataFrame, spec: dict, pairs: list[tuple[int, int]]) -> pd.DataFrame:
    encoded = encode_records(frame, [spec], workers=1)
    return comparison_vectors(encoded, pd.DataFrame(pairs, columns=["left", "right"]))


def test_jaro_winkler_levels_on_cyrillic_keys_with_missing_as_its_own_state():
    frame = pd.DataFrame({"name": ["наталья", "наталия", "наталья", "ольга", None]})
    spec = {"name": "first", "method": "string", "columns": ["name"], "thresholds": [0.95, 0.88]}
    levels = compare(frame, spec, [(0, 2), (0, 1), (0, 3), (0, 4)])["first"].tolist()
    assert levels == [2, 1, 0, MISSING]


def test_string_scores_match_rapidfuzz_row_by_row():
    rng = np.random.default_rng(0)
    words = np.array(["иванов", "иваноф", "петров", "петрова", "сидоров", "ёжиков", "ежиков"], dtype=object)
    frame = pd.DataFrame({"name": words[rng.integers(0, len(words), 30)]})
    pairs = list(itertools.combinations(range(30), 2))
    thresholds = [0.97, 0.9, 0.8]
    levels = compare(frame, {"name": "n", "method": "string", "columns": ["name"], "thresholds": thresholds},
                     pairs)["n"].to_numpy()
    sims = [JaroWinkler.normalized_similarity(frame["name"][a], frame["name"][b]) for a, b in pairs]
    expected = [sum(s >= t for t in thresholds) for s in sims]
    assert levels.tolist() == expected


def test_swap_with_recognizes_first_and_last_name_written_in_each_others_field():
    frame = pd.DataFrame({"last": ["иванов", "иван", "петров"], "first": ["иван", "иванов", "иван"]})
    spec = {"name": "last", "method": "string", "columns": ["last"], "thresholds": [0.95], "swap_with": "first"}
    assert compare(frame, spec, [(0, 1), (0, 2)])["last"].tolist() == [1, 0]


def test_a_lone_initial_stays_neutral_when_names_may_be_swapped():
    frame = pd.DataFrame({"last": ["морозова", "морозова", "галина"], "first": ["галина", "г", "морозова"]})
    spec = {"name": "first", "method": "string", "columns": ["first"], "thresholds": [0.95], "swap_with": "last"}
    assert compare(frame, spec, [(0, 1), (1, 2)])["first"].tolist() == [MISSING, 0]


def test_exact_cascade_gives_email_then_local_part_levels():
    frame = pd.DataFrame({"email": ["ivan@mail.ru", "ivan@mail.ru", "ivan@ya.ru", "petr@mail.ru", None],
                          "email_local": ["ivan", "ivan", "ivan", "petr", None]})
    spec = {"name": "email", "method": "exact", "columns": ["email", "email_local"]}
    assert compare(frame, spec, [(0, 1), (0, 2), (0, 3), (0, 4)])["email"].tolist() == [2, 1, 0, MISSING]


def test_exact_cascade_is_neutral_when_a_later_level_is_absent_on_both_sides():
    """Local parts that only spell the name are blanked in email_local_key: equal or not, they are no evidence."""
    frame = pd.DataFrame({"email": ["popova.mariya@bk.ru", "popova.mariya@mail.ru", "popova1992@ya.ru", "p.m@ya.ru"],
                          "email_local_key": [None, None, "popova1992", None]})
    spec = {"name": "email", "method": "exact", "columns": ["email", "email_local_key"]}
    assert compare(frame, spec, [(0, 1), (0, 3), (0, 2), (2, 3)])["email"].tolist() == [MISSING, MISSING, 0, 0]


def test_any_equal_finds_a_shared_number_among_several():
    frame = pd.DataFrame({"phone_all": ["+7916;+7903", "+7903", "+7999", None, "+7916; +7000"]})
    spec = {"name": "phone", "method": "any_equal", "columns": ["phone_all"]}
    assert compare(frame, spec, [(0, 1), (0, 2), (0, 3), (0, 4)])["phone"].tolist() == [1, 0, MISSING, 1]


def test_partial_birth_dates_are_compatible_with_full_ones():
    frame = pd.DataFrame({
        "y": pd.array([1980, 1980, 1980, None, 1981, 1980, 1980, 1979, 1981], dtype="Int64"),
        "m": pd.array([5, 5, None, 5, 5, 5, 1, None, 6], dtype="Int64"),
        "d": pd.array([1, 1, None, 1, 1, 2, 5, None, 1], dtype="Int64"),
    })
    spec = {"name": "birth", "method": "date_parts", "columns": ["y", "m", "d"]}
    pairs = [(0, 1), (0, 3), (0, 5), (0, 6), (0, 4), (0, 2), (0, 7), (0, 8), (2, 3)]
    # equal; day.month only; day differs; day/month swapped; year differs; year only; other year; two parts
    # differ; year-only vs day.month share nothing
    assert compare(frame, spec, pairs)["birth"].tolist() == [4, 3, 2, 2, 2, 1, 0, 0, MISSING]


def test_term_frequency_adjustment_favours_rare_values_at_the_top_level_only():
    frame = pd.DataFrame({"last": ["иванов"] * 8 + ["редкин", "редкин", "иванова"]})
    spec = {"name": "last", "method": "string", "columns": ["last"], "thresholds": [0.98],
            "term_frequency": True}
    got = compare(frame, spec, [(0, 1), (8, 9), (0, 10)])
    assert got["last"].tolist() == [1, 1, 0]
    common, rare, below = got["last:tf"].tolist()
    assert rare > 0 > common and below == 0


def test_levels_count_per_method():
    specs = validate_comparisons([
        {"name": "a", "method": "exact", "columns": ["x", "y"]},
        {"name": "b", "method": "string", "columns": ["x"], "thresholds": [0.9, 0.8]},
        {"name": "c", "method": "any_equal", "columns": ["x"]},
        {"name": "d", "method": "date_parts", "columns": ["x", "y", "z"]}], ["x", "y", "z"])
    assert n_levels(specs) == {"a": 3, "b": 3, "c": 2, "d": 5}


@pytest.mark.parametrize("spec, message", [
    ({"name": "a", "method": "soundex", "columns": ["x"]}, "method must be"),
    ({"name": "a", "method": "exact", "columns": ["nope"]}, "missing from the records"),
    ({"name": "a", "method": "string", "columns": ["x"], "thresholds": [0.8, 0.9]}, "descending"),
    ({"name": "a", "method": "string", "columns": ["x"], "scorer": "soundex"}, "scorer must be"),
    ({"name": "a", "method": "date_parts", "columns": ["x"]}, "year, month, day"),
    ({"name": "a", "method": "exact", "columns": ["x"], "colour": 1}, "keys among"),
])
def test_malformed_comparisons_are_refused(spec, message):
    with pytest.raises(ValueError, match=message):
        validate_comparisons([spec], ["x"])


def test_non_numeric_date_parts_are_refused():
    frame = pd.DataFrame({"y": ["1980", "abc"], "m": [1, 2], "d": [1, 2]})
    with pytest.raises(ValueError, match="non-negative integers"):
        encode_records(frame, [{"name": "b", "method": "date_parts", "columns": ["y", "m", "d"]}])
