"""Campaign-effect report: contacts to one row per customer, design check, localized tables and figures, truth check.

The statistics come from ``analysis.campaign`` and ``analysis.effect_stats``; this module prepares their input
from the keyed tables (contacts_keyed, receipts_keyed, customers_golden) and turns their output into what the
stakeholder report shows. Tables meant for display take a ``language`` and return formatted text columns whose
names ``labels.localize`` translates; ``style`` greys the figures that are not significant.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from analysis import campaign, customer_metrics, effect_stats, labels, lifecycle, stage
from analysis.report_tables import show

TREATMENT, CONTROL = "treatment", "control"
CONTACT_COLUMNS = ("campaign_id", "customer_key", "group", "channel", "sent_at", "delivered", "read", "cost")
BALANCE_COVARIATES = ("segment", "gender", "age_band", "pre_revenue")  # pre-period covariates checked for balance
HOLDOUT_SOURCE = "holdout"  # `source` of control rows read from a holdout list
SIGNIFICANT, NOT_SIGNIFICANT, UNTESTED = "significant", "not_significant", "untested"
MUTED = "color: #9a9a9a"  # CSS of figures that are not significant
_COLOURS = {SIGNIFICANT: "#1f6fb4", NOT_SIGNIFICANT: "#9a9a9a", UNTESTED: "#c8c8c8"}


# ====================================================================================== preparing the analysis table


@dataclass(frozen=True)
class CampaignData:
    """The analysis table (one row per campaign and customer) and how the contact rows got there."""

    outcomes: pd.DataFrame
    accounting: pd.DataFrame  # step, count
    send_dates: pd.Series  # campaign_id → send timestamp (start of the analysis window)


def _require(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: missing column(s) {missing}; present: {list(frame.columns)}")


def read_holdout(path: str | Path) -> pd.DataFrame:
    """Control rows from a holdout list (csv, xlsx or parquet), shaped as contacts.

    The list names customers by ``customer_key`` (or its report label), or is a planned-contacts file in the
    campaign_contacts layout whose ``source_customer_id`` holds the customer_key (``mailing.contact_file``): then
    only its control rows are taken. ``campaign_id`` and ``channel`` columns are kept when present (a missing
    campaign_id is assigned by ``prepare`` to the one campaign analysed). Other columns (names, phones) are dropped.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"campaign.holdout_file: no file at {path}")
    readers = {".csv": lambda p: pd.read_csv(p, dtype=str, sep=None, engine="python", encoding="utf-8-sig"),
               ".xlsx": lambda p: pd.read_excel(p, dtype=str), ".parquet": pd.read_parquet}
    if path.suffix.lower() not in readers:
        raise ValueError(f"campaign.holdout_file: {path.name} must be .csv, .xlsx or .parquet")
    raw = readers[path.suffix.lower()](path)
    raw = raw.rename(columns={name: "customer_key" for name in labels.COLUMNS.get("customer_key", ())})
    if "customer_key" not in raw.columns and "source_customer_id" in raw.columns:
        raw = raw.rename(columns={"source_customer_id": "customer_key"})
    _require(raw, ["customer_key"], f"holdout file {path.name}")
    if "group" in raw.columns:
        raw = raw[raw["group"].astype(str).eq(CONTROL)]
    raw = raw[raw["customer_key"].notna()].reset_index(drop=True)
    ids = raw["campaign_id"] if "campaign_id" in raw.columns else pd.Series(pd.NA, index=raw.index)
    return pd.DataFrame({
        "campaign_id": ids.astype(object), "customer_key": raw["customer_key"].astype(str).astype("string"),
        "group": CONTROL, "channel": (raw["channel"] if "channel" in raw.columns else pd.Series(pd.NA, index=raw.index)
                                      ).astype("string"), "sent_at": pd.NaT,
        "delivered": pd.array([pd.NA] * len(raw), dtype="boolean"), "read": pd.array([pd.NA] * len(raw), dtype="boolean"),
        "cost": 0.0, "source": HOLDOUT_SOURCE,
    })


def collapse_contacts(contacts: pd.DataFrame) -> pd.DataFrame:
    """One row per campaign and customer_key from contact rows that dedup may have merged.

    Rule: a customer with any treatment row is treated; ``channel`` and ``sent_at`` come from the earliest
    treatment message, ``delivered`` / ``read`` are true when any treatment message was delivered / read,
    ``cost`` is the sum over all rows and ``messages`` counts the treatment rows. A customer who also has a
    control row sits in both arms (``both_arms`` true): a design flaw that the caller excludes and reports.
    ``source`` joins the systems of the rows (';'). Rows without a customer_key are left out.
    """
    _require(contacts, CONTACT_COLUMNS, "contacts")
    unknown = sorted(set(contacts["group"].dropna().astype(str)) - {TREATMENT, CONTROL})
    if unknown or contacts["group"].isna().any():
        raise ValueError(f"contacts: column 'group' must be '{TREATMENT}' or '{CONTROL}', found {unknown or ['<NA>']}")
    rows = contacts[contacts["customer_key"].notna()]
    campaign_codes, campaigns = pd.factorize(rows["campaign_id"], use_na_sentinel=False)
    key_codes, customers = pd.factorize(rows["customer_key"])
    source = rows["source"] if "source" in rows.columns else pd.Series("", index=rows.index)
    source_codes, systems = pd.factorize(source.astype(object), use_na_sentinel=True)
    treated = rows["group"].eq(TREATMENT).to_numpy()
    sent = rows["sent_at"].to_numpy(dtype="datetime64[ns]")
    work = pd.DataFrame({
        "_unit": campaign_codes.astype(np.int64) * max(len(customers), 1) + key_codes, "_treated": treated,
        "_order": np.where(treated, sent, np.datetime64("NaT", "ns")), "channel": rows["channel"].to_numpy(),
        "sent_at": sent, "delivered": np.where(treated, _as_float(rows["delivered"]), np.nan),
        "read": np.where(treated, _as_float(rows["read"]), np.nan),
        "cost": pd.to_numeric(rows["cost"], errors="coerce").fillna(0.0).to_numpy(),
        **{f"_system{i}": source_codes == i for i in range(len(systems))},
    })
    work = work.sort_values(["_treated", "_order"], ascending=[False, True], na_position="last", kind="stable")
    grouped = work.groupby("_unit", sort=True)
    out = grouped.agg(
        messages=("_treated", "sum"), rows=("_treated", "size"), channel=("channel", "first"),
        sent_at=("sent_at", "first"), delivered=("delivered", "max"), read=("read", "max"), cost=("cost", "sum"),
        **{f"_system{i}": (f"_system{i}", "max") for i in range(len(systems))},
    )
    unit = out.index.to_numpy()
    out.insert(0, "customer_key", customers.take(unit % max(len(customers), 1)))
    out.insert(0, "campaign_id", campaigns.take(unit // max(len(customers), 1)))
    out = out.reset_index(drop=True)
    out["messages"] = out["messages"].astype(int)
    out["group"] = np.where(out["messages"] > 0, TREATMENT, CONTROL)
    out["both_arms"] = (out["messages"] > 0) & (out["messages"] < out["rows"])
    for flag in ("delivered", "read"):
        out[flag] = out[flag].map({1.0: True, 0.0: False}).astype("boolean")
    out["source"] = _joined_systems(out, [str(s) for s in systems])
    columns = ["campaign_id", "customer_key", "group", "channel", "sent_at", "delivered", "read", "cost", "messages",
               "rows", "source", "both_arms"]
    return out[columns]


def _as_float(flags: pd.Series) -> np.ndarray:
    """A nullable boolean column as 1.0 / 0.0 / NaN."""
    return flags.astype("boolean").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _joined_systems(out: pd.DataFrame, systems: list[str]) -> np.ndarray:
    """';'-joined sorted systems per collapsed row from its ``_system<i>`` flags (few systems: one label per combination)."""
    bits = np.zeros(len(out), dtype=np.int64)
    for i in range(len(systems)):
        bits |= out[f"_system{i}"].to_numpy(dtype=np.int64) << i
    combos = {b: ";".join(sorted(systems[i] for i in range(len(systems)) if b >> i & 1)) for b in np.unique(bits)}
    return pd.Series(bits).map(combos).to_numpy(dtype=object)


def send_dates(contacts: pd.DataFrame, send_date: str = "") -> pd.Series:
    """Start of the analysis window per campaign: ``send_date`` when given, else the campaign's earliest sent_at."""
    _require(contacts, ["campaign_id", "sent_at"], "contacts")
    campaigns = pd.Index(pd.unique(contacts["campaign_id"].dropna()), name="campaign_id").sort_values()
    if send_date:
        try:
            fixed = pd.Timestamp(send_date)
        except (TypeError, ValueError) as error:
            raise ValueError(f"campaign.send_date is not a date: {send_date!r}") from error
        return pd.Series(fixed, index=campaigns, name="send_date")
    first = contacts.groupby("campaign_id", observed=True)["sent_at"].min().reindex(campaigns)
    if first.isna().any():
        raise ValueError(f"campaign(s) {first[first.isna()].index.tolist()} have no sent_at: set campaign.send_date")
    return first.rename("send_date")


def age_band_names(edges: Sequence[int]) -> list[str]:
    """Band codes for age edges, e.g. [25, 45, 60] → ['<25', '25–44', '45–59', '60+']."""
    if not edges or any(isinstance(e, bool) or not isinstance(e, (int, np.integer)) for e in edges):
        raise ValueError(f"campaign.age_bands must be a non-empty list of whole ages, got {list(edges)!r}")
    if any(b <= a for a, b in zip(edges, edges[1:])) or edges[0] <= 0:
        raise ValueError(f"campaign.age_bands must increase and be positive, got {list(edges)!r}")
    inner = [f"{a}–{b - 1}" for a, b in zip(edges, edges[1:])]
    return [f"<{edges[0]}", *inner, f"{edges[-1]}+"]


def age_bands(birth_date: pd.Series, on: pd.Timestamp, edges: Sequence[int]) -> pd.Series:
    """Ordered age-band categories of full ages on a date; unknown or negative ages are missing."""
    names = age_band_names(edges)
    born = pd.to_datetime(birth_date, errors="coerce")
    before_birthday = (born.dt.month > on.month) | ((born.dt.month == on.month) & (born.dt.day > on.day))
    age = (on.year - born.dt.year - before_birthday.astype(int)).to_numpy(dtype=float, na_value=np.nan)
    codes = np.searchsorted(np.asarray(edges, dtype=float), age, side="right")
    codes = np.where(np.isnan(age) | (age < 0), -1, codes)
    return pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True), index=birth_date.index,
                     name="age_band")


def segments_at(
    receipts: pd.DataFrame,
    keys: pd.Series,
    send: pd.Timestamp,
    thresholds: lifecycle.ThresholdSpec,
    auto: Mapping[str, float] | None = None,
) -> pd.Series:
    """Lifecycle segment of each key on the day before ``send`` (a pre-period covariate), 'not_in_base' without
    purchases by then. ``thresholds`` as parameter lifecycle.thresholds: a preset, or 'auto' computed with the
    ``auto`` settings from the purchases before sending."""
    window = (receipts["datetime"] < send.normalize()).to_numpy()
    column, categories = receipts["customer_key"], pd.Index(pd.unique(keys.dropna()))
    if isinstance(column.dtype, pd.CategoricalDtype):  # recode the categories, not every receipt
        contacted = pd.Categorical(column.array[window]).set_categories(categories)
    else:
        contacted = pd.Categorical(column.to_numpy()[window], categories=categories)
    before = receipts[window].assign(customer_key=contacted)  # codes hashed once; other customers become missing
    codes = pd.Series(lifecycle.NOT_IN_BASE, index=keys.index, dtype=object, name="segment")
    if before["customer_key"].notna().any():
        if isinstance(thresholds, str) and thresholds == "auto":
            spec = lifecycle.auto_thresholds(customer_metrics.purchases(before), **dict(auto or {}))
        else:
            spec = lifecycle.resolve_thresholds(thresholds)
        metrics = customer_metrics.customer_metrics(before, send.normalize() - pd.Timedelta(days=1))
        segment = lifecycle.segment(metrics, spec)["segment"].astype(str)
        codes = keys.map(segment).fillna(lifecycle.NOT_IN_BASE).rename("segment")
    present = set(pd.unique(codes))
    order = [c for c in (*lifecycle.SEGMENTS, lifecycle.NOT_IN_BASE) if c in present]
    return codes.astype(pd.CategoricalDtype(order, ordered=True))


def receipt_period(
    contacts: pd.DataFrame,
    *,
    window_days: int,
    pre_days: int,
    campaign_ids: Sequence[str] = (),
    send_date: str = "",
    history: bool = False,
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """[start, end) of the receipt datetimes ``prepare`` uses for these contacts: from the earliest pre-period start
    (None with ``history``: segments at sending need every purchase before it) to the latest window end. (None,
    None) when the send dates cannot be told (``prepare`` then reports why)."""
    wanted = [str(c) for c in campaign_ids]
    chosen = contacts[contacts["campaign_id"].astype(str).isin(wanted)] if wanted else contacts
    try:
        dates = send_dates(chosen, send_date)
    except ValueError:
        return None, None
    if dates.empty or not isinstance(window_days, (int, np.integer)) or not isinstance(pre_days, (int, np.integer)):
        return None, None
    end = dates.max() + pd.Timedelta(days=int(window_days))
    return (None if history else dates.min() - pd.Timedelta(days=int(pre_days))), end


def read_inputs(
    st: stage.Stage,
    *,
    window_days: int,
    pre_days: int,
    campaign_ids: Sequence[str] = (),
    send_date: str = "",
    segments: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """contacts_keyed, receipts_keyed and customers_golden with only what ``prepare`` uses: the contact columns
    (and ``source``), the receipts in ``receipt_period`` with their outcome columns (and, with ``segments``, the
    columns that link returns), customer_key as a categorical, ids as Arrow strings; gender and birth date."""
    present = pq.read_schema(st.path("contacts_keyed")).names
    contacts = st.read("contacts_keyed", columns=[c for c in (*CONTACT_COLUMNS, "source") if c in present])
    start, end = receipt_period(contacts, window_days=window_days, pre_days=pre_days, campaign_ids=campaign_ids,
                                send_date=send_date, history=segments)
    path = st.path("receipts_keyed")
    wanted = (*customer_metrics.RECEIPT_COLUMNS, "source") if segments else campaign.RECEIPT_COLUMNS
    receipts = customer_metrics.read_receipts(path, wanted, period_filter(pq.read_schema(path), start, end))
    golden = st.read("customers_golden", columns=["customer_key", "gender", "birth_date"])
    return contacts, receipts, golden


def period_filter(schema: pa.Schema, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> pc.Expression | None:
    """pyarrow filter of the receipts dated in [start, end) (an open side: None), so the Parquet reader skips the
    rows outside; None (every row) when no bound is given or `datetime` is not a timestamp without time zone."""
    when = schema.field("datetime").type if "datetime" in schema.names else None
    condition = None
    if when is not None and pa.types.is_timestamp(when) and when.tz is None:
        for bound, keep in ((start, lambda f, v: f >= v), (end, lambda f, v: f < v)):
            if bound is not None:
                value = pa.scalar(pd.Timestamp(bound).as_unit("ns").value, pa.timestamp("ns")).cast(when)
                term = keep(pc.field("datetime"), value)
                condition = term if condition is None else condition & term
    return condition


def prepare(
    contacts: pd.DataFrame,
    receipts: pd.DataFrame,
    golden: pd.DataFrame,
    *,
    window_days: int,
    pre_days: int,
    age_edges: Sequence[int],
    campaign_ids: Sequence[str] = (),
    send_date: str = "",
    segment_thresholds: lifecycle.ThresholdSpec = "",
    segment_auto: Mapping[str, float] | None = None,
    message_cost: Mapping[str, float] | None = None,
    holdout: pd.DataFrame | None = None,
) -> CampaignData:
    """The analysis table: contacts of the chosen campaigns (plus holdout rows) collapsed per customer, customers in
    both arms left out, gender / age band / segment at sending, and outcomes in the window after each send.

    ``segment_thresholds`` / ``segment_auto``: parameters lifecycle.thresholds / lifecycle.auto ("" = no segment).
    ``message_cost`` (channel → ₽ per message) replaces the contacts' cost of treatment rows of those channels.
    Raises ValueError when a campaign has no control or no treatment group left.
    """
    _require(contacts, CONTACT_COLUMNS, "contacts_keyed")
    _require(golden, ["customer_key", "gender", "birth_date"], "customers_golden")
    available = sorted(pd.unique(contacts["campaign_id"].dropna().astype(str)))
    wanted = [str(c) for c in campaign_ids] or available
    missing = [c for c in wanted if c not in available]
    if missing:
        raise ValueError(f"campaign.campaign_ids {missing} not in the contacts; campaigns there: {available}")
    chosen = contacts[contacts["campaign_id"].astype(str).isin(wanted)]
    if message_cost:
        priced = chosen["channel"].map(dict(message_cost))
        chosen = chosen.assign(cost=priced.where(chosen["group"].eq(TREATMENT) & priced.notna(), chosen["cost"]).astype(float))
    if holdout is not None and len(holdout):
        if holdout["campaign_id"].isna().any() and len(wanted) > 1:
            raise ValueError(f"the holdout list has rows without campaign_id while campaigns {wanted} are analysed: "
                             "set campaign.campaign_ids to one campaign or add a campaign_id column to the list")
        holdout = holdout.assign(campaign_id=holdout["campaign_id"].astype(object).fillna(wanted[0]))
        chosen = pd.concat([chosen, holdout[holdout["campaign_id"].astype(str).isin(wanted)]], ignore_index=True)
    dates = send_dates(chosen, send_date)
    collapsed = collapse_contacts(chosen)
    kept = collapsed[~collapsed["both_arms"]].drop(columns=["both_arms", "rows"])
    for cid in wanted:
        arms = set(kept.loc[kept["campaign_id"] == cid, "group"])
        if arms != {TREATMENT, CONTROL}:
            absent = sorted({TREATMENT, CONTROL} - arms)
            raise ValueError(f"campaign {cid!r} has no {' and no '.join(absent)} group: its effect cannot be measured")
    people = golden.drop_duplicates("customer_key").set_index("customer_key")
    parts = []
    for cid, part in kept.groupby("campaign_id", sort=True, observed=True):
        send = dates[cid]
        part = part.reset_index(drop=True)
        part["gender"] = part["customer_key"].map(people["gender"]).astype(pd.CategoricalDtype(["F", "M"]))
        part["age_band"] = age_bands(part["customer_key"].map(people["birth_date"]), send, age_edges)
        if segment_thresholds:
            part["segment"] = segments_at(receipts, part["customer_key"], send, segment_thresholds, segment_auto)
        parts.append(campaign.outcomes(part, receipts, send, window_days, pre_days))
    outcomes = pd.concat(parts, ignore_index=True)
    for column in ("age_band", "segment"):  # concat drops categories that differ between campaigns
        if column in outcomes.columns and len(parts) > 1:
            outcomes[column] = outcomes[column].astype(parts[0][column].dtype)
    accounting = pd.DataFrame({"step": [
        "contact_rows", "rows_without_customer", "customers", "customers_with_several_rows", "both_arms",
        "clients_treatment", "clients_control"], "count": [
        len(chosen), int(chosen["customer_key"].isna().sum()), len(collapsed), int((collapsed["rows"] > 1).sum()),
        int(collapsed["both_arms"].sum()), int((outcomes["group"] == TREATMENT).sum()),
        int((outcomes["group"] == CONTROL).sum())]})
    return CampaignData(outcomes, accounting, dates)


# ====================================================================================== design check


@dataclass(frozen=True)
class DesignCheck:
    """Arm sizes against the plan (SRM) and balance of pre-period covariates."""

    sizes: pd.DataFrame  # group, clients, share, planned_share
    srm: effect_stats.SrmResult | None  # None when no planned share is set
    srm_failed: bool
    balance: pd.DataFrame  # covariate, level, mean_treatment, mean_control, smd, imbalanced
    balance_threshold: float  # |smd| above this is flagged


def design_check(
    outcomes: pd.DataFrame,
    planned_control_share: float,
    smd_threshold: float = 0.1,
    srm_alpha: float = 0.001,
) -> DesignCheck:
    """SRM χ² of the arm sizes against ``planned_control_share`` (0 = no plan: skipped) and standardized
    differences of segment, gender, age band and pre-period revenue (those present).

    A difference is flagged above ``smd_threshold`` or, in small groups, above what chance alone gives under
    randomization, 1.96·sqrt(1/n_t + 1/n_c) (the standard error of an SMD near 0), whichever is larger.
    """
    if not 0 <= planned_control_share < 1:
        raise ValueError(f"campaign.planned_control_share must be in [0, 1), got {planned_control_share!r}")
    counts = outcomes["group"].value_counts().reindex([TREATMENT, CONTROL], fill_value=0)
    planned = pd.Series({TREATMENT: 1 - planned_control_share, CONTROL: planned_control_share})
    sizes = pd.DataFrame({"group": counts.index, "clients": counts.to_numpy(),
                          "share": (counts / counts.sum()).to_numpy(),
                          "planned_share": planned.to_numpy() if planned_control_share else np.nan})
    srm = effect_stats.sample_ratio_mismatch(counts, planned) if planned_control_share else None
    covariates = [c for c in BALANCE_COVARIATES if c in outcomes.columns]
    threshold = max(smd_threshold, 1.96 * float(np.sqrt(1 / counts[TREATMENT] + 1 / counts[CONTROL])))
    balance = effect_stats.covariate_balance(outcomes, "group", TREATMENT, CONTROL, covariates, threshold)
    return DesignCheck(sizes, srm, bool(srm is not None and srm.p_value < srm_alpha), balance, threshold)


# ====================================================================================== effect


@dataclass(frozen=True)
class Effect:
    """The campaign effect: the engine's effect table, CUPED and, without randomization, the stratified estimate."""

    table: pd.DataFrame  # campaign.effect_table rows plus 'effect_cuped' (and 'effect_stratified' when observational)
    cuped: effect_stats.CupedResult
    stratified: effect_stats.StratifiedEstimate | None
    treated: int
    margin: float
    alpha: float

    @property
    def overall(self) -> pd.DataFrame:
        """The headline effect ₽ with its CI as a one-row frame (the shape ``truth_check`` takes)."""
        h = self.headline
        return pd.DataFrame([{k: float(h[k]) for k in ("effect", "effect_ci_low", "effect_ci_high")}])

    @property
    def headline(self) -> pd.Series:
        """Effect ₽ with CI and p, profit and ROI: stratified (observational) when present, else the ITT."""
        rows = self.table.set_index("metric")
        cost = float(rows.loc["cost", "estimate"])
        if self.stratified is None:
            effect = rows.loc["effect", ["estimate", "ci_low", "ci_high", "p_value"]].to_numpy(dtype=float)
        else:  # per treated client over the covered strata, scaled to all treated clients
            s = self.stratified
            effect = np.array([s.estimate * self.treated, s.ci_low * self.treated, s.ci_high * self.treated, s.p_value])
        profit = self.margin * effect[:3] - cost
        roi = profit / cost if cost > 0 else np.full(3, np.nan)
        return pd.Series({
            "effect": effect[0], "effect_ci_low": effect[1], "effect_ci_high": effect[2], "p_value": effect[3],
            "significant": bool(effect[3] < self.alpha), "cost": cost, "profit": profit[0],
            "profit_ci_low": profit[1], "profit_ci_high": profit[2], "roi": roi[0], "roi_ci_low": roi[1],
            "roi_ci_high": roi[2], "observational": self.stratified is not None,
        })


def estimate_effect(
    outcomes: pd.DataFrame,
    margin: float,
    alpha: float = 0.05,
    randomized: bool = True,
    strata: Sequence[str] = (),
) -> Effect:
    """Effect table (Welch ITT, conversion / check split, profit, ROI), the CUPED effect ₽ on pre-period revenue,
    and, when the comparison group was not randomized, the effect post-stratified by ``strata`` (observational;
    strata need two clients in each arm, the rest are dropped and the covered share reported)."""
    table = campaign.effect_table(outcomes, margin=margin, alpha=alpha)
    cuped = effect_stats.cuped_effect(outcomes, "group", TREATMENT, CONTROL, "revenue", "pre_revenue", alpha)
    treated = int((outcomes["group"] == TREATMENT).sum())
    cuped_row = pd.DataFrame([{"metric": "effect_cuped", "estimate": cuped.difference * treated,
                               "ci_low": cuped.ci_low * treated, "ci_high": cuped.ci_high * treated,
                               "p_value": cuped.p_value}])
    table = pd.concat([table, cuped_row], ignore_index=True)
    stratified = None
    if not randomized:
        usable = [s for s in strata if s in outcomes.columns]
        if not usable:
            raise ValueError(f"campaign.strata {list(strata)} name no column of the analysis table")
        stratified = effect_stats.stratified_difference(
            outcomes, "group", TREATMENT, CONTROL, "revenue", usable, alpha=alpha)
        row = {"metric": "effect_stratified", "estimate": stratified.estimate * treated,
               "ci_low": stratified.ci_low * treated, "ci_high": stratified.ci_high * treated, "p_value": stratified.p_value}
        table = pd.concat([table, pd.DataFrame([row])], ignore_index=True)
    return Effect(table, cuped, stratified, treated, margin, alpha)


def subgroups(outcomes: pd.DataFrame, by: Sequence[str], min_cell: int, alpha: float = 0.05) -> pd.DataFrame:
    """``campaign.subgroup_table`` plus effect per treated client (with CI) and a significance status per cell."""
    unknown = [d for d in by if d not in outcomes.columns]
    if unknown:
        raise ValueError(f"subgroup dimension(s) {unknown} are not columns of the analysis table; "
                         f"use e.g. gender, age_band, segment, channel, source, campaign_id")
    table = campaign.subgroup_table(outcomes, list(by), min_cell, alpha=alpha)
    table = table.sort_values(list(by), na_position="last", kind="stable", ignore_index=True)
    n = table["clients_treatment"].where(table["clients_treatment"] > 0)
    for suffix in ("", "_ci_low", "_ci_high"):
        table[f"effect_per_client{suffix}"] = table[f"effect{suffix}"] / n
    table["status"] = status(table["p_value_bh"], alpha, table["tested"])
    return table


def status(p_values: pd.Series, alpha: float, tested: pd.Series | None = None) -> pd.Series:
    """'significant' (p < alpha), 'not_significant', or 'untested' (no p or a cell below the minimum size)."""
    p = pd.Series(p_values, dtype=float)
    tested = p.notna() if tested is None else (pd.Series(np.asarray(tested, dtype=bool), index=p.index) & p.notna())
    out = np.where(~tested, UNTESTED, np.where(p < alpha, SIGNIFICANT, NOT_SIGNIFICANT))
    return pd.Series(out, index=p.index, name="status")


def channel_effects(outcomes: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Each channel's treated clients against a control, Holm-adjusted p across channels.

    When the control rows carry channels (each customer's would-be channel) every channel is compared with its
    own control (``control_scope`` 'channel'); otherwise all channels share the whole control ('all', the
    several-arms design, via ``campaign.multi_arm``).
    """
    treated = outcomes["group"] == TREATMENT
    channels = sorted(outcomes.loc[treated, "channel"].dropna().unique().tolist(), key=str)
    if not channels:
        return pd.DataFrame()
    if set(channels) <= set(outcomes.loc[~treated, "channel"].dropna()):
        rows = outcomes[outcomes["channel"].isin(channels)]
        r = effect_stats.compare_arms(rows, "group", TREATMENT, CONTROL, by=["channel"], alpha=alpha)
        return pd.DataFrame({
            "channel": r["channel"].astype(str), "clients_treatment": r["clients_treatment"],
            "clients_control": r["clients_control"], "control_scope": "channel",
            "conversion_diff": r["conversion_diff"], "conversion_diff_ci_low": r["conversion_diff_ci_low"],
            "conversion_diff_ci_high": r["conversion_diff_ci_high"],
            "conversion_p_holm": effect_stats.adjust_p_values(r["conversion_p_value"], "holm").to_numpy(),
            "effect": r["effect"], "effect_ci_low": r["effect_ci_low"], "effect_ci_high": r["effect_ci_high"],
            "effect_p_holm": effect_stats.adjust_p_values(r["effect_p_value"], "holm").to_numpy(),
        })
    arm = outcomes["channel"].astype(object).where(treated, CONTROL)
    r = campaign.multi_arm(outcomes.assign(_arm=arm), channels, CONTROL, group_col="_arm", alpha=alpha)
    return pd.DataFrame({
        "channel": r["arm"].astype(str), "clients_treatment": r["clients"], "clients_control": int((~treated).sum()),
        "control_scope": "all", "conversion_diff": r["conversion_diff"],
        "conversion_diff_ci_low": r["conversion_diff_ci_low"], "conversion_diff_ci_high": r["conversion_diff_ci_high"],
        "conversion_p_holm": r["conversion_p_holm"], "effect": r["effect"], "effect_ci_low": r["effect_ci_low"],
        "effect_ci_high": r["effect_ci_high"], "effect_p_holm": r["revenue_per_client_p_holm"],
    })


def planning(
    outcomes: pd.DataFrame,
    control_shares: Sequence[float],
    alpha: float = 0.05,
    power: float = 0.8,
    target_per_client: float = 0.0,
    variance_reduction: float = 0.0,
) -> pd.DataFrame:
    """MDE and required control size for a next campaign of the same size, per control share.

    Baselines from this campaign's control arm: sd of revenue per client and conversion. The target effect per
    client is ``target_per_client`` or, when 0, the Δ revenue per client observed now (no required size when it
    is not positive). ``variance_reduction`` (CUPED's) gives the MDE with the pre-period adjustment.
    ``forgone_revenue`` = control clients × target: what holding them out costs if the effect is real.
    """
    shares = [float(s) for s in control_shares]
    if not shares or any(not 0 < s < 1 for s in shares):
        raise ValueError(f"campaign.planning_control_shares must be shares in (0, 1), got {list(control_shares)!r}")
    control = outcomes[outcomes["group"] == CONTROL]
    sd = float(control["revenue"].std(ddof=1))
    p0 = float(control["buyer"].mean())
    total = len(outcomes)
    observed = float(outcomes.loc[outcomes["group"] == TREATMENT, "revenue"].mean() - control["revenue"].mean())
    target = float(target_per_client) or observed
    rows = []
    for share in shares:
        n_t, n_c = total * (1 - share), total * share
        mde = effect_stats.minimum_detectable_effect(sd, n_t, share, alpha, power) if sd > 0 else np.nan
        mde_conv = effect_stats.minimum_detectable_conversion(p0, n_t, share, alpha, power) if 0 < p0 < 1 else np.nan
        need = effect_stats.required_control_size(target, sd, n_t, alpha, power) if target > 0 and sd > 0 else np.nan
        rows.append({
            "control_share": share, "clients_treatment": int(round(n_t)), "clients_control": int(round(n_c)),
            "mde_revenue_per_client": mde, "mde_revenue_per_client_cuped": mde * np.sqrt(max(1 - variance_reduction, 0)),
            "mde_effect": mde * n_t, "mde_conversion": mde_conv, "required_control": need,
            "enough": bool(n_c >= need) if not np.isnan(need) else pd.NA,
            "forgone_revenue": n_c * target if target > 0 else np.nan,
        })
    out = pd.DataFrame(rows).astype({"enough": "boolean"})
    out.attrs["target_per_client"] = target
    return out


# ====================================================================================== truth (demo data)


def true_effects(
    outcomes: pd.DataFrame,
    truth_campaign: pd.DataFrame,
    truth_records: pd.DataFrame,
    customer_map: pd.DataFrame,
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """The generator's expected effect per cell of ``by``, on the treated clients the analysis sees.

    Persons reach customer keys through truth_records (source, source_id → person_id) and the customer_map
    (source, source_id → customer_key). A key's true effect is the sum of ``expected_effect_rub`` of the campaign's
    truth persons linked to it (one person normally; several when dedup merged people). Per cell: treated clients,
    ``truth_clients`` (treated clients linked to a truth person), ``true_effect_per_client`` (their mean) and
    ``true_effect`` = that mean × treated clients.
    """
    _require(truth_campaign, ["person_id", "campaign_id", "expected_effect_rub"], "truth campaign")
    _require(truth_records, ["source", "source_id", "person_id"], "truth records")
    _require(customer_map, ["source", "source_id", "customer_key"], "customer_map")
    link = truth_records.merge(customer_map, on=["source", "source_id"], how="inner")[["person_id", "customer_key"]]
    per_key = (link.drop_duplicates()
               .merge(truth_campaign[["person_id", "campaign_id", "expected_effect_rub"]], on="person_id", how="inner")
               .astype({"campaign_id": str, "customer_key": str})
               .groupby(["campaign_id", "customer_key"], observed=True)["expected_effect_rub"].sum()
               .rename("_truth").reset_index())
    treated = outcomes.loc[outcomes["group"] == TREATMENT, ["campaign_id", "customer_key", *by]]
    treated = treated.astype({"campaign_id": str, "customer_key": str}).merge(
        per_key, on=["campaign_id", "customer_key"], how="left")
    keys = list(by) or ["_all"]
    if not by:
        treated["_all"] = 0
    grouped = treated.groupby(keys, observed=True, dropna=False, sort=True)
    out = grouped.agg(clients_treatment=("customer_key", "size"), truth_clients=("_truth", "count"),
                      true_effect_per_client=("_truth", "mean")).reset_index()
    out["true_effect"] = out["true_effect_per_client"] * out["clients_treatment"]
    return out.drop(columns=["_all"]) if not by else out


def truth_check(estimates: pd.DataFrame, truth: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Estimates (effect with CI, per cell of ``by``) beside the true effect; ``covered`` when the CI holds it."""
    columns = [*by, "effect", "effect_ci_low", "effect_ci_high"]
    _require(estimates, columns, "estimates")
    truth_columns = ["clients_treatment", "truth_clients", "true_effect_per_client", "true_effect"]
    _require(truth, [*by, *truth_columns], "truth")
    if by:
        out = estimates[columns + [c for c in ("status",) if c in estimates.columns]].merge(
            truth[[*by, *truth_columns]], on=list(by), how="left")
    else:
        out = pd.concat([estimates[columns].reset_index(drop=True), truth[truth_columns].reset_index(drop=True)], axis=1)
    out["covered"] = (out["effect_ci_low"] <= out["true_effect"]) & (out["true_effect"] <= out["effect_ci_high"])
    out["covered"] = out["covered"].where(out["effect_ci_low"].notna() & out["true_effect"].notna())
    return out


# ====================================================================================== display (localized)


def _lang_index(language: str) -> int:
    return labels.LANGUAGES.index(language)


def p_text(p: float, language: str) -> str:
    """'<0,001', '0,019' or '—'."""
    if p is None or not np.isfinite(p):
        return "—"
    return ("<" + labels.fmt_num(0.001, 3, language)) if p < 0.001 else labels.fmt_num(p, 3, language)


def money(value: float, language: str) -> str:
    """Whole rubles with the language's separators (signed when negative)."""
    return labels.fmt_int(value, language) if value is not None and np.isfinite(value) else "—"


def _points(share: float, language: str) -> str:
    """A difference of shares in percentage points."""
    if share is None or not np.isfinite(share):
        return "—"
    return f"{labels.fmt_num(100 * share, 1, language)} {labels.t('campaign.pp', language)}"


_FORMATS = {"money": money, "pct": lambda v, lang: labels.fmt_pct(v, 1, lang), "pp": _points,
            "count": lambda v, lang: labels.fmt_num(v, 0, lang) if np.isfinite(v) else "—",
            "ratio": lambda v, lang: labels.fmt_pct(v, 0, lang)}


def interval(low: float, high: float, kind: str, language: str) -> str:
    """'[low; high]' in the unit of ``kind`` (money, pct, pp, count, ratio); '—' without a CI."""
    if low is None or not (np.isfinite(low) and np.isfinite(high)):
        return "—"
    fmt = _FORMATS[kind]
    return f"[{fmt(low, language)}; {fmt(high, language)}]"


def mark(state: str, language: str) -> str:
    """The report's word for a significance status."""
    return labels.t(f"campaign.{state}", language)


def group_label(group: str, language: str) -> str:
    """«по рассылке» / «без рассылки» for an arm code."""
    return labels.t(f"campaign.group.{group}", language)


def cell_labels(frame: pd.DataFrame, by: Sequence[str], language: str) -> pd.Series:
    """Readable cell names ('женщины, 25–44') from the ``by`` columns: gender, segment and channel codes translated,
    missing values shown as unknown."""
    parts = [value_labels(frame[col], col, language) for col in by]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + ", " + part
    return joined.rename("cell")


def value_labels(values: pd.Series, column: str, language: str) -> pd.Series:
    """Display values of a dimension column."""
    unknown = labels.t("campaign.unknown", language)
    text = values.astype(object)
    if column == "gender":
        text = text.map(lambda v: labels.t(f"campaign.gender.{v}", language) if v in ("M", "F") else v)
    elif column == "segment":
        text = text.map(lambda v: lifecycle.label([v], language)[0] if isinstance(v, str) else v)
    elif column == "channel":
        text = text.map(lambda v: labels.t(f"campaign.channel.{v}", language) if f"campaign.channel.{v}" in labels.LABELS else v)
    elif column == "group":
        text = text.map(lambda v: group_label(v, language) if v in (TREATMENT, CONTROL) else v)
    return text.where(pd.notna(values), unknown).astype(str)


def style(view: pd.DataFrame, language: str, states: pd.Series, muted: Sequence[str]) -> Styler:
    """``show`` of a display frame with the ``muted`` columns greyed on rows that are not significant."""
    styler = show(view, language)
    names = dict(zip(view.columns, labels.localize(view, language).columns))
    grey = pd.Series(states).ne(SIGNIFICANT).to_numpy()
    targets = [names[c] for c in muted if c in names]
    if targets:
        styler = styler.apply(lambda col: np.where(grey, MUTED, ""), subset=targets, axis=0)
    return styler


def accounting_view(accounting: pd.DataFrame, language: str) -> pd.DataFrame:
    """Contact rows → analysed customers, step by step."""
    return pd.DataFrame({"step": accounting["step"].map(lambda s: labels.t(f"campaign.acc.{s}", language)),
                         "count": accounting["count"].astype(int)})


def sizes_view(check: DesignCheck, language: str) -> pd.DataFrame:
    """Arm sizes, actual and planned shares."""
    sizes = check.sizes
    return pd.DataFrame({"group": sizes["group"].map(lambda g: group_label(g, language)), "clients": sizes["clients"],
                         "share": sizes["share"], "planned_share": sizes["planned_share"]})


def balance_view(balance: pd.DataFrame, language: str) -> pd.DataFrame:
    """Covariate balance: means per arm (₽ for revenue, shares for categories) and the standardized difference."""
    numeric = balance["level"].isna()
    covariate = balance["covariate"].map(lambda c: labels.t(f"campaign.dim.{c}", language))
    level = pd.Series([
        "" if pd.isna(lv) else value_labels(pd.Series([None if lv == "<missing>" else lv]), cov, language).iloc[0]
        for cov, lv in zip(balance["covariate"], balance["level"])], index=balance.index)

    def means(col: str) -> list[str]:
        return [money(v, language) if n else labels.fmt_pct(v, 1, language) for v, n in zip(balance[col], numeric)]

    return pd.DataFrame({"covariate": covariate, "level": level, "mean_treatment": means("mean_treatment"),
                         "mean_control": means("mean_control"),
                         "smd": balance["smd"].map(lambda v: labels.fmt_num(v, 3, language)),
                         "imbalanced": balance["imbalanced"].map({True: labels.t("campaign.imbalanced", language),
                                                                  False: ""})})


def arm_view(arms: pd.DataFrame, language: str) -> pd.DataFrame:
    """Per arm: clients, buyers, conversion, revenue, average check and revenue per client with CIs, cost."""
    return pd.DataFrame({
        "group": arms["group"].map(lambda g: group_label(g, language)),
        "clients": arms["clients"].astype(int), "campaign_buyers": arms["buyers"].astype(int),
        "conversion": arms["conversion"].map(lambda v: labels.fmt_pct(v, 1, language)),
        "conversion_ci": [interval(a, b, "pct", language) for a, b in zip(arms["conversion_ci_low"], arms["conversion_ci_high"])],
        "campaign_revenue": arms["revenue"].map(lambda v: money(v, language)),
        "average_check": arms["average_check"].map(lambda v: money(v, language)),
        "average_check_ci": [interval(a, b, "money", language)
                             for a, b in zip(arms["average_check_ci_low"], arms["average_check_ci_high"])],
        "revenue_per_client": arms["revenue_per_client"].map(lambda v: money(v, language)),
        "revenue_per_client_ci": [interval(a, b, "money", language) for a, b in
                                  zip(arms["revenue_per_client_ci_low"], arms["revenue_per_client_ci_high"])],
        "message_cost": arms["cost"].map(lambda v: money(v, language)) if "cost" in arms else "—",
    })


# metric → unit of its arm values and of its estimate
_METRIC_KINDS = {
    "conversion": ("pct", "pp"), "revenue_per_client": ("money", "money"), "revenue_per_client_lift": ("pct", "pct"),
    "average_check": ("money", "money"), "incremental_buyers": ("count", "count"), "effect": ("money", "money"),
    "effect_cuped": ("money", "money"), "effect_stratified": ("money", "money"), "effect_from_conversion": ("money", "money"),
    "effect_from_average_check": ("money", "money"), "cost": ("money", "money"), "profit": ("money", "money"),
    "roi": ("ratio", "ratio"),
}


def effect_view(effect: Effect, language: str) -> tuple[pd.DataFrame, pd.Series]:
    """The effect table for the report and each row's significance status (rows without a test: by their CI)."""
    t = effect.table
    kinds = [_METRIC_KINDS[m] for m in t["metric"]]
    excludes_zero = (t["ci_low"] > 0) | (t["ci_high"] < 0)
    by_ci = pd.Series(np.where(t["ci_low"].isna(), UNTESTED, np.where(excludes_zero, SIGNIFICANT, NOT_SIGNIFICANT)))
    states = status(t["p_value"], effect.alpha).where(t["p_value"].notna(), by_ci)

    def cell(value: float, kind: str) -> str:
        return _FORMATS[kind](value, language) if np.isfinite(value) else ""

    view = pd.DataFrame({
        "campaign_metric": t["metric"].map(lambda m: labels.t(f"campaign.metric.{m}", language)),
        "value_treatment": [cell(v, k[0]) for v, k in zip(t["treatment"], kinds)],
        "value_control": [cell(v, k[0]) for v, k in zip(t["control"], kinds)],
        "estimate": [cell(v, k[1]) for v, k in zip(t["estimate"], kinds)],
        "ci": [interval(a, b, k[1], language) for a, b, k in zip(t["ci_low"], t["ci_high"], kinds)],
        "p_value": t["p_value"].map(lambda p: p_text(p, language)),
        "significance": [mark(s, language) if s != UNTESTED else "" for s in states],
    })
    return view, states


def subgroup_view(table: pd.DataFrame, by: Sequence[str], language: str) -> pd.DataFrame:
    """The stakeholders' cell table: «без рассылки» vs «по рассылке» figures, effect ₽ with CI, BH-adjusted p."""
    out = pd.DataFrame({"cell": cell_labels(table, by, language)})
    for arm in (CONTROL, TREATMENT):
        out[f"clients_{arm}"] = table[f"clients_{arm}"].astype(int)
        out[f"buyers_{arm}"] = table[f"buyers_{arm}"].astype(int)
        out[f"conversion_{arm}"] = table[f"conversion_{arm}"].map(lambda v: labels.fmt_pct(v, 1, language))
        out[f"average_check_{arm}"] = table[f"average_check_{arm}"].map(lambda v: money(v, language))
        out[f"revenue_{arm}"] = table[f"revenue_{arm}"].map(lambda v: money(v, language))
    out["effect"] = table["effect"].map(lambda v: money(v, language))
    out["ci"] = [interval(a, b, "money", language) for a, b in zip(table["effect_ci_low"], table["effect_ci_high"])]
    out["p_value_bh"] = table["p_value_bh"].map(lambda p: p_text(p, language))
    out["significance"] = table["status"].map(lambda s: mark(s, language))
    return out


def channel_view(channels: pd.DataFrame, language: str, alpha: float) -> tuple[pd.DataFrame, pd.Series]:
    """Per channel: Δ conversion and effect ₽ with CIs and Holm-adjusted p."""
    states = status(channels["effect_p_holm"], alpha)
    view = pd.DataFrame({
        "channel": value_labels(channels["channel"], "channel", language),
        "clients_treatment": channels["clients_treatment"].astype(int),
        "clients_control": channels["clients_control"].astype(int),
        "conversion_diff": channels["conversion_diff"].map(lambda v: _points(v, language)),
        "conversion_ci": [interval(a, b, "pp", language) for a, b in
                          zip(channels["conversion_diff_ci_low"], channels["conversion_diff_ci_high"])],
        "conversion_p_holm": channels["conversion_p_holm"].map(lambda p: p_text(p, language)),
        "effect": channels["effect"].map(lambda v: money(v, language)),
        "ci": [interval(a, b, "money", language) for a, b in zip(channels["effect_ci_low"], channels["effect_ci_high"])],
        "effect_p_holm": channels["effect_p_holm"].map(lambda p: p_text(p, language)),
        "significance": states.map(lambda s: mark(s, language)),
    })
    return view, states


def funnel_states(funnel: pd.DataFrame, alpha: float) -> pd.Series:
    """Significance of each funnel row's ITT: channel rows by Holm-adjusted p across channels, the total row as is."""
    total = (funnel["channel"] == campaign.ALL_CHANNELS).to_numpy()
    p = funnel["itt_p_value"].astype(float).copy()
    p[~total] = effect_stats.adjust_p_values(p[~total], "holm").to_numpy()
    return status(p, alpha)


def funnel_view(funnel: pd.DataFrame, language: str, alpha: float) -> tuple[pd.DataFrame, pd.Series]:
    """Sent → delivered → read per channel, the ITT per client and the (secondary) effect on delivered clients;
    significance as ``funnel_states``."""
    states = funnel_states(funnel, alpha)
    view = pd.DataFrame({
        "channel": funnel["channel"].map(lambda c: value_labels(pd.Series([c]), "channel", language).iloc[0]
                                         if c != campaign.ALL_CHANNELS else labels.t("campaign.channel.all", language)),
        "sent": funnel["sent"].astype(int), "delivered_share": funnel["delivered_share"],
        "read_share": funnel["read_share"],
        "itt": funnel["itt"].map(lambda v: money(v, language)),
        "itt_ci": [interval(a, b, "money", language) for a, b in zip(funnel["itt_ci_low"], funnel["itt_ci_high"])],
        "effect_on_delivered": funnel["effect_on_delivered"].map(lambda v: money(v, language)),
        "effect_on_delivered_ci": [interval(a, b, "money", language) for a, b in
                                   zip(funnel["effect_on_delivered_ci_low"], funnel["effect_on_delivered_ci_high"])],
        "significance": states.map(lambda s: mark(s, language)),
    })
    return view, states


def planning_view(plan: pd.DataFrame, language: str) -> pd.DataFrame:
    """Control share → group sizes, detectable effects, required control size for the target effect."""
    need = plan["required_control"].map(lambda v: labels.fmt_int(v, language) if np.isfinite(v)
                                        else labels.t("campaign.unreachable", language) if v == np.inf else "—")
    return pd.DataFrame({
        "control_share": plan["control_share"], "clients_treatment": plan["clients_treatment"],
        "clients_control": plan["clients_control"],
        "mde_revenue_per_client": plan["mde_revenue_per_client"].map(lambda v: money(v, language)),
        "mde_revenue_per_client_cuped": plan["mde_revenue_per_client_cuped"].map(lambda v: money(v, language)),
        "mde_effect": plan["mde_effect"].map(lambda v: money(v, language)),
        "mde_conversion": plan["mde_conversion"].map(lambda v: _points(v, language)),
        "required_control": need, "enough": plan["enough"],
        "forgone_revenue": plan["forgone_revenue"].map(lambda v: money(v, language)),
    })


def truth_view(check: pd.DataFrame, by: Sequence[str], language: str) -> pd.DataFrame:
    """Estimated effect ₽ with CI beside the true effect, and whether the CI covers it."""
    cell = cell_labels(check, by, language) if by else pd.Series([labels.t("campaign.overall", language)] * len(check))
    covered = check["covered"].map(lambda v: "—" if pd.isna(v) else ("✓" if v else "✗"))
    return pd.DataFrame({
        "cell": cell.to_numpy(), "effect": check["effect"].map(lambda v: money(v, language)).to_numpy(),
        "ci": [interval(a, b, "money", language) for a, b in zip(check["effect_ci_low"], check["effect_ci_high"])],
        "true_effect": check["true_effect"].map(lambda v: money(v, language)).to_numpy(),
        "true_effect_per_client": check["true_effect_per_client"].map(lambda v: money(v, language)).to_numpy(),
        "covered": covered.to_numpy(),
    })


def headline_text(effect: Effect, language: str) -> str:
    """The report's first sentence: effect ₽ with CI, significant or not, profit and ROI; observational when so."""
    h = effect.headline
    figures = {
        "effect": money(h["effect"], language), "low": money(h["effect_ci_low"], language),
        "high": money(h["effect_ci_high"], language), "p": p_text(h["p_value"], language),
        "level": labels.fmt_num(100 * (1 - effect.alpha), 0, language),
        "margin": labels.fmt_pct(effect.margin, 0, language), "cost": money(h["cost"], language),
        "profit": money(h["profit"], language), "profit_low": money(h["profit_ci_low"], language),
        "profit_high": money(h["profit_ci_high"], language), "roi": _FORMATS["ratio"](h["roi"], language),
    }
    key = "campaign.headline_significant" if h["significant"] else "campaign.headline_not_significant"
    text = labels.text(key, language, **figures)
    return (labels.text("campaign.observational_prefix", language) + " " + text) if h["observational"] else text


def scope_text(data: CampaignData, window_days: int, pre_days: int, language: str) -> str:
    """Which campaigns, when they were sent, the outcome window and the pre-period."""
    return labels.text("campaign.scope_text", language, campaigns=", ".join(map(str, data.send_dates.index)),
                       send=", ".join(d.strftime("%Y-%m-%d %H:%M") for d in data.send_dates),
                       window=str(window_days), pre=str(pre_days))


def collapse_text(data: CampaignData, language: str) -> str:
    """The one-row-per-customer rule and how many customers sat in both arms."""
    both = int(data.accounting.set_index("step").loc["both_arms", "count"])
    return labels.text("campaign.collapse_text", language, both=labels.fmt_int(both, language))


def srm_text(check: DesignCheck, language: str) -> str:
    """Group sizes against the plan, in a sentence."""
    share = labels.fmt_pct(float(check.sizes.set_index("group").loc[CONTROL, "share"]), 1, language)
    if check.srm is None:
        return labels.text("campaign.srm_skipped", language, share=share)
    planned = labels.fmt_pct(float(check.sizes.set_index("group").loc[CONTROL, "planned_share"]), 1, language)
    key = "campaign.srm_failed" if check.srm_failed else "campaign.srm_ok"
    return labels.text(key, language, share=share, planned=planned, chi2=labels.fmt_num(check.srm.statistic, 2, language),
                       p=p_text(check.srm.p_value, language))


def balance_text(check: DesignCheck, language: str) -> str:
    """Whether the arms were alike before sending; the imbalanced covariates by name."""
    threshold = labels.fmt_num(check.balance_threshold, 2, language)
    bad = check.balance[check.balance["imbalanced"]]
    if bad.empty:
        return labels.text("campaign.balance_ok", language, threshold=threshold)
    view = balance_view(bad, language)
    items = "; ".join(f"{c}{' — ' + lv if lv else ''} ({smd})" for c, lv, smd in zip(view["covariate"], view["level"], view["smd"]))
    return labels.text("campaign.balance_bad", language, count=str(len(bad)), levels=str(len(check.balance)),
                       threshold=threshold, items=items)


def design_text(effect: Effect, strata: Sequence[str], language: str) -> str:
    """Randomized: the difference is the effect. Otherwise the stratified, observational estimate, said plainly."""
    if effect.stratified is None:
        return labels.text("campaign.randomized_text", language)
    h = effect.headline
    names = ", ".join(labels.t(f"campaign.dim.{s}", language).lower() for s in strata)
    return labels.text("campaign.observational_text", language, strata=names,
                       coverage=labels.fmt_pct(effect.stratified.treated_coverage, 0, language),
                       effect=money(h["effect"], language), low=money(h["effect_ci_low"], language),
                       high=money(h["effect_ci_high"], language))


def cuped_text(effect: Effect, language: str) -> str:
    """Variance reduction achieved by CUPED and the conversion / average-check split of the effect."""
    rows, c, n = effect.table.set_index("metric"), effect.cuped, effect.treated
    return labels.text(
        "campaign.cuped_text", language, reduction=labels.fmt_pct(c.variance_reduction, 1, language),
        effect=money(c.difference * n, language), low=money(c.ci_low * n, language), high=money(c.ci_high * n, language),
        raw_low=money(c.unadjusted_ci_low * n, language), raw_high=money(c.unadjusted_ci_high * n, language),
        from_conversion=money(rows.loc["effect_from_conversion", "estimate"], language),
        from_check=money(rows.loc["effect_from_average_check", "estimate"], language))


def channels_text(channels: pd.DataFrame, language: str) -> str:
    """How channels were compared and corrected for multiplicity."""
    scope = labels.t(f"campaign.scope.{channels['control_scope'].iloc[0]}", language)
    return labels.text("campaign.channels_text", language, scope=scope, n=str(len(channels)))


def planning_text(plan: pd.DataFrame, clients: int, power: float, alpha: float, language: str) -> str:
    """What the planning table answers; says so when there is no positive effect to plan for."""
    target = plan.attrs.get("target_per_client", np.nan)
    if not target > 0:
        return labels.text("campaign.planning_no_target", language)
    return labels.text("campaign.planning_text", language, clients=labels.fmt_int(clients, language),
                       power=labels.fmt_pct(power, 0, language), level=labels.fmt_num(100 * (1 - alpha), 0, language),
                       target=money(target, language))


def truth_text(overall: pd.DataFrame, cells: pd.DataFrame, language: str) -> str:
    """The overall estimate against the truth, and how many tested cells the intervals cover."""
    row = overall.iloc[0]
    covers = labels.t("campaign.covers" if row["covered"] else "campaign.misses", language)
    share = row["truth_clients"] / row["clients_treatment"] if row["clients_treatment"] else np.nan
    text = labels.text("campaign.truth_text", language, truth=money(row["true_effect"], language),
                       effect=money(row["effect"], language), low=money(row["effect_ci_low"], language),
                       high=money(row["effect_ci_high"], language), covers=covers,
                       share=labels.fmt_pct(share, 1, language))
    tested = cells["covered"].notna()
    cover = labels.text("campaign.truth_cells_text", language, covered=str(int(cells.loc[tested, "covered"].astype(bool).sum())),
                        tested=str(int(tested.sum())))
    return text + " " + cover


# ====================================================================================== figures


def forest_plot(table: pd.DataFrame, by: Sequence[str], language: str, truth: pd.DataFrame | None = None) -> Figure:
    """Effect per treated client with CI per cell; grey when not significant, pale without a test (small cell);
    red crosses mark the true effect per client when ``truth`` (``true_effects`` output) is given. Cells missing
    one of the arms have no estimate and are left out."""
    table = table[(table["clients_treatment"] > 0) & (table["clients_control"] > 0)].reset_index(drop=True)
    names = cell_labels(table, by, language).to_numpy()
    y = np.arange(len(table))[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.4))
    for state, colour in _COLOURS.items():
        rows = (table["status"] == state).to_numpy()
        if not rows.any():
            continue
        est = table["effect_per_client"].to_numpy(dtype=float)[rows]
        low = table["effect_per_client_ci_low"].to_numpy(dtype=float)[rows]
        high = table["effect_per_client_ci_high"].to_numpy(dtype=float)[rows]
        err = np.vstack([est - low, high - est]) if state != UNTESTED else None
        ax.errorbar(est, y[rows], xerr=err, fmt="o", color=colour, ecolor=colour, capsize=3,
                    mfc="white" if state == UNTESTED else colour, label=mark(state, language))
    if truth is not None:
        merged = table[list(by)].merge(truth[[*by, "true_effect_per_client"]], on=list(by), how="left")
        ax.plot(merged["true_effect_per_client"].to_numpy(dtype=float), y, "x", color="#c0392b", markersize=8,
                label=labels.t("campaign.true_effect", language))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, names)
    ax.set_xlabel(labels.t("campaign.effect_per_client_axis", language))
    ax.grid(axis="y", visible=False)
    _legend_below(fig, ax, ncol=4)
    return fig


def funnel_chart(funnel: pd.DataFrame, language: str) -> Figure:
    """Sent, delivered and read shares per channel (bars; sent = 100 %)."""
    rows = funnel[funnel["channel"] != campaign.ALL_CHANNELS]
    names = value_labels(rows["channel"], "channel", language).to_numpy()
    steps = [("sent", np.ones(len(rows))), ("delivered_share", rows["delivered_share"].to_numpy(dtype=float)),
             ("read_share", rows["read_share"].to_numpy(dtype=float))]
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, (step, share) in enumerate(steps):
        bars = ax.bar(x + (i - 1) * 0.27, 100 * share, width=0.27, label=labels.t(f"campaign.funnel.{step}", language))
        ax.bar_label(bars, labels=[labels.fmt_num(100 * s, 0, language) for s in share], fontsize=8)
    ax.set_xticks(x, names)
    ax.set_ylabel("%")
    ax.set_ylim(0, 112)
    ax.set_title(labels.t("campaign.funnel.title", language))
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def delivered_chart(funnel: pd.DataFrame, language: str, alpha: float) -> Figure:
    """Secondary figure: ITT per client (circles) and the effect per delivered client (squares) per channel, with
    CIs; grey when the ITT is not significant (``funnel_states``)."""
    y = np.arange(len(funnel))[::-1]
    names = [labels.t("campaign.channel.all", language) if c == campaign.ALL_CHANNELS
             else value_labels(pd.Series([c]), "channel", language).iloc[0] for c in funnel["channel"]]
    significant = (funnel_states(funnel, alpha) == SIGNIFICANT).to_numpy()
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(funnel) + 1.4))
    for offset, prefix, marker, colour in ((0.12, "itt", "o", "#1f6fb4"), (-0.12, "effect_on_delivered", "s", "#e67e22")):
        est = funnel[prefix].to_numpy(dtype=float)
        err = np.vstack([est - funnel[f"{prefix}_ci_low"].to_numpy(dtype=float),
                         funnel[f"{prefix}_ci_high"].to_numpy(dtype=float) - est])
        for rows, shade in ((significant, colour), (~significant, _COLOURS[NOT_SIGNIFICANT])):
            if rows.any():
                ax.errorbar(est[rows], y[rows] + offset, xerr=err[:, rows], fmt=marker, color=shade, capsize=3,
                            label=labels.t(f"campaign.{prefix}", language) + ("" if shade == colour else
                                                                              f" ({mark(NOT_SIGNIFICANT, language)})"))
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, names)
    ax.set_xlabel(labels.t("campaign.effect_per_client_axis", language))
    ax.grid(axis="y", visible=False)
    _legend_below(fig, ax, ncol=2)
    return fig


def _legend_below(fig: Figure, ax: plt.Axes, ncol: int) -> None:
    """The axes' legend centred under the figure, outside the data."""
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=ncol, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, (0.25 + 0.2 * np.ceil(len(names) / ncol)) / fig.get_figheight(), 1, 1))
