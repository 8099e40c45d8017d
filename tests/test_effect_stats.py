"""Tests of the generic effect statistics: Hillstrom reference figures and synthetic known answers."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from analysis import effect_stats as es

HILLSTROM = Path(__file__).resolve().parents[2] / "shared" / "data" / "hillstrom" / "hillstrom_data.csv"
MENS, WOMENS, NONE = "Mens E-Mail", "Womens E-Mail", "No E-Mail"


@pytest.fixture(scope="module")
def hillstrom() -> pd.DataFrame:
    if not HILLSTROM.exists():
        pytest.skip(f"Hillstrom data not available at {HILLSTROM}")
    return pd.read_csv(HILLSTROM)


def _two_arms(treated: pd.DataFrame, control: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([treated.assign(arm="t"), control.assign(arm="c")], ignore_index=True)


def _sample(rng: np.random.Generator, n: int, rate: float, check: float) -> pd.DataFrame:
    buyer = rng.random(n) < rate
    revenue = np.where(buyer, rng.gamma(2.0, check / 2.0, n), 0.0)
    return pd.DataFrame({"buyer": buyer, "revenue": revenue})


# --------------------------------------------------------------------------- Hillstrom (SOURCE.md tables)


@pytest.mark.parametrize(
    ("arm", "n", "visit", "conversion", "spend", "buyers", "revenue"),
    [
        (MENS, 21307, 0.18276, 0.01253, 1.4226, 267, 30311.69),
        (WOMENS, 21387, 0.15140, 0.00884, 1.0772, 189, 23038.11),
        (NONE, 21306, 0.10617, 0.00573, 0.6528, 122, 13908.33),
    ],
)
def test_hillstrom_arm_figures(hillstrom, arm, n, visit, conversion, spend, buyers, revenue):
    summary = es.arm_summary(hillstrom, "segment", revenue_col="spend", buyer_col="conversion").set_index("segment")
    visits = es.arm_summary(hillstrom, "segment", revenue_col="spend", buyer_col="visit").set_index("segment")
    row = summary.loc[arm]
    assert row["clients"] == n
    assert row["buyers"] == buyers
    assert row["conversion"] == pytest.approx(conversion, abs=5e-6)
    assert row["revenue"] == pytest.approx(revenue, abs=0.005)
    assert row["revenue_per_client"] == pytest.approx(spend, abs=5e-5)
    assert visits.loc[arm, "conversion"] == pytest.approx(visit, abs=5e-6)
    assert row["conversion_ci_low"] < row["conversion"] < row["conversion_ci_high"]
    assert row["average_check"] == pytest.approx(revenue / buyers)


def test_hillstrom_all_customers(hillstrom):
    row = es.arm_summary(hillstrom.assign(all="all"), "all", revenue_col="spend", buyer_col="conversion").iloc[0]
    assert (row["clients"], row["buyers"]) == (64000, 578)
    assert row["conversion"] == pytest.approx(0.00903, abs=5e-6)
    assert row["revenue_per_client"] == pytest.approx(1.0509, abs=5e-5)
    assert row["revenue"] == pytest.approx(67258.13, abs=0.005)


@pytest.mark.parametrize(
    ("arm", "visit", "conversion", "spend", "low", "high"),
    [(MENS, 0.07659, 0.00681, 0.7698, 0.4851, 1.0545), (WOMENS, 0.04523, 0.00311, 0.4244, 0.1690, 0.6799)],
)
def test_hillstrom_differences_vs_no_email(hillstrom, arm, visit, conversion, spend, low, high):
    spend_diff = es.mean_difference(hillstrom, "segment", "spend", arm, NONE).iloc[0]
    assert spend_diff["difference"] == pytest.approx(spend, abs=5e-5)
    assert spend_diff["ci_low"] == pytest.approx(low, abs=5e-5)
    assert spend_diff["ci_high"] == pytest.approx(high, abs=5e-5)
    visit_diff = es.proportion_difference(hillstrom, "segment", "visit", arm, NONE).iloc[0]
    assert visit_diff["difference"] == pytest.approx(visit, abs=5e-6)
    both = es.compare_arms(hillstrom, "segment", arm, NONE, revenue_col="spend", buyer_col="conversion").iloc[0]
    assert both["conversion_diff"] == pytest.approx(conversion, abs=5e-6)
    assert both["revenue_per_client_diff_ci_low"] == pytest.approx(low, abs=5e-5)
    assert both["effect"] == pytest.approx(spend_diff["difference"] * both["clients_treatment"])


def test_hillstrom_sample_ratio(hillstrom):
    result = es.sample_ratio_mismatch(hillstrom["segment"].value_counts(), {MENS: 1, WOMENS: 1, NONE: 1})
    assert result.statistic == pytest.approx(0.203, abs=5e-4)
    assert result.p_value == pytest.approx(0.90, abs=5e-3)
    assert result.dof == 2


def test_hillstrom_randomization_is_balanced(hillstrom):
    covariates = ["recency", "history", "zip_code", "newbie", "channel"]
    balance = es.covariate_balance(hillstrom, "segment", MENS, NONE, covariates)
    assert set(balance.loc[balance["covariate"] == "zip_code", "level"]) == {"Rural", "Surburban", "Urban"}
    assert not balance["imbalanced"].any()


# --------------------------------------------------------------------------- synthetic known answers


def test_identical_arms_give_zero_difference_and_covering_intervals():
    arm = _sample(np.random.default_rng(1), 800, 0.2, 1000.0)
    result = es.compare_arms(_two_arms(arm, arm), "arm", "t", "c").iloc[0]
    for metric in ("conversion", "revenue_per_client", "average_check"):
        assert result[f"{metric}_diff"] == pytest.approx(0.0, abs=1e-9)
        assert result[f"{metric}_diff_ci_low"] < 0 < result[f"{metric}_diff_ci_high"]
    assert result["revenue_per_client_p_value"] == pytest.approx(1.0)
    assert result["conversion_p_value"] == pytest.approx(1.0)


def test_planted_effect_is_recovered():
    rng = np.random.default_rng(2)
    n = 20_000
    control = pd.DataFrame({"revenue": rng.normal(100, 40, n), "buyer": True})
    treated = pd.DataFrame({"revenue": rng.normal(110, 40, n), "buyer": True})
    result = es.compare_arms(_two_arms(treated, control), "arm", "t", "c").iloc[0]
    assert result["revenue_per_client_diff_ci_low"] < 10 < result["revenue_per_client_diff_ci_high"]
    assert result["revenue_per_client_diff_ci_low"] > 8
    assert result["revenue_per_client_p_value"] < 1e-6
    assert result["revenue_per_client_lift"] == pytest.approx(0.10, abs=0.01)


def test_welch_interval_matches_scipy():
    rng = np.random.default_rng(3)
    treated = pd.DataFrame({"revenue": rng.exponential(50, 300), "buyer": False})
    control = pd.DataFrame({"revenue": rng.exponential(40, 500), "buyer": False})
    ours = es.mean_difference(_two_arms(treated, control), "arm", "revenue", "t", "c").iloc[0]
    test = stats.ttest_ind(treated["revenue"], control["revenue"], equal_var=False)
    ci = test.confidence_interval(0.95)
    assert (ours["ci_low"], ours["ci_high"], ours["p_value"]) == pytest.approx((ci.low, ci.high, test.pvalue), rel=1e-9)


def test_proportion_difference_is_newcombe_with_pooled_z_test():
    frame = _two_arms(
        pd.DataFrame({"flag": [1] * 30 + [0] * 170}), pd.DataFrame({"flag": [1] * 18 + [0] * 182})
    )
    result = es.proportion_difference(frame, "arm", "flag", "t", "c").iloc[0]
    (l1, u1), (l0, u0) = proportion_confint(30, 200, method="wilson"), proportion_confint(18, 200, method="wilson")
    p1, p0 = 30 / 200, 18 / 200
    assert result["ci_low"] == pytest.approx(p1 - p0 - np.hypot(p1 - l1, u0 - p0))
    assert result["ci_high"] == pytest.approx(p1 - p0 + np.hypot(u1 - p1, p0 - l0))
    assert result["p_value"] == pytest.approx(proportions_ztest([30, 18], [200, 200])[1])
    chi2 = stats.chi2_contingency([[30, 170], [18, 182]], correction=False)
    assert result["p_value"] == pytest.approx(chi2.pvalue)


def test_average_check_delta_method_matches_bootstrap():
    rng = np.random.default_rng(4)
    arm = _sample(rng, 3000, 0.15, 1200.0)
    row = es.arm_summary(arm.assign(arm="a"), "arm").iloc[0]
    delta_se = (row["average_check_ci_high"] - row["average_check_ci_low"]) / (2 * stats.norm.ppf(0.975))
    draws = rng.integers(0, len(arm), size=(1000, len(arm)))
    revenue, buyer = arm["revenue"].to_numpy()[draws], arm["buyer"].to_numpy()[draws]
    boot = revenue.sum(axis=1) / buyer.sum(axis=1)
    assert delta_se == pytest.approx(boot.std(ddof=1), rel=0.1)
    assert row["average_check"] == pytest.approx(arm["revenue"].sum() / arm["buyer"].sum())


def test_effect_decomposition_adds_up():
    rng = np.random.default_rng(5)
    frame = _two_arms(_sample(rng, 2000, 0.25, 1100.0), _sample(rng, 1500, 0.2, 1000.0))
    r = es.compare_arms(frame, "arm", "t", "c").iloc[0]
    assert r["effect_from_conversion"] + r["effect_from_average_check"] == pytest.approx(r["effect"])
    assert r["incremental_buyers"] == pytest.approx(r["conversion_diff"] * 2000)
    assert r["effect_ci_low"] == pytest.approx(r["revenue_per_client_diff_ci_low"] * 2000)


def test_cells_are_computed_per_group_and_absent_arm_gives_nan():
    rng = np.random.default_rng(6)
    frame = _two_arms(_sample(rng, 400, 0.3, 500.0), _sample(rng, 400, 0.3, 500.0))
    frame["cell"] = np.where(frame.index % 2 == 0, "even", "odd")
    frame.loc[(frame["arm"] == "c") & (frame["cell"] == "odd"), "cell"] = "even"
    frame.loc[frame.index[:3], "cell"] = "lonely"
    result = es.compare_arms(frame, "arm", "t", "c", by=["cell"]).set_index("cell")
    whole = es.compare_arms(frame[frame["cell"] == "even"], "arm", "t", "c").iloc[0]
    assert result.loc["even", "revenue_per_client_diff"] == pytest.approx(whole["revenue_per_client_diff"])
    assert result.loc["odd", "clients_control"] == 0
    assert np.isnan(result.loc["odd", "revenue_per_client_p_value"])


def test_cuped_reduces_variance_when_pre_period_correlates():
    rng = np.random.default_rng(7)
    n = 5000
    pre = rng.normal(0, 1, 2 * n)
    arm = np.repeat(["t", "c"], n)
    y = 0.8 * pre + 0.6 * rng.normal(0, 1, 2 * n) + np.where(arm == "t", 0.1, 0.0)
    frame = pd.DataFrame({"arm": arm, "revenue": y, "pre_revenue": pre})
    result = es.cuped_effect(frame, "arm", "t", "c")
    assert result.variance_reduction == pytest.approx(0.64, abs=0.03)
    assert result.theta == pytest.approx(0.8, abs=0.03)
    assert (result.ci_high - result.ci_low) < 0.7 * (result.unadjusted_ci_high - result.unadjusted_ci_low)
    assert result.ci_low < 0.1 < result.ci_high


def test_cuped_without_correlation_changes_nothing():
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"arm": np.repeat(["t", "c"], 3000), "revenue": rng.normal(0, 1, 6000), "pre_revenue": 5.0})
    result = es.cuped_effect(frame, "arm", "t", "c")
    assert result.theta == 0.0
    assert result.variance_reduction == 0.0
    assert result.difference == pytest.approx(result.unadjusted_difference)
    noise = frame.assign(pre_revenue=rng.normal(0, 1, 6000))
    assert abs(es.cuped_effect(noise, "arm", "t", "c").variance_reduction) < 0.005
    assert es.cuped_adjust(noise, "revenue", "pre_revenue").mean() == pytest.approx(noise["revenue"].mean())


def test_sample_ratio_mismatch_hand_values():
    exact = es.sample_ratio_mismatch(pd.Series({"t": 800, "c": 200}), {"t": 0.8, "c": 0.2})
    assert exact.statistic == pytest.approx(0.0)
    assert exact.p_value == pytest.approx(1.0)
    skewed = es.sample_ratio_mismatch({"t": 550, "c": 450}, {"t": 50, "c": 50})
    assert skewed.statistic == pytest.approx(10.0)
    assert skewed.p_value == pytest.approx(stats.chi2.sf(10.0, 1))
    with pytest.raises(ValueError, match="differ"):
        es.sample_ratio_mismatch({"t": 1, "c": 1}, {"t": 0.5, "x": 0.5})


def test_covariate_balance_hand_values():
    frame = pd.DataFrame(
        {
            "arm": ["t"] * 4 + ["c"] * 4,
            "age": [20, 30, 40, 50, 20, 20, 30, 30],
            "city": ["A", "A", "B", None, "A", "B", "B", "B"],
        }
    )
    balance = es.covariate_balance(frame, "arm", "t", "c", ["age", "city"]).set_index(["covariate", "level"], drop=False)
    var_t, var_c = np.var([20, 30, 40, 50], ddof=1), np.var([20, 20, 30, 30], ddof=1)
    assert balance.loc[("age", None), "smd"].item() == pytest.approx((35 - 25) / np.sqrt((var_t + var_c) / 2))
    assert set(balance["level"].dropna()) == {"A", "B", "<missing>"}
    assert balance.loc[("city", "<missing>"), "mean_treatment"].item() == pytest.approx(0.25)
    assert balance["imbalanced"].all()


def test_adjust_p_values_hand_values():
    p = pd.Series([0.01, 0.04, 0.03, 0.005, np.nan])
    assert es.adjust_p_values(p, "fdr_bh").tolist()[:4] == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert es.adjust_p_values(p, "holm").tolist()[:4] == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.isnan(es.adjust_p_values(p, "holm").iloc[4])
    with pytest.raises(ValueError, match="method"):
        es.adjust_p_values(p, "bonferroni")


def test_minimum_detectable_effect_agrees_with_statsmodels():
    sd, n_treated, share = 900.0, 40_000, 0.2
    n_control = n_treated * share / (1 - share)
    d = NormalIndPower().solve_power(nobs1=n_treated, ratio=n_control / n_treated, alpha=0.05, power=0.8)
    assert es.minimum_detectable_effect(sd, n_treated, share) == pytest.approx(d * sd, rel=1e-4)
    rate = 0.05
    mde = es.minimum_detectable_conversion(rate, n_treated, share)
    assert mde == pytest.approx(es.minimum_detectable_effect(np.sqrt(rate * (1 - rate)), n_treated, share))


def test_required_control_size_inverts_the_mde():
    mde = es.minimum_detectable_effect(500.0, 30_000, 0.25)
    assert es.required_control_size(mde, 500.0, 30_000) == pytest.approx(10_000, abs=1)
    assert es.required_control_size(1.0, 500.0, 30_000) == float("inf")
    with pytest.raises(ValueError, match="control_share"):
        es.minimum_detectable_effect(500.0, 30_000, 1.0)


def test_stratified_difference_removes_confounding_by_strata():
    rng = np.random.default_rng(9)
    parts = []
    for stratum, base, n_t, n_c in (("young", 100.0, 4000, 500), ("old", 500.0, 500, 4000)):
        parts.append(pd.DataFrame({"s": stratum, "arm": "t", "revenue": rng.normal(base + 20, 30, n_t)}))
        parts.append(pd.DataFrame({"s": stratum, "arm": "c", "revenue": rng.normal(base, 30, n_c)}))
    parts.append(pd.DataFrame({"s": "tiny", "arm": ["t", "t", "c"], "revenue": [1.0, 2.0, 3.0]}))
    frame = pd.concat(parts, ignore_index=True)
    naive = es.mean_difference(frame, "arm", "revenue", "t", "c").iloc[0]["difference"]
    result = es.stratified_difference(frame, "arm", "t", "c", "revenue", ["s"])
    assert naive < -200
    assert result.ci_low < 20 < result.ci_high
    assert result.estimate == pytest.approx(20, abs=3)
    assert result.design == "observational"
    assert (result.strata_used, result.strata_dropped, result.treated_clients) == (2, 1, 4500)
    assert result.treated_coverage == pytest.approx(4500 / 4502)


def test_bad_input_raises_clear_errors():
    frame = pd.DataFrame({"arm": ["t", "c"], "revenue": [1.0, np.nan], "buyer": [1, 0]})
    with pytest.raises(ValueError, match="'revenue' has 1 missing"):
        es.compare_arms(frame, "arm", "t", "c")
    with pytest.raises(ValueError, match="not found in column 'arm'"):
        es.compare_arms(frame.fillna(0), "arm", "t", "x")
    with pytest.raises(ValueError, match="missing column"):
        es.arm_summary(frame, "arm", revenue_col="spend")
    with pytest.raises(ValueError, match="only 0/1"):
        es.compare_arms(frame.fillna(0).assign(buyer=[2, 0]), "arm", "t", "c")
    with pytest.raises(ValueError, match="alpha"):
        es.arm_summary(frame.fillna(0), "arm", alpha=5)


def test_inputs_are_not_mutated():
    rng = np.random.default_rng(10)
    frame = _two_arms(_sample(rng, 100, 0.3, 100.0), _sample(rng, 100, 0.3, 100.0)).assign(pre_revenue=1.0)
    before = frame.copy()
    es.compare_arms(frame, "arm", "t", "c")
    es.cuped_effect(frame, "arm", "t", "c")
    es.covariate_balance(frame, "arm", "t", "c", ["pre_revenue"])
    pd.testing.assert_frame_equal(frame, before)
