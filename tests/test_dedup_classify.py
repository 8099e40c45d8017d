"""Tests for analysis.dedup_classify: Fellegi–Sunter EM, neutral missing values, vetoes, labels, thresholds."""

import numpy as np
import pandas as pd
import pytest

from analysis.dedup_classify import FellegiSunter, classify_pairs, fit_fellegi_sunter, validate_settings, veto_mask

LEVELS = {"first_name": 3, "phone": 2, "birth": 3, "inn": 2}
M = {"first_name": [0.02, 0.08, 0.9], "phone": [0.2, 0.8], "birth": [0.05, 0.1, 0.85], "inn": [0.01, 0.99]}
U = {"first_name": [0.85, 0.1, 0.05], "phone": [0.98, 0.02], "birth": [0.9, 0.08, 0.02], "inn": [0.999, 0.001]}


def simulate(n: int, share: float, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Comparison vectors drawn from known m/u probabilities, 30% of the inn values missing."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < share
    cols = {}
    for c, k in LEVELS.items():
        draw_m, draw_u = rng.choice(k, n, p=M[c]), rng.choice(k, n, p=U[c])
        cols[c] = np.where(match, draw_m, draw_u).astype(np.int8)
    cols["inn"][rng.random(n) < 0.3] = -1
    return pd.DataFrame(cols), match


def test_em_recovers_the_generating_probabilities():
    vectors, match = simulate(60000, 0.2)
    model = fit_fellegi_sunter(vectors, LEVELS)
    assert model.prior == pytest.approx(match.mean(), abs=0.01)
    for c in LEVELS:
        assert np.allclose(model.m[c], M[c], atol=0.03) and np.allclose(model.u[c], U[c], atol=0.03)
    prob = model.probability(vectors)
    assert ((prob > 0.5) == match).mean() > 0.95


def test_a_missing_value_adds_no_weight():
    model = FellegiSunter(0.1, {c: np.array(M[c]) for c in LEVELS}, {c: np.array(U[c]) for c in LEVELS})
    base = pd.DataFrame({"first_name": [2], "phone": [1], "birth": [2], "inn": [-1]})
    without = FellegiSunter(0.1, {c: np.array(M[c]) for c in LEVELS if c != "inn"},
                            {c: np.array(U[c]) for c in LEVELS if c != "inn"})
    assert model.probability(base)[0] == pytest.approx(without.probability(base)[0])
    table = model.table()
    assert table.query("comparison == 'inn' and level == 1")["weight"].item() == pytest.approx(np.log2(990))


def test_term_frequency_columns_shift_the_weight():
    model = FellegiSunter(0.5, {"phone": np.array([0.2, 0.8])}, {"phone": np.array([0.8, 0.2])})
    frame = pd.DataFrame({"phone": [1, 1], "phone:tf": [0.0, 2.0]})
    logit = np.log(model.probability(frame) / (1 - model.probability(frame)))
    assert logit[1] - logit[0] == pytest.approx(2 * np.log(2))


def test_veto_overrides_a_shared_phone_unless_a_document_agrees():
    vectors = pd.DataFrame({"first_name": [0, 0, 2], "phone": [1, 1, 1], "birth": [2, 2, 2], "inn": [-1, 1, -1]})
    vetoes = [{"comparison": "first_name", "levels": [0], "unless": ["inn"]}]
    assert veto_mask(vectors, vetoes, LEVELS).tolist() == ["veto:first_name", "", ""]


def test_decisions_follow_thresholds_vetoes_and_labels():
    vectors, _ = simulate(20000, 0.2, seed=1)
    trap = pd.DataFrame({"first_name": [0], "phone": [1], "birth": [2], "inn": [-1]})  # spouses sharing a phone
    vectors = pd.concat([vectors, trap], ignore_index=True)
    vetoes = [{"comparison": "first_name", "levels": [0], "unless": ["inn"]}]
    labels = pd.Series(np.nan, index=vectors.index)
    labels.iloc[:2] = [1, 0]
    result, model = classify_pairs(vectors, LEVELS, {"threshold": 0.9, "review_threshold": 0.3}, vetoes, labels)
    prob, decision = result["probability"].to_numpy(), result["decision"].astype(str).to_numpy()
    free = np.arange(len(vectors)) >= 2
    assert (decision[free & (prob >= 0.9) & (result["reason"] == "").to_numpy()] == "match").all()
    review = free & (prob >= 0.3) & (prob < 0.9) & (result["reason"] == "").to_numpy()
    assert review.any() and (decision[review] == "review").all()
    assert decision[-1] == "non-match" and result["reason"].iloc[-1] == "veto:first_name"
    assert decision[:2].tolist() == ["match", "non-match"] and result["reason"].iloc[:2].tolist() == ["label"] * 2
    assert model is not None


def test_enough_labels_switch_to_logistic_regression():
    vectors, match = simulate(5000, 0.3, seed=2)
    labels = pd.Series(np.where(match, 1.0, 0.0)).where(np.arange(5000) < 400)
    unsupervised, _ = classify_pairs(vectors, LEVELS)
    supervised, _ = classify_pairs(vectors, LEVELS, {"min_labels": 20}, labels=labels)
    assert not np.allclose(unsupervised["probability"], supervised["probability"])
    assert ((supervised["probability"] > 0.5).to_numpy() == match).mean() > 0.93


def test_ecm_method_uses_recordlinkage():
    vectors, match = simulate(20000, 0.2, seed=3)
    result, model = classify_pairs(vectors, LEVELS, {"method": "ecm"})
    assert model is None
    assert ((result["probability"] > 0.5).to_numpy() == match).mean() > 0.9


@pytest.mark.parametrize("settings, message", [
    ({"method": "svm"}, "method"), ({"threshold": 0.3, "review_threshold": 0.5}, "review_threshold"),
    ({"colour": 1}, "unknown settings"),
])
def test_bad_settings_are_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        validate_settings(settings)


def test_labels_must_be_binary_and_aligned():
    vectors, _ = simulate(100, 0.2)
    with pytest.raises(ValueError, match="labels"):
        classify_pairs(vectors, LEVELS, labels=pd.Series([2.0] * 100))
    with pytest.raises(ValueError, match="veto 0"):
        classify_pairs(vectors, LEVELS, vetoes=[{"comparison": "nope"}])
