"""Tests of the lifecycle report: thresholds choice, coverage, client card, matrix figures and tables, dynamics, RFM."""
from __future__ import annotations

import datetime as dt

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from analysis import labels
from analysis import lifecycle_report as report
from analysis.customer_metrics import customer_metrics, purchases, receipt_events
from analysis.kpis import monthly_kpis
from analysis.lifecycle import PRESETS, SEGMENTS, Thresholds, auto_thresholds, segment, sensitivity, transitions
from analysis.rfm import RfmClusters, rfm_clusters, rfm_scores, rfm_segments

matplotlib.use("Agg")
AS_OF = dt.date(2024, 6, 30)
TH = Thresholds(k_regular=3, r1_days=30, r2_days=90)
STRATEGIES = {code: {"ru": f"стратегия {code}", "en": f"strategy {code}"} for code in SEGMENTS[:9]}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def receipts() -> pd.DataFrame:
    """a: 5 purchases, last 5 days ago; b: 2, last 60 days ago; c: 1, long ago; d: a sale fully returned; 2 anonymous."""
    rows = [("a", f"a{i}", f"2024-0{i + 2}-25", 100.0 * (i + 1), False, None) for i in range(5)]
    rows += [("b", "b1", "2024-03-01", 300.0, False, None), ("b", "b2", "2024-05-01", 500.0, False, None),
             ("c", "c1", "2024-01-10", 1000.0, False, None),
             ("d", "d1", "2024-06-01", 400.0, False, None), ("d", "d2", "2024-06-02", -400.0, True, "d1"),
             (None, "x1", "2024-06-10", 50.0, False, None), (None, "x2", "2024-06-11", 150.0, False, None)]
    frame = pd.DataFrame(rows, columns=["customer_key", "receipt_id", "datetime", "amount", "is_return", "return_of"])
    return frame.assign(datetime=pd.to_datetime(frame["datetime"]))


@pytest.fixture
def segmented(receipts: pd.DataFrame) -> pd.DataFrame:
    return segment(customer_metrics(receipts, AS_OF), TH)


def _random_metrics(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    count = rng.integers(1, 12, n)
    frame = pd.DataFrame({
        "purchases": count, "recency_days": rng.integers(0, 400, n).astype(float),
        "revenue": count * rng.uniform(500, 5000, n),
    }, index=pd.Index([f"k{i:06d}" for i in range(n)], name="customer_key"))
    return frame


# ---------------------------------------------------------------- thresholds, coverage, summary

def test_choose_thresholds_presets_auto_with_settings_and_bad_name(receipts):
    bought = purchases(receipts)
    assert report.choose_thresholds("b2b", bought) == PRESETS["b2b"]
    settings = {"q1": 0.5, "q2": 0.9, "k_quantile": 0.5, "min_k": 2}
    assert report.choose_thresholds("auto", bought, settings) == auto_thresholds(bought, **settings)
    with pytest.raises(ValueError, match="lifecycle.thresholds.*retail, ecommerce, b2b, auto"):
        report.choose_thresholds("grocery", bought)


def test_thresholds_table_marks_the_choice_and_lists_auto_only_when_chosen():
    table = report.thresholds_table("retail", PRESETS["retail"], "ru")
    assert table["chosen"].tolist() == [True, False, False]
    assert table.loc[0, "k_regular"] == 3 and table.loc[0, "r2_days"] == 180
    chosen = Thresholds(5, 40, 100)
    auto = report.thresholds_table("auto", chosen, "en", {"q1": 0.7})
    assert auto["chosen"].tolist() == [False, False, False, True]
    assert auto.iloc[-1][["k_regular", "r1_days", "r2_days"]].tolist() == [5, 40, 100]
    assert "70%" in auto.iloc[-1]["description"] and "95%" in auto.iloc[-1]["description"]  # q2 from the default


def test_coverage_counts_anonymous_receipts_and_customers_by_status(receipts):
    metrics = customer_metrics(receipts, AS_OF)
    golden = pd.DataFrame({"customer_key": ["a", "b", "c", "d", "e", "f"]})
    cover = report.coverage(receipts, metrics, golden)
    assert cover["anonymous_receipts"] == 2 and cover["receipts"] == len(receipts)
    assert cover["anonymous_revenue_share"] == pytest.approx(200 / receipts["amount"].sum())
    assert (cover["customers"], cover["buyers"], cover["all_returned"], cover["never_bought"]) == (4, 3, 1, 2)
    assert np.isnan(report.coverage(receipts, metrics)["never_bought"])


def test_purchases_until_ignores_receipts_and_returns_after_as_of(receipts):
    late_return = pd.DataFrame({"customer_key": ["c"], "receipt_id": ["c2"], "datetime": pd.to_datetime(["2024-07-02"]),
                                "amount": [-1000.0], "is_return": [True], "return_of": ["c1"]})
    frame = pd.concat([receipts, late_return], ignore_index=True)
    assert "c1" not in purchases(frame)["receipt_id"].tolist()
    assert "c1" in report.purchases_until(frame, AS_OF)["receipt_id"].tolist()
    assert report.purchases_until(frame, dt.date(2024, 2, 28))["receipt_id"].tolist() == ["a0", "c1"]
    events = receipt_events(frame)  # built on every receipt: not reused while some are after as_of
    pd.testing.assert_frame_equal(report.purchases_until(frame, AS_OF, events), report.purchases_until(frame, AS_OF))


def test_purchases_until_reuses_events_and_keeps_the_columns_asked(receipts):
    events = receipt_events(receipts)
    pd.testing.assert_frame_equal(report.purchases_until(receipts, AS_OF, events), report.purchases_until(receipts, AS_OF))
    lean = report.purchases_until(receipts, AS_OF, events, columns=["customer_key", "datetime"])
    assert lean.columns.tolist() == ["customer_key", "datetime", "returned", "net_amount"]
    pd.testing.assert_frame_equal(monthly_kpis(lean), monthly_kpis(report.purchases_until(receipts, AS_OF)))


def test_metrics_summary_covers_buyers_only_and_formats_by_metric(receipts):
    summary = report.metrics_summary(customer_metrics(receipts, AS_OF), "ru")
    purchases_row = summary.iloc[0]
    assert purchases_row["metric"] == "Покупок"
    assert purchases_row["median"] == "2,0"  # buyers a, b, c have 5, 2, 1 purchases; d (all returned) left out
    assert summary.iloc[1]["mean"] == labels.fmt_num((1500 + 800 + 1000) / 3, 0, "ru")


# ---------------------------------------------------------------- client card

def test_card_key_picks_the_top_buyer_with_ties_broken_by_revenue_then_key():
    metrics = pd.DataFrame({"purchases": [3, 5, 5, 5], "revenue": [900.0, 100.0, 300.0, 300.0]},
                           index=pd.Index(["z", "a", "c", "b"], name="customer_key"))
    assert report.card_key(metrics) == "b"
    assert report.card_key(metrics, "z") == "z"
    with pytest.raises(ValueError, match="lifecycle.client_card_key"):
        report.card_key(metrics, "nobody")


def test_client_card_masks_the_key_and_formats_values(segmented):
    contacts = pd.DataFrame({"customer_key": ["a", "a", "b"],
                             "sent_at": pd.to_datetime(["2024-05-01", "2024-06-15", "2024-06-20"])})
    card = report.client_card_table(segmented.rename(index={"a": "K000123"}), "K000123", "ru",
                                    contacts.replace({"a": "K000123"}))
    values = dict(zip(card["field"], card["value"]))
    assert values["Ключ клиента"] == "K******"
    assert "K000123" not in card["value"].tolist()
    assert values["Сегмент"] == "Постоянные активные"
    assert values["Покупок"] == "5" and values["Последняя покупка"] == "2024-06-25"
    assert values["Последний контакт"] == "2024-06-15"
    facts = report.card_facts(segmented, "a", False, "en")
    assert facts == {"how": labels.t("lifecycle.card_top_buyer", "en"), "purchases": "5", "days": "5", "segment": "Regular active"}
    english = report.client_card_table(segmented, "d", "en")
    assert dict(zip(english["field"], english["value"]))["First purchase"] == "—"  # everything returned


# ---------------------------------------------------------------- the matrix

def test_segment_heatmap_shows_count_and_share_per_cell_with_bounds_in_ticks(segmented):
    ax = report.segment_heatmap(segmented, TH, "ru").axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9
    assert texts[6] == f"1\n({labels.fmt_pct(1 / 3, 1, 'ru')})"  # regular_active: a, one of three buyers
    assert texts[4] == "1\n(33,3\u00a0%)"  # prospective_falling_asleep: b (60 days)
    assert texts[0] == "0\n(0,0\u00a0%)"
    assert "дней: 31–90" in ax.get_xticklabels()[1].get_text()
    assert "покупок: > 3" in ax.get_yticklabels()[2].get_text()


def test_matrix_facts_leave_customers_without_purchases_out(segmented):
    facts = report.matrix_facts(segmented, "en")
    assert facts["largest_share"] == "33.3%" and facts["no_purchases"] == "1"
    assert facts["active_share"] == "33.3%" and facts["regular_share"] == "33.3%"  # a of a, b, c; d not counted
    cover = report.coverage_facts(pd.Series({"customers": 4, "buyers": 3, "all_returned": 1, "never_bought": np.nan,
                                             "anonymous_receipts": 2, "anonymous_revenue_share": 0.05}), AS_OF, "ru")
    assert cover["as_of"] == "2024-06-30" and cover["never_bought"] == "—" and cover["anonymous_share"] == "5,0\u00a0%"


def test_figures_draw_aggregates_not_customers():
    many = segment(_random_metrics(30_000), TH)
    for fig in (report.segment_heatmap(many, TH, "en"), report.spend_chart(many, "en"),
                report.money_heatmaps(many, TH, "en"), report.rfm_heatmap(rfm_scores(many), "en")):
        assert sum(len(ax.get_children()) for ax in fig.axes) < 200


def test_strategy_table_in_matrix_order_with_the_language_text(segmented):
    table = report.strategy_table(segmented, STRATEGIES, "en")
    assert table["segment"].tolist()[6] == "Regular active" and len(table) == 9
    assert table["strategy"].tolist()[6] == "strategy regular_active"
    assert table["buyers"].sum() == 3 and table["buyers_share"].sum() == pytest.approx(1)
    assert table["revenue_share"].iloc[6] == pytest.approx(1500 / 3300)
    facts = report.strategy_facts(table, "en")
    assert facts["priority"] == "Regular falling asleep" and facts["priority_customers"] == "0"
    broken = {**STRATEGIES, "new_asleep": {"ru": "только по-русски"}}
    with pytest.raises(ValueError, match="lifecycle.strategies.new_asleep.en"):
        report.strategy_table(segmented, broken, "en")


def test_money_and_spend_facts(segmented):
    money = report.money_facts(segmented, "ru")
    assert money["top"] == "Постоянные активные" and money["best_check"] == "Новые уснувшие"
    assert money["avg_check"] == labels.fmt_int(3300 / 8, "ru")
    spend = report.spend_facts(segmented, "en", (0.5, 0.9))
    assert spend["low"] == labels.fmt_int(np.quantile([1500, 800, 1000], 0.5), "en")


def test_sensitivity_table_matches_the_engine_and_measures_the_swing():
    metrics = _random_metrics(500)
    table = report.sensitivity_table(metrics, TH, "en", 0.2)
    long = sensitivity(metrics, TH, (0.8, 1.0, 1.2)).set_index(["r_factor", "k_factor", "segment"])["customers"]
    assert table.columns[1] == "Current thresholds (k=3, R1=30, R2=90)"
    assert table.columns[2] == "R1 and R2 −20% (24 / 72 days)" and table.columns[5] == "k +20% (k=4)"
    cells = list(SEGMENTS[:9])
    assert table.iloc[:, 1].tolist() == [long[(1.0, 1.0, c)] for c in cells]
    assert table.iloc[:, 4].tolist() == [long[(1.0, 0.8, c)] for c in cells]
    sizes = table.iloc[:, 1:6].to_numpy(float)
    expected = np.abs(sizes[:, 1:] - sizes[:, :1]).max(axis=1) / sizes[:, 0]
    np.testing.assert_allclose(table["swing_share"], expected)
    facts = report.sensitivity_facts(table, 0.2, "en")
    assert facts["most"] == table.loc[table["swing_share"].idxmax(), "segment"]
    with pytest.raises(ValueError, match="lifecycle.sensitivity"):
        report.sensitivity_table(metrics, TH, "en", 1.5)


# ---------------------------------------------------------------- dynamics and KPIs

def test_snapshot_dates_and_previous_month_end():
    assert report.snapshot_dates("2024-06-30", 3) == [dt.date(2024, 4, 30), dt.date(2024, 5, 31), dt.date(2024, 6, 30)]
    assert report.snapshot_dates("2024-06-12", 2) == [dt.date(2024, 4, 30), dt.date(2024, 5, 31), dt.date(2024, 6, 12)]
    assert report.previous_month_end("2024-06-30") == dt.date(2024, 5, 31)
    assert report.previous_month_end("2024-06-12") == dt.date(2024, 5, 31)


def _snapshots() -> pd.DataFrame:
    rows = [("2024-05-31", "a", "new_active"), ("2024-05-31", "b", "regular_active"),
            ("2024-05-31", "c", "prospective_asleep"), ("2024-06-30", "a", "new_falling_asleep"),
            ("2024-06-30", "b", "regular_active"), ("2024-06-30", "c", "prospective_active"),
            ("2024-06-30", "d", "new_active")]
    frame = pd.DataFrame(rows, columns=["snapshot_date", "customer_key", "segment"])
    return frame.assign(snapshot_date=pd.to_datetime(frame["snapshot_date"]),
                        segment=pd.Categorical(frame["segment"], categories=list(SEGMENTS)))


def test_segment_sizes_count_customers_per_snapshot_and_segment():
    sizes = report.segment_sizes(_snapshots())
    assert list(sizes.columns) == list(SEGMENTS) and len(sizes) == 2
    assert sizes.loc["2024-06-30", "new_active"] == 1 and sizes.loc["2024-05-31", "prospective_asleep"] == 1
    assert sizes.sum(axis=1).tolist() == [3, 4]
    ax = report.segment_area_chart(sizes, "ru").axes[0]
    assert len(ax.collections) == 9
    assert report.dynamics_facts(sizes, "en")["active_end"] == "75.0%"  # b, c, d of four


def test_transition_summary_counts_drift_reactivation_and_newcomers():
    money = pd.Series({"a": 100.0, "b": 200.0, "c": 300.0})
    moves = transitions(_snapshots(), "2024-05-31", "2024-06-30", revenue=money)
    summary = report.transition_summary(moves)
    assert summary.to_dict() == {"drifted": 1.0, "drifted_revenue": 100.0, "reactivated": 1.0, "joined": 1.0}
    fig = report.transition_heatmap(moves, "2024-05-31", "2024-06-30", "en")
    assert len(fig.axes) == 2 and fig.axes[0].get_ylabel() == "Segment on 2024-05-31"
    assert np.isnan(report.transition_summary(transitions(_snapshots(), "2024-05-31", "2024-06-30"))["drifted_revenue"])


def test_complete_months_drops_partial_edges_then_keeps_the_last_months():
    kpis = pd.DataFrame({"x": range(6)}, index=pd.period_range("2024-01", periods=6, freq="M", name="month"))
    kept = report.complete_months(kpis, "2024-01-15", "2024-06-20", 24)
    assert [str(p) for p in kept.index] == ["2024-02", "2024-03", "2024-04", "2024-05"]
    assert [str(p) for p in report.complete_months(kpis, "2024-01-01", "2024-06-30", 2).index] == ["2024-05", "2024-06"]


def test_cohort_table_drops_partial_cohorts_and_blanks_cells_in_the_partial_month():
    counts = pd.DataFrame([[10, 5, 4, 3], [20, 10, 8, np.nan], [8, 2, np.nan, np.nan], [4, np.nan, np.nan, np.nan]],
                          index=pd.period_range("2024-01", periods=4, freq="M", name="cohort"), dtype=float)
    table = report.cohort_table(counts, "2024-01-01", "2024-04-15", cohorts=24, months=2)
    assert [str(p) for p in table.index] == ["2024-01", "2024-02", "2024-03"]
    assert list(table.columns) == [0, 1, 2, "size"] and table["size"].tolist() == [10, 20, 8]
    assert table.loc[pd.Period("2024-01", "M"), 2] == pytest.approx(0.4)
    assert np.isnan(table.loc[pd.Period("2024-02", "M"), 2])  # falls in April, not complete on 2024-04-15
    assert np.isnan(table.loc[pd.Period("2024-03", "M"), 1])
    assert report.cohort_facts(table, "en")["m1"] == labels.fmt_pct((5 + 10) / 30, 1, "en")
    heat = report.cohort_heatmap(table, "ru").axes[0]  # March has no complete later month: no row
    assert [t.get_text() for t in heat.get_yticklabels()] == ["2024-01 (n=10)", "2024-02 (n=20)"]


def test_kpi_chart_has_one_titled_panel_per_kpi(receipts):
    kpis = monthly_kpis(purchases(receipts))
    fig = report.kpi_chart(kpis, "en")
    assert [ax.get_title() for ax in fig.axes] == [labels.t(f"lifecycle.kpi_{k}", "en") for k in report.KPI_PANELS]
    facts = report.kpi_facts(kpis, 1, "ru")
    assert facts["month"] == "2024-06" and facts["new"] == "0"


# ---------------------------------------------------------------- RFM, clusters, ABC/XYZ, headlines

def test_rfm_heatmap_and_segment_table_account_for_every_buyer():
    metrics = _random_metrics(300)
    scores = rfm_segments(rfm_scores(metrics))
    ax = report.rfm_heatmap(scores, "ru").axes[0]
    assert sum(int(t.get_text().replace("\u202f", "")) for t in ax.texts if t.get_text()) == 300
    table = report.rfm_segment_table(scores, "en")
    assert table["buyers"].sum() == 300 and table["revenue_share"].sum() == pytest.approx(1)
    assert table["revenue"].is_monotonic_decreasing
    facts = report.rfm_facts(table, "en")
    assert facts["top_revenue"] == table.loc[0, "rfm_segment"]


def test_cluster_table_profiles_and_main_lifecycle_segment():
    metrics = _random_metrics(300)
    seg = segment(metrics, TH)
    with threadpool_limits(1):
        clusters = rfm_clusters(metrics, k=3)
    table = report.cluster_table(clusters, seg, "ru")
    assert table["cluster"].tolist() == [1, 2, 3] and table["buyers"].sum() == 300
    assert table["revenue_mean"].is_monotonic_decreasing
    first = clusters.labels[clusters.labels == 1].index
    top = seg.loc[first, "segment_ru"].value_counts()
    assert top[table.loc[0, "main_segment"]] == top.iloc[0]
    assert table.loc[0, "main_segment_share"] == pytest.approx(top.iloc[0] / len(first))
    facts = report.cluster_facts(clusters, (3, 8), True, "en")
    assert facts["k"] == "3" and facts["how"] == labels.t("lifecycle.k_fixed", "en")


def test_abc_xyz_table_counts_and_revenue_shares():
    classes = pd.DataFrame({
        "revenue": [800.0, 100.0, 60.0, 40.0],
        "abc": pd.Categorical(["A", "B", "C", "C"]),
        "xyz": pd.Categorical(["X", "Z", None, "Z"]),
    })
    table = report.abc_xyz_table(classes)
    assert table["abc"].tolist() == ["A", "B", "C"]
    assert table[["xyz_X", "xyz_Y", "xyz_Z", "xyz_none"]].to_numpy().tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]
    assert table["revenue_share"].tolist() == pytest.approx([0.8, 0.1, 0.1])
    facts = report.abc_facts(table, {"a": 0.8, "b": 0.95, "x": 1.0, "y": 2.0}, "ru")
    assert facts["a_customers"] == "1" and facts["a_share"] == "25,0\u00a0%" and facts["x"] == "1,0"


def test_headlines_for_the_index_page(segmented):
    kpis = pd.DataFrame({"churn": [0.4, 0.25, np.nan]})
    assert report.headlines(segmented, kpis, "en") == {
        "lifecycle.active_customers": "1", "lifecycle.regular_share": "33.3%", "lifecycle.churn_last_month": "25.0%",
    }


def test_customer_segments_table_for_later_stages(segmented):
    buyers = segmented[segmented["purchases"] > 0].index
    scores = pd.DataFrame({"R": [5, 3, 1], "F": [5, 3, 1], "M": [5, 2, 3], "rfm_segment": ["champions", "need_attention", "lost"]},
                          index=buyers).astype({"R": "int8", "F": "int8", "M": "int8"})
    clusters = RfmClusters(pd.Series([1, 2, 2], index=buyers, name="cluster"), pd.DataFrame(), pd.Series(dtype=float), 2)
    classes = pd.DataFrame({"abc": pd.Categorical(["A", "B", "B"]), "xyz": pd.Categorical(["X", None, "Z"])}, index=buyers)
    table = report.customer_segments(segmented, scores, clusters, classes)
    assert table["customer_key"].tolist() == ["a", "b", "c", "d"]
    d = table.set_index("customer_key").loc["d"]
    assert d["segment"] == "no_purchases" and pd.isna(d["R"]) and pd.isna(d["cluster"]) and pd.isna(d["abc"])
    assert str(table["R"].dtype) == "Int8" and table.loc[0, "rfm_segment"] == "champions"
