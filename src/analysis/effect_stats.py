"""Generic two-arm effect statistics on DataFrames: rates, means, ratios, CUPED, SRM, balance, power, strata.

Every function is pure: it reads the columns it is told about and returns a new DataFrame, a Series, a
float or a small frozen dataclass. Arms are labelled by the values of an arm column; the two-arm output
columns carry the fixed suffixes ``_treatment`` / ``_control`` whatever the arm labels are. Passing
``by=[...]`` computes every statistic per cell in one vectorized pass (no Python loop over cells).

References
----------
- Wilson (1927) score interval; Newcombe (1998), "Interval estimation for the difference between
  independent proportions", Stat. Med. 17:873 (method 10, hybrid score) — via statsmodels.
- Welch (1947) test and Welch–Satterthwaite degrees of freedom — via scipy.
- Deng, Knoblich, Lu (2018), "Applying the Delta Method in Metric Analytics", KDD — ratio metrics
  (average check) and relative lift.
- Deng, Xu, Kohavi, Walker (2013), "Improving the Sensitivity of Online Controlled Experiments by
  Utilizing Pre-Experiment Data" (CUPED), WSDM.
- Austin (2009), "Balance diagnostics for comparing the distribution of baseline covariates between
  treatment groups in propensity-score matched samples", Stat. Med. 28:3083 — standardized differences.
- Fabijan et al. (2019), "Diagnosing Sample Ratio Mismatch in Online Controlled Experiments", KDD.
- Benjamini & Hochberg (1995); Holm (1979) — via statsmodels ``multipletests``.
- Imbens & Rubin (2015), "Causal Inference", ch. 9 — stratified (post-stratified) estimators.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    test_proportions_2indep,
)

TREATMENT_SUFFIX = "_treatment"
CONTROL_SUFFIX = "_control"
OBSERVATIONAL = "observational"
PValueMethod = Literal["fdr_bh", "holm"]


@dataclass(frozen=True)
class SrmResult:
    """Chi-square goodness-of-fit of arm sizes against the planned shares."""

    statistic: float
    p_value: float
    dof: int


@dataclass(frozen=True)
class CupedResult:
    """CUPED-adjusted difference of means (treatment − control) with its Welch CI."""

    theta: float
    variance_reduction: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    unadjusted_difference: float
    unadjusted_ci_low: float
    unadjusted_ci_high: float


@dataclass(frozen=True)
class StratifiedEstimate:
    """Post-stratified difference of means weighted by treated counts (an observational estimate)."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    treated_clients: int
    treated_coverage: float
    strata_used: int
    strata_dropped: int
    design: str = OBSERVATIONAL


# --------------------------------------------------------------------------- input checks


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")


def _check_columns(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{where}: missing column(s) {missing}; available: {list(frame.columns)}")


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float, refusing text and missing values."""
    series = frame[column]
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)):
        raise ValueError(f"column {column!r} must be numeric, got dtype {series.dtype}")
    if series.isna().any():
        raise ValueError(f"column {column!r} has {int(series.isna().sum())} missing value(s)")
    return series.to_numpy(dtype=float)


def _flags(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A 0/1 or boolean column as float 0.0/1.0."""
    values = _values(frame, column)
    if not np.isin(values, (0.0, 1.0)).all():
        raise ValueError(f"column {column!r} must hold only 0/1 or True/False")
    return values


def _check_arms(frame: pd.DataFrame, arm_col: str, arms: Sequence[object]) -> None:
    present = set(frame[arm_col].dropna().unique())
    absent = [a for a in arms if a not in present]
    if absent:
        raise ValueError(f"arm(s) {absent} not found in column {arm_col!r}; present: {sorted(map(str, present))}")


# --------------------------------------------------------------------------- vectorized kernels


def _z(alpha: float) -> float:
    return float(stats.norm.ppf(1 - alpha / 2))


def _normal_test(estimate: np.ndarray, se: np.ndarray, alpha: float) -> tuple[np.ndarray, ...]:
    """Wald interval and two-sided p-value for an asymptotically normal estimate."""
    half = _z(alpha) * se
    p_value = 2 * stats.norm.sf(np.abs(estimate / se))
    return estimate - half, estimate + half, p_value


def _welch(m1, v1, n1, m0, v0, n0, alpha: float) -> tuple[np.ndarray, ...]:
    """Welch difference m1 − m0: CI with Welch–Satterthwaite df, p from scipy's Welch t-test."""
    m1, v1, n1, m0, v0, n0 = (np.asarray(a, dtype=float) for a in (m1, v1, n1, m0, v0, n0))
    a, b = v1 / n1, v0 / n0
    se = np.sqrt(a + b)
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n0 - 1))
    half = stats.t.ppf(1 - alpha / 2, df) * se
    diff = m1 - m0
    p_value = stats.ttest_ind_from_stats(m1, np.sqrt(v1), n1, m0, np.sqrt(v0), n0, equal_var=False).pvalue
    return diff, diff - half, diff + half, np.asarray(p_value, dtype=float)


def _newcombe(s1, n1, s0, n0, alpha: float) -> tuple[np.ndarray, ...]:
    """Difference of proportions: Newcombe hybrid-score CI and the pooled z-test p (= Pearson χ², no correction)."""
    s1, n1, s0, n0 = (np.asarray(a, dtype=float) for a in (s1, n1, s0, n0))
    low, high = confint_proportions_2indep(s1, n1, s0, n0, method="newcomb", compare="diff", alpha=alpha)
    test = test_proportions_2indep(s1, n1, s0, n0, method="score", compare="diff", correction=False)
    return s1 / n1 - s0 / n0, np.asarray(low), np.asarray(high), np.asarray(test.pvalue, dtype=float)


def _ratio_variance(n, mean_x, mean_y, var_x, var_y, cov_xy) -> np.ndarray:
    """Delta-method variance of mean(x)/mean(y) over n i.i.d. units (Deng, Knoblich, Lu 2018).

    var(x̄/ȳ) ≈ (s_x² − 2R·s_xy + R²·s_y²) / (n·ȳ²), R = x̄/ȳ. With x = revenue and y = buyer
    indicator it is close to s²(revenue of buyers) / buyers.
    """
    ratio = mean_x / mean_y
    return (var_x - 2 * ratio * cov_xy + ratio**2 * var_y) / (n * mean_y**2)


# --------------------------------------------------------------------------- per-arm moments


_MOMENT_TOTALS = ("clients", "buyers", "revenue", "revenue_of_buyers")


def _moments(
    frame: pd.DataFrame, keys: list[str], revenue_col: str, buyer_col: str | None, rows: pd.Series | None = None
) -> pd.DataFrame:
    """Sufficient statistics per key cell: clients, buyers, revenue sum and variance, revenue of buyers.

    ``buyer_col=None`` counts no buyers (a plain mean); ``rows`` restricts the frame without copying it whole.
    """
    columns = list(dict.fromkeys([*keys, revenue_col, *([buyer_col] if buyer_col else [])]))
    _check_columns(frame, columns, "effect statistics")
    part = frame[columns] if rows is None else frame.loc[rows, columns]
    x = _values(part, revenue_col)
    y = _flags(part, buyer_col) if buyer_col else np.zeros(len(part))
    work = part[keys].assign(_x=x, _y=y, _xy=x * y)
    grouped = work.groupby(keys, observed=True, dropna=False, sort=True)
    return grouped.agg(
        clients=("_x", "size"),
        buyers=("_y", "sum"),
        revenue=("_x", "sum"),
        revenue_var=("_x", "var"),
        revenue_of_buyers=("_xy", "sum"),
    ).reset_index()


def _average_check(m: pd.DataFrame, suffix: str = "") -> tuple[pd.Series, pd.Series]:
    """Average check sum(revenue)/sum(buyer) and its delta-method variance, from moment columns."""
    n = m[f"clients{suffix}"]
    mean_x = m[f"revenue{suffix}"] / n
    mean_y = m[f"buyers{suffix}"] / n
    var_y = mean_y * (1 - mean_y) * n / (n - 1)
    cov = (m[f"revenue_of_buyers{suffix}"] - n * mean_x * mean_y) / (n - 1)
    return mean_x / mean_y, _ratio_variance(n, mean_x, mean_y, m[f"revenue_var{suffix}"], var_y, cov)


def arm_summary(
    frame: pd.DataFrame,
    arm_col: str,
    revenue_col: str = "revenue",
    buyer_col: str = "buyer",
    by: Sequence[str] = (),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per arm (and cell of ``by``): clients, buyers, conversion with Wilson CI, revenue, revenue per
    client with a t CI, average check = revenue / buyers with a delta-method CI."""
    _check_alpha(alpha)
    m = _moments(frame, [*by, arm_col], revenue_col, buyer_col)
    with np.errstate(divide="ignore", invalid="ignore"):
        n = m["clients"].to_numpy(dtype=float)
        conv_low, conv_high = proportion_confint(m["buyers"], n, alpha=alpha, method="wilson")
        rpc = m["revenue"] / n
        rpc_half = stats.t.ppf(1 - alpha / 2, n - 1) * np.sqrt(m["revenue_var"] / n)
        check, check_var = _average_check(m)
        check_low, check_high, _ = _normal_test(check, np.sqrt(check_var), alpha)
    return pd.DataFrame(
        {
            **{k: m[k] for k in [*by, arm_col]},
            "clients": m["clients"].astype(int),
            "buyers": m["buyers"].astype(int),
            "conversion": m["buyers"] / n,
            "conversion_ci_low": conv_low,
            "conversion_ci_high": conv_high,
            "revenue": m["revenue"],
            "revenue_per_client": rpc,
            "revenue_per_client_ci_low": rpc - rpc_half,
            "revenue_per_client_ci_high": rpc + rpc_half,
            "average_check": check,
            "average_check_ci_low": check_low,
            "average_check_ci_high": check_high,
        }
    )


def _paired_cells(
    frame: pd.DataFrame,
    arm_col: str,
    treatment: object,
    control: object,
    by: Sequence[str],
    revenue_col: str,
    buyer_col: str | None,
) -> pd.DataFrame:
    """Moments of the two arms side by side, one row per cell of ``by`` (absent arm → zero clients)."""
    _check_columns(frame, [arm_col], "effect statistics")
    _check_arms(frame, arm_col, [treatment, control])
    keys = list(by)
    rows = frame[arm_col].isin([treatment, control])
    m = _moments(frame, [*keys, arm_col], revenue_col, buyer_col, rows)
    treated = m[m[arm_col] == treatment].drop(columns=arm_col)
    controls = m[m[arm_col] == control].drop(columns=arm_col)
    on = keys or ["_cell"]
    if not keys:
        treated, controls = treated.assign(_cell=0), controls.assign(_cell=0)
    cells = treated.merge(controls, on=on, how="outer", suffixes=(TREATMENT_SUFFIX, CONTROL_SUFFIX), sort=True)
    for total in _MOMENT_TOTALS:
        for suffix in (TREATMENT_SUFFIX, CONTROL_SUFFIX):
            cells[total + suffix] = cells[total + suffix].fillna(0.0)
    return cells.drop(columns=[] if keys else ["_cell"]).reset_index(drop=True)


def proportion_difference(
    frame: pd.DataFrame,
    arm_col: str,
    flag_col: str,
    treatment: object,
    control: object,
    by: Sequence[str] = (),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Rate of a 0/1 column per arm and treatment − control with Newcombe CI and pooled z-test p."""
    _check_alpha(alpha)
    cells = _paired_cells(frame, arm_col, treatment, control, by, flag_col, flag_col)
    s1, n1 = cells["buyers_treatment"].to_numpy(), cells["clients_treatment"].to_numpy()
    s0, n0 = cells["buyers_control"].to_numpy(), cells["clients_control"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        diff, low, high, p_value = _newcombe(s1, n1, s0, n0, alpha)
        return pd.DataFrame(
            {
                **{k: cells[k] for k in by},
                "clients_treatment": n1.astype(int),
                "clients_control": n0.astype(int),
                "rate_treatment": s1 / n1,
                "rate_control": s0 / n0,
                "difference": diff,
                "ci_low": low,
                "ci_high": high,
                "p_value": p_value,
            }
        )


def mean_difference(
    frame: pd.DataFrame,
    arm_col: str,
    value_col: str,
    treatment: object,
    control: object,
    by: Sequence[str] = (),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Mean of a numeric column per arm and treatment − control with Welch t-test and Welch–Satterthwaite CI."""
    _check_alpha(alpha)
    cells = _paired_cells(frame, arm_col, treatment, control, by, value_col, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        n1, n0 = cells["clients_treatment"], cells["clients_control"]
        m1, m0 = cells["revenue_treatment"] / n1, cells["revenue_control"] / n0
        v1, v0 = cells["revenue_var_treatment"], cells["revenue_var_control"]
        diff, low, high, p_value = _welch(m1, v1, n1, m0, v0, n0, alpha)
    return pd.DataFrame(
        {
            **{k: cells[k] for k in by},
            "clients_treatment": n1.astype(int),
            "clients_control": n0.astype(int),
            "mean_treatment": m1,
            "mean_control": m0,
            "difference": diff,
            "ci_low": low,
            "ci_high": high,
            "p_value": p_value,
        }
    )


def compare_arms(
    frame: pd.DataFrame,
    arm_col: str,
    treatment: object,
    control: object,
    revenue_col: str = "revenue",
    buyer_col: str = "buyer",
    by: Sequence[str] = (),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Treatment vs control per cell of ``by`` (one row when ``by`` is empty).

    Columns (``_treatment`` / ``_control`` per arm): clients, buyers, revenue, conversion,
    revenue_per_client, average_check; then

    - ``conversion_diff`` with Newcombe hybrid-score CI, p from the pooled two-proportion z-test;
    - ``revenue_per_client_diff`` with Welch–Satterthwaite CI and Welch t-test p;
      ``revenue_per_client_lift`` = diff / control with a delta-method CI (independent arms);
    - ``average_check_diff``: each arm's sum(revenue)/sum(buyer) has a delta-method variance
      (ratio of two per-client means), the arms are independent, so var(diff) is the sum; normal CI and p;
    - ``effect`` = revenue_per_client_diff × treated clients (CI scaled the same way), p as the Welch p;
    - ``incremental_buyers`` = conversion_diff × treated clients (Newcombe CI scaled);
    - decomposition ``effect = effect_from_conversion + effect_from_average_check`` with
      ``effect_from_conversion = incremental_buyers × average_check_control`` (extra buyers at the control
      check) and ``effect_from_average_check = buyers_treatment × average_check_diff`` (change of the check
      of the treated buyers). The identity n_t·(c_t·a_t − c_c·a_c) = n_t·Δc·a_c + n_t·c_t·Δa makes it exact.
    """
    _check_alpha(alpha)
    c = _paired_cells(frame, arm_col, treatment, control, by, revenue_col, buyer_col)
    t_, c_ = TREATMENT_SUFFIX, CONTROL_SUFFIX
    out = pd.DataFrame({k: c[k] for k in by})
    with np.errstate(divide="ignore", invalid="ignore"):
        n1, n0 = c["clients" + t_].to_numpy(), c["clients" + c_].to_numpy()
        s1, s0 = c["buyers" + t_].to_numpy(), c["buyers" + c_].to_numpy()
        for name, col in (("clients", "clients"), ("buyers", "buyers")):
            out[name + t_], out[name + c_] = c[col + t_].astype(int), c[col + c_].astype(int)
        out["revenue" + t_], out["revenue" + c_] = c["revenue" + t_], c["revenue" + c_]

        out["conversion" + t_], out["conversion" + c_] = s1 / n1, s0 / n0
        diff, low, high, p_conv = _newcombe(s1, n1, s0, n0, alpha)
        out["conversion_diff"], out["conversion_diff_ci_low"], out["conversion_diff_ci_high"] = diff, low, high
        out["conversion_p_value"] = p_conv

        rpc1, rpc0 = c["revenue" + t_] / n1, c["revenue" + c_] / n0
        v1, v0 = c["revenue_var" + t_], c["revenue_var" + c_]
        out["revenue_per_client" + t_], out["revenue_per_client" + c_] = rpc1, rpc0
        rdiff, rlow, rhigh, p_rpc = _welch(rpc1, v1, n1, rpc0, v0, n0, alpha)
        out["revenue_per_client_diff"] = rdiff
        out["revenue_per_client_diff_ci_low"], out["revenue_per_client_diff_ci_high"] = rlow, rhigh
        out["revenue_per_client_p_value"] = p_rpc
        lift = rpc1 / rpc0 - 1
        lift_se = np.sqrt(v1 / (n1 * rpc0**2) + rpc1**2 * v0 / (n0 * rpc0**4))
        lift_low, lift_high, _ = _normal_test(lift, lift_se, alpha)
        out["revenue_per_client_lift"] = lift
        out["revenue_per_client_lift_ci_low"], out["revenue_per_client_lift_ci_high"] = lift_low, lift_high

        a1, var_a1 = _average_check(c, t_)
        a0, var_a0 = _average_check(c, c_)
        out["average_check" + t_], out["average_check" + c_] = a1, a0
        adiff = a1 - a0
        alow, ahigh, p_check = _normal_test(adiff, np.sqrt(var_a1 + var_a0), alpha)
        out["average_check_diff"] = adiff
        out["average_check_diff_ci_low"], out["average_check_diff_ci_high"] = alow, ahigh
        out["average_check_p_value"] = p_check

        out["effect"], out["effect_ci_low"], out["effect_ci_high"] = rdiff * n1, rlow * n1, rhigh * n1
        out["effect_p_value"] = p_rpc
        out["incremental_buyers"] = diff * n1
        out["incremental_buyers_ci_low"], out["incremental_buyers_ci_high"] = low * n1, high * n1
        out["effect_from_conversion"] = diff * n1 * a0
        out["effect_from_average_check"] = s1 * adiff
    return out


# --------------------------------------------------------------------------- variance reduction


def _cuped(y: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """θ = cov(Y, X)/var(X) (0 when X is constant) and Y − θ(X − mean X)."""
    var_x = x.var(ddof=1) if len(x) > 1 else 0.0
    theta = float(np.cov(y, x, ddof=1)[0, 1] / var_x) if var_x > 0 else 0.0
    return theta, y - theta * (x - x.mean())


def cuped_adjust(frame: pd.DataFrame, metric_col: str, covariate_col: str) -> pd.Series:
    """CUPED-adjusted metric Y − θ(X − mean X), θ = cov(Y, X)/var(X) on the rows given (Deng et al. 2013)."""
    _check_columns(frame, [metric_col, covariate_col], "cuped_adjust")
    _, adjusted = _cuped(_values(frame, metric_col), _values(frame, covariate_col))
    return pd.Series(adjusted, index=frame.index, name=f"{metric_col}_cuped")


def cuped_effect(
    frame: pd.DataFrame,
    arm_col: str,
    treatment: object,
    control: object,
    metric_col: str = "revenue",
    covariate_col: str = "pre_revenue",
    alpha: float = 0.05,
) -> CupedResult:
    """CUPED difference of means: θ and the adjustment on the pooled two arms, then a Welch CI.

    ``variance_reduction`` = 1 − var(Y_cuped)/var(Y) on the pooled data (equals corr(Y, X)², may be ≈ 0).
    A pre-period covariate is unaffected by the treatment, so the adjusted difference stays unbiased.
    """
    _check_alpha(alpha)
    _check_columns(frame, [arm_col, metric_col, covariate_col], "cuped_effect")
    _check_arms(frame, arm_col, [treatment, control])
    pooled = frame.loc[frame[arm_col].isin([treatment, control]), [arm_col, metric_col, covariate_col]]
    y = _values(pooled, metric_col)
    theta, adjusted = _cuped(y, _values(pooled, covariate_col))
    var_y = y.var(ddof=1)
    reduction = float(1 - adjusted.var(ddof=1) / var_y) if var_y > 0 else 0.0
    work = pd.DataFrame({"arm": pooled[arm_col].to_numpy(), "y": y, "y_cuped": adjusted})
    raw = mean_difference(work, "arm", "y", treatment, control, alpha=alpha).iloc[0]
    cup = mean_difference(work, "arm", "y_cuped", treatment, control, alpha=alpha).iloc[0]
    return CupedResult(
        theta=theta,
        variance_reduction=reduction,
        difference=float(cup["difference"]),
        ci_low=float(cup["ci_low"]),
        ci_high=float(cup["ci_high"]),
        p_value=float(cup["p_value"]),
        unadjusted_difference=float(raw["difference"]),
        unadjusted_ci_low=float(raw["ci_low"]),
        unadjusted_ci_high=float(raw["ci_high"]),
    )


# --------------------------------------------------------------------------- design checks


def sample_ratio_mismatch(
    counts: pd.Series | Mapping[object, int], planned_shares: Mapping[object, float]
) -> SrmResult:
    """χ² goodness-of-fit of observed arm sizes against planned shares (normalized to sum 1), scipy ``chisquare``."""
    observed = pd.Series(counts, dtype=float)
    shares = pd.Series(planned_shares, dtype=float)
    if set(observed.index) != set(shares.index):
        arms = f"{sorted(map(str, observed.index))} and planned_shares {sorted(map(str, shares.index))}"
        raise ValueError(f"arms of counts {arms} differ")
    if (shares <= 0).any() or len(shares) < 2:
        raise ValueError("planned_shares must hold at least two arms with positive shares")
    shares = shares.reindex(observed.index) / shares.sum()
    expected = shares * observed.sum()
    result = stats.chisquare(observed.to_numpy(), expected.to_numpy())
    return SrmResult(statistic=float(result.statistic), p_value=float(result.pvalue), dof=len(observed) - 1)


def covariate_balance(
    frame: pd.DataFrame,
    arm_col: str,
    treatment: object,
    control: object,
    covariates: Sequence[str],
    threshold: float = 0.1,
) -> pd.DataFrame:
    """Standardized mean differences (m_t − m_c)/sqrt((s_t² + s_c²)/2) per covariate (Austin 2009).

    Numeric and boolean covariates are used as they are (missing values skipped); other covariates are
    one-hot encoded with a level for missing values, one row per level. ``imbalanced`` flags |smd| > threshold.
    """
    _check_columns(frame, [arm_col, *covariates], "covariate_balance")
    _check_arms(frame, arm_col, [treatment, control])
    rows = frame[arm_col].isin([treatment, control])
    parts, names = [], []
    for column in covariates:
        series = frame.loc[rows, column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            parts.append(series.astype(float).rename(column))
            names.append((column, None))
        else:
            dummies = pd.get_dummies(series.astype("object"), dummy_na=bool(series.isna().any()), dtype=float)
            parts.extend(dummies[level].rename(f"{column}={level}") for level in dummies.columns)
            names.extend((column, "<missing>" if pd.isna(level) else str(level)) for level in dummies.columns)
    matrix = pd.concat(parts, axis=1, ignore_index=True)
    grouped = matrix.groupby(frame.loc[rows, arm_col].to_numpy())
    means, variances = grouped.mean(), grouped.var(ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled_sd = np.sqrt((variances.loc[treatment] + variances.loc[control]) / 2)
        smd = (means.loc[treatment] - means.loc[control]) / pooled_sd
    out = pd.DataFrame(names, columns=["covariate", "level"])
    out["mean_treatment"] = means.loc[treatment].to_numpy()
    out["mean_control"] = means.loc[control].to_numpy()
    out["smd"] = smd.to_numpy()
    out["imbalanced"] = out["smd"].abs() > threshold
    return out


def adjust_p_values(p_values: pd.Series | Sequence[float], method: PValueMethod) -> pd.Series:
    """Benjamini–Hochberg (``'fdr_bh'``) or Holm (``'holm'``) adjusted p-values; missing p stay missing."""
    if method not in ("fdr_bh", "holm"):
        raise ValueError(f"method must be 'fdr_bh' or 'holm', got {method!r}")
    p = pd.Series(p_values, dtype=float)
    adjusted = pd.Series(np.nan, index=p.index, dtype=float)
    tested = p.notna()
    if tested.any():
        adjusted[tested] = multipletests(p[tested].to_numpy(), method=method)[1]
    return adjusted


# --------------------------------------------------------------------------- planning


def _plan_check(n_treated: float, alpha: float, power: float) -> None:
    _check_alpha(alpha)
    if not 0 < power < 1:
        raise ValueError(f"power must be in (0, 1), got {power!r}")
    if n_treated <= 0:
        raise ValueError(f"n_treated must be positive, got {n_treated!r}")


def minimum_detectable_effect(
    sd: float, n_treated: float, control_share: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """Smallest true difference of means detected with the given power by a two-sided test at ``alpha``.

    Closed form of the normal approximation: MDE = (z_{1−α/2} + z_{power}) · sd · sqrt(1/n_t + 1/n_c),
    with n_c = n_t · share / (1 − share), ``control_share`` = control / (treated + control). It agrees with
    statsmodels ``NormalIndPower`` up to the negligible opposite tail.
    """
    _plan_check(n_treated, alpha, power)
    if not 0 < control_share < 1:
        raise ValueError(f"control_share must be in (0, 1), got {control_share!r}")
    n_control = n_treated * control_share / (1 - control_share)
    return float((_z(alpha) + stats.norm.ppf(power)) * sd * np.sqrt(1 / n_treated + 1 / n_control))


def minimum_detectable_conversion(
    baseline_rate: float, n_treated: float, control_share: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    """MDE of a conversion difference (absolute, in share points) with baseline sd = sqrt(p(1 − p))."""
    if not 0 < baseline_rate < 1:
        raise ValueError(f"baseline_rate must be in (0, 1), got {baseline_rate!r}")
    sd = float(np.sqrt(baseline_rate * (1 - baseline_rate)))
    return minimum_detectable_effect(sd, n_treated, control_share, alpha, power)


def required_control_size(mde: float, sd: float, n_treated: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Control clients needed, for a fixed treated size, to detect ``mde`` (inverse of the MDE formula).

    1/n_c = (mde / ((z_{1−α/2} + z_{power}) · sd))² − 1/n_t; returns ``inf`` when even an unlimited control
    group cannot reach the target (the treated arm alone is too small).
    """
    _plan_check(n_treated, alpha, power)
    if mde <= 0 or sd <= 0:
        raise ValueError(f"mde and sd must be positive, got mde={mde!r}, sd={sd!r}")
    inverse = (mde / ((_z(alpha) + stats.norm.ppf(power)) * sd)) ** 2 - 1 / n_treated
    return float(np.ceil(1 / inverse)) if inverse > 0 else float("inf")


# --------------------------------------------------------------------------- observational comparison


def stratified_difference(
    frame: pd.DataFrame,
    arm_col: str,
    treatment: object,
    control: object,
    metric_col: str,
    strata: Sequence[str],
    min_per_arm: int = 2,
    alpha: float = 0.05,
) -> StratifiedEstimate:
    """Post-stratified difference of means for a non-randomized comparison group (labelled observational).

    Δ = Σ_s w_s (ȳ_t,s − ȳ_c,s) with w_s = n_t,s / Σ n_t,s (effect on the treated); var = Σ w_s² (s²_t,s/n_t,s
    + s²_c,s/n_c,s); normal CI. Strata with fewer than ``min_per_arm`` clients in either arm are dropped;
    ``treated_coverage`` is the share of treated clients kept (``strata_dropped`` counts strata with treated
    clients left out). It removes only the imbalance in the strata
    variables, not other selection, so it is not a randomized estimate.
    """
    _check_alpha(alpha)
    if not strata:
        raise ValueError("strata must name at least one column")
    if min_per_arm < 2:
        raise ValueError(f"min_per_arm must be at least 2 (a variance is needed), got {min_per_arm!r}")
    cells = _paired_cells(frame, arm_col, treatment, control, strata, metric_col, None)
    n1, n0 = cells["clients_treatment"].to_numpy(), cells["clients_control"].to_numpy()
    usable = (n1 >= min_per_arm) & (n0 >= min_per_arm)
    used = float(n1[usable].sum())
    if used == 0:
        raise ValueError(f"no stratum of {list(strata)} has at least {min_per_arm} clients in both arms")
    w = np.where(usable, n1, 0.0) / used
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = cells["revenue_treatment"] / n1 - cells["revenue_control"] / n0
        se2 = cells["revenue_var_treatment"] / n1 + cells["revenue_var_control"] / n0
    diff, se2 = np.where(usable, diff, 0.0), np.where(usable, se2, 0.0)
    estimate = float(np.sum(w * diff))
    se = float(np.sqrt(np.sum(w**2 * se2)))
    low, high, p_value = _normal_test(np.array(estimate), np.array(se), alpha)
    return StratifiedEstimate(
        estimate=estimate,
        ci_low=float(low),
        ci_high=float(high),
        p_value=float(p_value),
        treated_clients=int(used),
        treated_coverage=used / float(n1.sum()),
        strata_used=int(usable.sum()),
        strata_dropped=int((~usable & (n1 > 0)).sum()),
    )
