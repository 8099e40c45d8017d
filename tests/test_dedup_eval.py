"""Tests for analysis.dedup_eval: pairwise and cluster scores, blocking recall."""

import itertools

import numpy as np
import pandas as pd
import pytest

from analysis.dedup_eval import blocking_recall, cluster_scores, pair_list_scores, pairwise_scores, pattern_ceiling


def brute_force(groups, truth) -> tuple[int, int, int]:
    pairs = list(itertools.combinations(range(len(groups)), 2))
    predicted = {p for p in pairs if groups[p[0]] == groups[p[1]]}
    actual = {p for p in pairs if truth[p[0]] == truth[p[1]]}
    return len(predicted & actual), len(predicted), len(actual)


def test_pairwise_scores_count_pairs_inside_groups():
    groups = ["a", "a", "a", "b", "c", "c"]
    truth = [1, 1, 2, 2, 3, 3]
    scores = pairwise_scores(groups, truth)
    assert (scores["true_positives"], scores["predicted"], scores["actual"]) == (2, 4, 3)
    assert scores["precision"] == pytest.approx(0.5) and scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_pairwise_scores_agree_with_listing_every_pair():
    rng = np.random.default_rng(4)
    groups, truth = rng.integers(0, 12, 60), rng.integers(0, 15, 60)
    scores = pairwise_scores(groups, truth)
    assert (scores["true_positives"], scores["predicted"], scores["actual"]) == brute_force(groups, truth)


def test_cluster_scores_count_exactly_recovered_entities():
    scores = cluster_scores(["a", "a", "b", "c", "c", "d"], [1, 1, 2, 3, 3, 3])
    assert (scores["true_positives"], scores["predicted"], scores["actual"]) == (2, 4, 3)


def test_pair_list_scores_and_blocking_recall_per_rule():
    truth = [1, 1, 1, 2, 2]
    pairs = pd.DataFrame({"left": [0, 0, 2, 1], "right": [1, 3, 4, 2], "rules": [0b01, 0b10, 0b11, 0b01]})
    scores = pair_list_scores(pairs["left"].to_numpy()[:2], pairs["right"].to_numpy()[:2], truth)
    assert (scores["true_positives"], scores["predicted"], scores["actual"]) == (1, 2, 4)
    recall = blocking_recall(pairs, truth, ["phone", "name", "extra"]).set_index("rule")
    assert recall.loc["all", "true_pairs_found"] == 2 and recall.loc["all", "recall"] == pytest.approx(0.5)
    assert recall.loc["phone", "true_pairs_found"] == 2 and recall.loc["name", "true_pairs_found"] == 0
    assert "extra" not in recall.index


def test_misaligned_inputs_are_refused():
    with pytest.raises(ValueError, match="same length"):
        pairwise_scores([1, 2], [1])
    with pytest.raises(ValueError, match="same index"):
        pairwise_scores(pd.Series([1, 2], index=[0, 1]), pd.Series([1, 2], index=[1, 2]))
    with pytest.raises(ValueError, match="missing"):
        cluster_scores([1, None], [1, 2])


def test_pattern_ceiling_decides_each_comparison_vector_by_its_majority():
    truth = np.array(["a", "a", "b", "b", "c", "d", "e", "e"])
    pairs = pd.DataFrame({"left": [0, 2, 4, 5, 0], "right": [1, 3, 5, 6, 4], "name": [2, 2, 2, 2, 0], "phone": [1, 1, 1, 1, 0]})
    # vector (2, 1): a-a and b-b true, c-d and d-e false: 2 of 4 is no majority
    ceiling = pattern_ceiling(pairs, ["name", "phone"], truth)
    assert ceiling["predicted"] == 0 and ceiling["recall"] == 0 and ceiling["mixed_pairs"] == 4
    pairs.loc[3, "phone"] = 0  # d-e leaves the vector: (2, 1) holds 2 true of 3
    ceiling = pattern_ceiling(pairs, ["name", "phone"], truth)
    assert (ceiling["true_positives"], ceiling["predicted"], ceiling["actual"]) == (2, 3, 3)  # e-e is never a candidate
    assert ceiling["mixed_pairs"] == 3
