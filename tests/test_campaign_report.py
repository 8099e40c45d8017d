"""Tests of the campaign report: contacts to one row per customer, design check, effect, truth check, views, figures."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analysis import campaign, effect_stats, labels
from analysis import campaign_report as cr

matplotlib.use("Agg")
SEND = pd.Timestamp("2024-03-01 10:00")


def _contacts() -> pd.DataFrame:
    rows = [  # customer_key, group, channel, sent_at, delivered, read, cost, source
        ("k1", "treatment", "sms", SEND, False, False, 1.2, "1c"),
        ("k1", "treatment", "viber", SEND - pd.Timedelta(minutes=30), True, True, 0.9, "loyalty"),
        ("k2", "control", "sms", pd.NaT, None, None, 0.0, "1c"),
        ("k3", "treatment", "sms", SEND, True, False, 1.2, "1c"),
        ("k3", "control", "sms", pd.NaT, None, None, 0.0, "loyalty"),
        ("k4", "control", "email", pd.NaT, None, None, 0.0, "1c"),
        ("k4", "control", "email", pd.NaT, None, None, 0.0, "loyalty"),
        (None, "treatment", "sms", SEND, True, True, 1.2, "1c"),
        ("k5", "treatment", "email", SEND, False, False, 0.1, "loyalty"),
        ("k6", "control", "viber", pd.NaT, None, None, 0.0, "loyalty"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_key", "group", "channel", "sent_at", "delivered", "read", "cost", "source"])
    return frame.assign(campaign_id="C1").astype({"delivered": "boolean", "read": "boolean", "customer_key": "string"})


def _receipts() -> pd.DataFrame:
    rows = [  # customer_key, datetime, amount, is_return, receipt_id, return_of
        ("k1", SEND + pd.Timedelta(days=1), 500.0, False, "r1", None),
        ("k1", SEND - pd.Timedelta(days=10), 300.0, False, "r2", None),
        ("k2", SEND + pd.Timedelta(days=2), 200.0, False, "r3", None),
        ("k5", SEND + pd.Timedelta(days=40), 900.0, False, "r4", None),  # after the window
        ("k6", SEND - pd.Timedelta(days=400), 100.0, False, "r5", None),  # before the pre-period
    ]
    frame = pd.DataFrame(rows, columns=["customer_key", "datetime", "amount", "is_return", "receipt_id", "return_of"])
    return frame.astype({"customer_key": "string"})


def _golden() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_key": ["k1", "k2", "k3", "k4", "k5"],
        "gender": ["F", "M", "F", None, "M"],
        "birth_date": pd.to_datetime(["1999-03-01", "1999-03-02", "1960-01-01", None, "2003-06-30"]),
    })


def _prepare(**kwargs) -> cr.CampaignData:
    args = {"window_days": 30, "pre_days": 180, "age_edges": [25, 45, 60], **kwargs}
    return cr.prepare(_contacts(), _receipts(), _golden(), **args)


# ------------------------------------------------------------------------------------------ preparing


def test_collapse_rule_one_row_per_customer():
    contacts = _contacts()
    before = contacts.copy()
    out = cr.collapse_contacts(contacts).set_index("customer_key")
    pd.testing.assert_frame_equal(contacts, before)
    assert sorted(out.index) == ["k1", "k2", "k3", "k4", "k5", "k6"]  # the row without a key is left out
    k1 = out.loc["k1"]
    assert (k1["group"], k1["channel"], k1["messages"], k1["source"]) == ("treatment", "viber", 2, "1c;loyalty")
    assert k1["sent_at"] == SEND - pd.Timedelta(minutes=30) and k1["cost"] == pytest.approx(2.1)
    assert bool(k1["delivered"]) and bool(k1["read"])
    assert out.loc["k4", "group"] == "control" and out.loc["k4", "messages"] == 0 and out.loc["k4", "rows"] == 2
    assert pd.isna(out.loc["k4", "delivered"])
    assert out["both_arms"].to_dict() == {"k1": False, "k2": False, "k3": True, "k4": False, "k5": False, "k6": False}
    with pytest.raises(ValueError, match="'group'"):
        cr.collapse_contacts(contacts.assign(group=contacts["group"].replace("control", "holdout")))


def test_prepare_excludes_both_arms_and_measures_outcomes():
    data = _prepare(segment_thresholds="retail")
    assert "segment" not in _prepare().outcomes.columns
    out = data.outcomes.set_index("customer_key")
    assert sorted(out.index) == ["k1", "k2", "k4", "k5", "k6"]
    acc = data.accounting.set_index("step")["count"].to_dict()
    assert acc == {"contact_rows": 10, "rows_without_customer": 1, "customers": 6, "customers_with_several_rows": 3,
                   "both_arms": 1, "clients_treatment": 2, "clients_control": 3}
    assert out["revenue"].to_dict() == {"k1": 500.0, "k2": 200.0, "k4": 0.0, "k5": 0.0, "k6": 0.0}
    assert out.loc["k1", "pre_revenue"] == 300.0 and out.loc["k6", "pre_revenue"] == 0.0
    assert out.loc["k1", "age_band"] == "25–44" and out.loc["k2", "age_band"] == "<25"  # birthday on / after sending
    assert out.loc["k5", "age_band"] == "<25" and pd.isna(out.loc["k4", "age_band"]) and pd.isna(out.loc["k6", "gender"])
    assert out.loc["k1", "segment"] == "new_active" and out.loc["k2", "segment"] == "not_in_base"  # k2 bought only after
    assert data.send_dates.to_dict() == {"C1": SEND - pd.Timedelta(minutes=30)}


def test_prepare_cost_override_holdout_and_errors(tmp_path):
    data = _prepare(message_cost={"viber": 2.0, "email": 0.5})
    cost = data.outcomes.set_index("customer_key")["cost"]
    assert cost["k1"] == pytest.approx(3.2) and cost["k5"] == pytest.approx(0.5) and cost["k2"] == 0.0
    path = tmp_path / "holdout.csv"
    pd.DataFrame({"customer_key": ["h1", "k5"], "phone": ["+79161234567", "+79161234568"]}).to_csv(path, index=False)
    holdout = cr.read_holdout(path)
    assert "phone" not in holdout.columns and (holdout["group"] == "control").all()
    data = _prepare(holdout=holdout)
    out = data.outcomes.set_index("customer_key")
    assert out.loc["h1", "group"] == "control" and out.loc["h1", "source"] == cr.HOLDOUT_SOURCE
    assert "k5" not in out.index  # mailed and held out: both arms
    assert data.accounting.set_index("step").loc["both_arms", "count"] == 2
    planned = tmp_path / "planned.csv"
    pd.DataFrame({"campaign_id": "C1", "source": "golden", "source_customer_id": ["k5", "h2"], "group": ["treatment", "control"],
                  "channel": ["email", "sms"]}).to_csv(planned, sep=";", index=False)
    rows = cr.read_holdout(planned)
    assert rows["customer_key"].tolist() == ["h2"] and rows["channel"].tolist() == ["sms"]  # control rows only
    with pytest.raises(ValueError, match="not in the contacts"):
        _prepare(campaign_ids=["C9"])
    with pytest.raises(ValueError, match="no control"):
        cr.prepare(_contacts().query("group == 'treatment'"), _receipts(), _golden(), window_days=30, pre_days=0,
                   age_edges=[25])


def test_prepare_uses_each_campaign_send_date():
    first = _contacts()
    second = first.assign(campaign_id="C2", sent_at=first["sent_at"] + pd.Timedelta(days=3))
    data = cr.prepare(pd.concat([first, second], ignore_index=True), _receipts(), _golden(), window_days=30,
                      pre_days=180, age_edges=[25, 45, 60])
    out = data.outcomes.set_index(["campaign_id", "customer_key"])
    assert out.loc[("C1", "k1"), "revenue"] == 500.0 and out.loc[("C2", "k1"), "revenue"] == 0.0  # bought before C2
    assert out.loc[("C2", "k1"), "pre_revenue"] == 800.0
    fixed = _prepare(send_date="2024-03-03").outcomes.set_index("customer_key")
    assert fixed.loc["k1", "revenue"] == 0.0 and fixed.loc["k1", "pre_revenue"] == 800.0


def test_segments_before_sending_only():
    receipts = _receipts()
    keys = pd.Series(["k1", "k2", "k9"])
    segments = cr.segments_at(receipts, keys, SEND, "retail")
    assert segments.tolist() == ["new_active", "not_in_base", "not_in_base"]  # k2 bought only after sending
    later = cr.segments_at(receipts, keys, SEND + pd.Timedelta(days=60), "retail")
    assert later.tolist() == ["prospective_active", "new_active", "not_in_base"]
    with pytest.raises(ValueError, match="preset"):
        cr.segments_at(receipts, keys, SEND, "weekly")


def test_categorical_receipt_keys_give_the_same_outcomes_and_segments():
    receipts = _receipts()
    coded = receipts.assign(customer_key=receipts["customer_key"].astype("category"))
    plain = cr.prepare(_contacts(), receipts, _golden(), window_days=30, pre_days=180, age_edges=[25, 45, 60],
                       segment_thresholds="retail")
    lean = cr.prepare(_contacts(), coded, _golden(), window_days=30, pre_days=180, age_edges=[25, 45, 60],
                      segment_thresholds="retail")
    pd.testing.assert_frame_equal(plain.outcomes, lean.outcomes)
    keys = pd.Series(["k1", "k2", "k9"])
    assert cr.segments_at(coded, keys, SEND, "retail").tolist() == ["new_active", "not_in_base", "not_in_base"]


def test_receipt_period_spans_pre_periods_and_windows():
    first = _contacts()
    second = first.assign(campaign_id="C2", sent_at=first["sent_at"] + pd.Timedelta(days=3))
    contacts = pd.concat([first, second], ignore_index=True)
    first_sent = SEND - pd.Timedelta(minutes=30)  # C1's earliest message
    start, end = cr.receipt_period(contacts, window_days=30, pre_days=180)
    assert (start, end) == (first_sent - pd.Timedelta(days=180), first_sent + pd.Timedelta(days=33))
    assert cr.receipt_period(contacts, window_days=30, pre_days=180, campaign_ids=["C1"])[1] == first_sent + pd.Timedelta(days=30)
    assert cr.receipt_period(contacts, window_days=30, pre_days=180, history=True)[0] is None  # segments: all history
    fixed = cr.receipt_period(contacts, window_days=30, pre_days=10, send_date="2024-05-01")
    assert fixed == (pd.Timestamp("2024-04-21"), pd.Timestamp("2024-05-31"))
    assert cr.receipt_period(first.assign(sent_at=pd.NaT), window_days=30, pre_days=180) == (None, None)


def test_read_inputs_reads_only_what_prepare_uses(tmp_path):
    from analysis import stage

    contacts = _contacts().assign(source_customer_id="x")
    receipts = _receipts().assign(items=1, store="s1", source="1c")
    contacts.to_parquet(tmp_path / "contacts_keyed.parquet")
    receipts.to_parquet(tmp_path / "receipts_keyed.parquet")
    _golden().assign(email="a@b.c").to_parquet(tmp_path / "customers_golden.parquet")
    st = stage.Stage("05_campaign_effect", {"language": "en"}, tmp_path, tmp_path)
    c, r, g = cr.read_inputs(st, window_days=30, pre_days=180, segments=False)
    assert list(c.columns) == [*cr.CONTACT_COLUMNS, "source"] and list(g.columns) == ["customer_key", "gender", "birth_date"]
    assert list(r.columns) == list(campaign.RECEIPT_COLUMNS) and r["customer_key"].dtype == "category"
    assert sorted(r["customer_key"].astype(str)) == ["k1", "k1", "k2"]  # r4 after the window, r5 before the pre-period
    _, history, _ = cr.read_inputs(st, window_days=30, pre_days=180, segments=True)
    assert "return_of" in history.columns and "source" in history.columns and len(history) == 4  # r5 kept for segments
    args = {"window_days": 30, "pre_days": 180, "age_edges": [25, 45, 60], "segment_thresholds": "retail"}
    pd.testing.assert_frame_equal(cr.prepare(c, history, g, **args).outcomes,
                                  cr.prepare(_contacts(), receipts, _golden(), **args).outcomes, check_dtype=False)


def test_age_bands_edges_and_errors():
    born = pd.Series(pd.to_datetime(["2000-03-01", "2000-03-02", None, "2030-01-01"]))
    bands = cr.age_bands(born, pd.Timestamp("2025-03-01"), [25, 45])
    assert list(bands.cat.categories) == ["<25", "25–44", "45+"]
    assert bands.iloc[0] == "25–44" and bands.iloc[1] == "<25" and bands.iloc[2:].isna().all()
    with pytest.raises(ValueError, match="increase"):
        cr.age_band_names([45, 25])
    with pytest.raises(ValueError, match="whole ages"):
        cr.age_band_names([25.5])


# ------------------------------------------------------------------------------------------ design and effect


def _simulated(seed: int = 3, n: int = 4000, control_share: float = 0.25, lift: float = 300.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < control_share, "control", "treatment")
    pre = rng.gamma(1.0, 2000.0, n) * (rng.random(n) < 0.6)
    buyer = rng.random(n) < np.where(group == "treatment", 0.30, 0.20) + 0.3 * (pre > 0)
    revenue = buyer * (0.8 * pre + rng.gamma(2.0, 800.0, n) + np.where(group == "treatment", lift, 0.0))
    return pd.DataFrame({
        "campaign_id": "C1", "customer_key": [f"c{i}" for i in range(n)], "group": group,
        "channel": rng.choice(["sms", "viber"], n), "delivered": rng.random(n) < 0.9, "read": rng.random(n) < 0.5,
        "cost": np.where(group == "treatment", 1.0, 0.0), "gender": rng.choice(["F", "M"], n),
        "age_band": pd.Categorical(rng.choice(["<25", "25–44", "45+"], n), ["<25", "25–44", "45+"], ordered=True),
        "buyer": buyer, "revenue": revenue, "pre_revenue": pre,
    })


def test_design_check_srm_and_balance():
    data = _simulated()
    check = cr.design_check(data, 0.25)
    assert not check.srm_failed and check.srm.dof == 1
    assert check.sizes.set_index("group").loc["control", "planned_share"] == 0.25
    assert set(check.balance["covariate"]) == {"gender", "age_band", "pre_revenue"}
    n = data["group"].value_counts()
    assert check.balance_threshold == pytest.approx(max(0.1, 1.96 * np.sqrt(1 / n["treatment"] + 1 / n["control"])))
    skewed = cr.design_check(data, 0.5)
    assert skewed.srm_failed
    assert cr.design_check(data, 0.0).srm is None
    imbalanced = data.assign(pre_revenue=np.where(data["group"] == "treatment", data["pre_revenue"] + 3000, data["pre_revenue"]))
    assert cr.design_check(imbalanced, 0.25).balance.set_index("covariate").loc["pre_revenue", "imbalanced"]


def test_estimate_effect_itt_cuped_and_observational():
    data = _simulated()
    effect = cr.estimate_effect(data, margin=0.3)
    rows = effect.table.set_index("metric")
    h = effect.headline
    assert h["effect"] == pytest.approx(rows.loc["effect", "estimate"]) and not h["observational"]
    assert h["significant"] == (rows.loc["effect", "p_value"] < 0.05)
    assert h["roi"] == pytest.approx(rows.loc["roi", "estimate"])
    cuped = effect_stats.cuped_effect(data, "group", "treatment", "control")
    assert rows.loc["effect_cuped", "estimate"] == pytest.approx(cuped.difference * effect.treated)
    assert effect.cuped.variance_reduction > 0.05  # pre-period revenue predicts the outcome
    assert effect.overall.columns.tolist() == ["effect", "effect_ci_low", "effect_ci_high"]
    observational = cr.estimate_effect(data, 0.3, randomized=False, strata=["gender", "age_band"])
    s = observational.stratified
    assert observational.headline["observational"] and s.design == effect_stats.OBSERVATIONAL
    assert observational.headline["effect"] == pytest.approx(s.estimate * effect.treated)
    stratified_row = observational.table.set_index("metric").loc["effect_stratified"]
    assert stratified_row["ci_low"] == pytest.approx(s.ci_low * effect.treated) and "effect_stratified" not in rows.index
    assert observational.headline["profit"] == pytest.approx(0.3 * s.estimate * effect.treated - rows.loc["cost", "estimate"])
    with pytest.raises(ValueError, match="strata"):
        cr.estimate_effect(data, 0.3, randomized=False, strata=["store"])


def test_subgroups_status_order_and_errors():
    data = _simulated()
    data.loc[data.index[:5], "gender"] = None
    table = cr.subgroups(data, ["gender", "age_band"], min_cell=100)
    unknown = table["gender"].isna().to_numpy()
    assert unknown.any() and (np.sort(unknown) == unknown).all()  # unknown gender last
    small = (table["clients_treatment"] < 100) | (table["clients_control"] < 100)
    assert (table.loc[small, "status"] == cr.UNTESTED).all()
    assert set(table.loc[~small, "status"]) <= {cr.SIGNIFICANT, cr.NOT_SIGNIFICANT}
    per_client = table["effect"] / table["clients_treatment"]
    assert np.allclose(table["effect_per_client"], per_client, equal_nan=True)
    with pytest.raises(ValueError, match="store"):
        cr.subgroups(data, ["store"], 10)


def test_status_rule():
    states = cr.status(pd.Series([0.01, 0.2, np.nan, 0.001]), 0.05, pd.Series([True, True, True, False]))
    assert states.tolist() == [cr.SIGNIFICANT, cr.NOT_SIGNIFICANT, cr.UNTESTED, cr.UNTESTED]


def test_channel_effects_scope_and_holm():
    data = _simulated()
    own = cr.channel_effects(data)
    assert own["control_scope"].eq("channel").all() and own["channel"].tolist() == ["sms", "viber"]
    sms = data[data["channel"] == "sms"]
    ref = effect_stats.compare_arms(sms, "group", "treatment", "control").iloc[0]
    assert own.loc[0, "effect"] == pytest.approx(ref["effect"])
    p = effect_stats.compare_arms(data, "group", "treatment", "control", by=["channel"])["effect_p_value"]
    assert own["effect_p_holm"].to_numpy() == pytest.approx(effect_stats.adjust_p_values(p, "holm").to_numpy())
    shared = cr.channel_effects(data.assign(channel=data["channel"].where(data["group"] == "treatment")))
    assert shared["control_scope"].eq("all").all()
    assert (shared["clients_control"] == (data["group"] == "control").sum()).all()


def test_planning_matches_effect_stats():
    data = _simulated()
    plan = cr.planning(data, [0.1, 0.5], target_per_client=400.0, variance_reduction=0.19)
    sd = data.loc[data["group"] == "control", "revenue"].std()
    n_t = len(data) * 0.9
    mde = effect_stats.minimum_detectable_effect(sd, n_t, 0.1)
    assert plan.loc[0, "mde_revenue_per_client"] == pytest.approx(mde)
    assert plan.loc[0, "mde_revenue_per_client_cuped"] == pytest.approx(mde * 0.9)
    assert plan.loc[0, "required_control"] == effect_stats.required_control_size(400.0, sd, n_t)
    assert plan["enough"].tolist() == [plan.loc[0, "clients_control"] >= plan.loc[0, "required_control"],
                                       plan.loc[1, "clients_control"] >= plan.loc[1, "required_control"]]
    none = cr.planning(data.assign(revenue=np.where(data["group"] == "control", data["revenue"] + 5000, data["revenue"])), [0.2])
    assert none["enough"].isna().all() and np.isnan(none.loc[0, "required_control"])
    with pytest.raises(ValueError, match="planning_control_shares"):
        cr.planning(data, [0.0])


# ------------------------------------------------------------------------------------------ truth


def test_true_effects_maps_persons_to_customers_and_checks_coverage():
    outcomes = pd.DataFrame({
        "campaign_id": "C1", "customer_key": ["a", "b", "c", "d", "e"],
        "group": ["treatment", "treatment", "treatment", "treatment", "control"], "gender": ["F", "F", "M", "M", "F"],
    })
    truth_campaign = pd.DataFrame({"person_id": [1, 2, 3, 4, 5], "campaign_id": "C1",
                                   "expected_effect_rub": [100.0, 200.0, 50.0, 999.0, 70.0]})
    truth_records = pd.DataFrame({"source": ["1c", "loyalty", "1c", "1c", "1c", "1c"],
                                  "source_id": ["01", "11", "02", "03", "04", "05"], "person_id": [1, 1, 2, 3, 4, 5]})
    customer_map = pd.DataFrame({"source": ["1c", "loyalty", "1c", "1c", "1c"], "source_id": ["01", "11", "02", "03", "05"],
                                 "customer_key": ["a", "a", "b", "b", "e"]})  # person 1: two records, b: two persons
    overall = cr.true_effects(outcomes, truth_campaign, truth_records, customer_map)
    assert overall.loc[0, "clients_treatment"] == 4 and overall.loc[0, "truth_clients"] == 2  # c, d unmapped
    assert overall.loc[0, "true_effect_per_client"] == pytest.approx((100 + 250) / 2)
    assert overall.loc[0, "true_effect"] == pytest.approx(175.0 * 4)
    cells = cr.true_effects(outcomes, truth_campaign, truth_records, customer_map, ["gender"]).set_index("gender")
    assert cells.loc["F", "true_effect_per_client"] == pytest.approx(175.0) and cells.loc["M", "truth_clients"] == 0
    estimates = pd.DataFrame({"gender": ["F", "M"], "effect": [300.0, 10.0], "effect_ci_low": [0.0, -5.0],
                              "effect_ci_high": [400.0, 20.0]})  # F: true 175 x 2 clients = 350
    check = cr.truth_check(estimates, cells.reset_index(), ["gender"]).set_index("gender")
    assert bool(check.loc["F", "covered"]) and pd.isna(check.loc["M", "covered"])  # M has no truth
    missed = cr.truth_check(pd.DataFrame({"effect": [100.0], "effect_ci_low": [0.0], "effect_ci_high": [600.0]}), overall)
    assert not bool(missed.loc[0, "covered"])  # the truth is 700


# ------------------------------------------------------------------------------------------ display and figures


@pytest.mark.parametrize("language", ["ru", "en"])
def test_views_texts_and_figures_render_in_both_languages(language):
    data = _simulated()
    effect = cr.estimate_effect(data, margin=0.3)
    check = cr.design_check(data, 0.25)
    cells = cr.subgroups(data, ["gender", "age_band"], 50)
    view, states = cr.effect_view(effect, language)
    assert len(view) == len(effect.table) and set(states) <= {cr.SIGNIFICANT, cr.NOT_SIGNIFICANT, cr.UNTESTED}
    html = cr.style(view, language, states, ["estimate", "ci"]).to_html()
    assert (cr.MUTED in html) == (states != cr.SIGNIFICANT).any()
    assert labels.t("ci", language) in html
    sub = cr.subgroup_view(cells, ["gender", "age_band"], language)
    assert sub["significance"].tolist() == [cr.mark(s, language) for s in cells["status"]]
    for frame in (cr.balance_view(check.balance, language), cr.sizes_view(check, language),
                  cr.planning_view(cr.planning(data, [0.2]), language)):
        cr.style(frame, language, pd.Series(cr.SIGNIFICANT, index=frame.index), []).to_html()
    for text in (cr.headline_text(effect, language), cr.srm_text(check, language), cr.balance_text(check, language),
                 cr.cuped_text(effect, language), cr.design_text(effect, [], language)):
        assert "{" not in text and len(text) > 20
    funnel = campaign.funnel(data)
    for frame, states in (cr.funnel_view(funnel, language, 0.05), cr.channel_view(cr.channel_effects(data), language, 0.05)):
        assert len(frame) == len(states)
        cr.style(frame, language, states, ["significance"]).to_html()
    arms = cr.arm_view(campaign.arm_table(data), language)
    assert arms["group"].tolist() == [cr.group_label(g, language) for g in ("control", "treatment")]
    truth = cells[["gender", "age_band"]].assign(true_effect_per_client=100.0)
    forest = cr.forest_plot(cells, ["gender", "age_band"], language, truth=truth)
    assert forest.axes[0].get_xlabel() == labels.t("campaign.effect_per_client_axis", language)
    legend = [t.get_text() for t in forest.legends[0].get_texts()]
    assert set(legend) == {labels.t("campaign.true_effect", language), *(cr.mark(x, language) for x in cells["status"])}
    assert len(forest.axes[0].get_yticklabels()) == len(cells)
    cr.funnel_chart(funnel, language)
    cr.delivered_chart(funnel, language, 0.05)
    plt.close("all")


def test_headline_says_significant_or_not():
    strong = cr.estimate_effect(_simulated(lift=3000.0), margin=0.3)
    assert strong.headline["significant"] and cr.headline_text(strong, "ru").startswith("Рассылка принесла")
    control = _simulated().query("group == 'control'")
    null = pd.concat([control, control.assign(group="treatment", cost=1.0)], ignore_index=True)  # identical arms
    flat = cr.estimate_effect(null, margin=0.3)
    assert flat.headline["effect"] == pytest.approx(0.0, abs=1e-6) and not flat.headline["significant"]
    assert "не значима" in cr.headline_text(flat, "ru") and "not significant" in cr.headline_text(flat, "en")
    observational = cr.estimate_effect(null, margin=0.3, randomized=False, strata=["gender"])
    assert cr.headline_text(observational, "ru").startswith(labels.text("campaign.observational_prefix", "ru"))


def test_interval_and_p_formatting():
    assert cr.interval(-1234.4, 5678.6, "money", "ru") == "[-1\u202f234; 5\u202f679]"
    assert cr.interval(0.012, 0.1, "pp", "en") == "[1.2 pp; 10.0 pp]"
    assert cr.interval(np.nan, 1.0, "money", "ru") == "—"
    assert cr.p_text(0.0004, "ru") == "<0,001" and cr.p_text(0.0456, "en") == "0.046" and cr.p_text(np.nan, "en") == "—"
