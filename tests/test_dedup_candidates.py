"""Tests for analysis.dedup_candidates: blocking rules, block-size cap, sorted neighbourhood, rule masks."""

import itertools

import numpy as np
import pandas as pd
import pytest
import recordlinkage

from analysis.dedup_candidates import (
    RuleBlocking,
    candidate_pairs,
    pairs_within,
    random_pairs,
    rule_names,
    validate_rules,
)


@pytest.fixture()
def records() -> pd.DataFrame:
    return pd.DataFrame({
        "phone_all": ["+79160000001;+79160000002", "+79160000002", None, "+79160000001", "", "+79160000009"],
        "email": ["a@x.ru", None, "a@x.ru", None, None, "b@x.ru"],
        "last_key": ["иванов", "иванов", "петров", "иванов", None, "сидоров"],
        "birth_year": pd.array([1980, 1980, 1980, None, 1980, 1990], dtype="Int64"),
    }, dtype=object).astype({"birth_year": "Int64"})


def as_set(pairs: pd.DataFrame) -> set[tuple[int, int]]:
    return set(zip(pairs["left"].tolist(), pairs["right"].tolist()))


def test_split_rule_blocks_on_any_listed_value(records):
    pairs, summary = candidate_pairs(records, [{"name": "phone", "columns": ["phone_all"], "split": ";"}])
    assert as_set(pairs) == {(0, 1), (0, 3)}
    assert summary.loc[0, "pairs"] == 2


def test_missing_values_never_block(records):
    pairs, _ = candidate_pairs(records, [{"name": "ly", "columns": ["last_key", "birth_year"]}])
    assert as_set(pairs) == {(0, 1)}  # row 3 has no year, row 4 no surname


def test_union_keeps_one_row_per_pair_with_the_bits_of_every_rule(records):
    rules = [{"name": "phone", "columns": ["phone_all"], "split": ";"},
             {"name": "ly", "columns": ["last_key", "birth_year"]}, {"name": "email", "columns": ["email"]}]
    pairs, _ = candidate_pairs(records, rules)
    mask = dict(zip(zip(pairs["left"], pairs["right"]), pairs["rules"]))
    assert mask == {(0, 1): 0b011, (0, 3): 0b001, (0, 2): 0b100}
    assert (pairs["left"] < pairs["right"]).all()
    assert rule_names(rules) == ["phone", "ly", "email", "extra"]


def test_blocks_above_the_cap_are_skipped_and_counted():
    frame = pd.DataFrame({"email": ["shop@x.ru"] * 5 + ["a@x.ru", "a@x.ru"]})
    pairs, summary = candidate_pairs(frame, [{"name": "email", "columns": ["email"]}], max_block_size=4)
    assert as_set(pairs) == {(5, 6)}
    assert summary.loc[0, ["skipped_blocks", "skipped_records"]].tolist() == [1, 5]


def test_sorted_neighbourhood_pairs_records_within_the_window():
    frame = pd.DataFrame({"name": ["ивановв", "иванов", "петров", None, "иванов"]})
    rule = {"name": "sn", "columns": ["name"], "method": "sorted_neighbourhood", "window": 2}
    pairs, _ = candidate_pairs(frame, [rule])
    assert as_set(pairs) == {(1, 4), (0, 4), (0, 2)}  # order: иванов(1), иванов(4), ивановв(0), петров(2)


def test_extra_pairs_are_added_with_their_own_bit(records):
    extra = pd.DataFrame({"left": [5], "right": [2]})
    pairs, summary = candidate_pairs(records, [{"name": "email", "columns": ["email"]}], extra=extra)
    mask = dict(zip(zip(pairs["left"], pairs["right"]), pairs["rules"]))
    assert mask[(2, 5)] == 0b10
    assert summary["rule"].tolist() == ["email", "extra"]


def test_rule_blocking_works_inside_recordlinkage_index(records):
    indexer = recordlinkage.Index()
    indexer.add(RuleBlocking([{"columns": ["email"]}]))
    index = indexer.index(records.set_axis([f"r{i}" for i in range(len(records))]))
    assert list(index) == [("r0", "r2")]


def test_pairs_within_lists_every_pair_of_each_group_once():
    rng = np.random.default_rng(3)
    groups, rows = rng.integers(0, 5, 40), rng.permutation(40)
    left, right, sizes = pairs_within(groups, rows)
    expected = {(min(a, b), max(a, b)) for g in range(5)
                for a, b in itertools.combinations(rows[groups == g].tolist(), 2)}
    assert set(zip(left.tolist(), right.tolist())) == expected and len(left) == len(expected)
    assert sorted(sizes.tolist()) == sorted(np.bincount(groups).tolist())


def test_random_pairs_are_distinct_ordered_and_in_range():
    pairs = random_pairs(50, 500, seed=1)
    assert (pairs["left"] < pairs["right"]).all() and pairs["right"].max() < 50
    assert not pairs.duplicated().any()


@pytest.mark.parametrize("rule, message", [
    ({"columns": ["nope"]}, "not in the records"),
    ({"columns": ["email"], "method": "fuzzy"}, "method must be"),
    ({"columns": []}, "non-empty list"),
    ({"columns": ["email"], "colour": 1}, "unknown keys"),
    ({"columns": ["email"], "method": "sorted_neighbourhood", "window": 1}, "window"),
])
def test_malformed_rules_are_refused(rule, message):
    with pytest.raises(ValueError, match=message):
        validate_rules([rule], ["email"])


def test_duplicate_rule_names_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        validate_rules([{"name": "a", "columns": ["email"]}, {"name": "a", "columns": ["email"]}], ["email"])
