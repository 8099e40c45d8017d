"""The dedup stage: the engine run on customers_clean, and the tables the later stages read (customer keys everywhere)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import dedup_eval, dedup_groups, dedup_review, labels, quality
from analysis.dedup_groups import DedupResult
from analysis.quality_report import masked

# Record columns shown side by side in the review workbook (full values: it is for data stewards).
REVIEW_COLUMNS = ["source", "source_id", "last_name", "first_name", "patronymic", "gender", "birth_date", "birth_year",
                  "phone_e164", "email", "city", "address", "passport", "inn", "card_number"]


def run(clean: pd.DataFrame, engine: Mapping[str, Any], review_file: str = "", previous: pd.DataFrame | None = None) -> DedupResult:
    """Deduplicate customers_clean; a filled review workbook forces decisions, a previous map keeps keys stable."""
    labels = dedup_review.read_review(review_file) if review_file else None
    keys = previous.set_index("record_key")["customer_key"] if previous is not None and len(previous) else None
    return dedup_groups.deduplicate(clean, engine, labels, keys)


def golden_customers(clean: pd.DataFrame, result: DedupResult) -> pd.DataFrame:
    """Golden records with what later stages need: reachability, first registration, the systems a person is in."""
    golden = result.golden.reset_index().rename(columns={"n_records": "records"})
    golden = quality.contactability(golden)
    keyed = clean[["record_key", "registration_date", "source"]].merge(result.mapping[["record_key", "customer_key"]])
    by_key = keyed.groupby("customer_key", observed=True)
    extra = pd.DataFrame({
        "registration_date": by_key["registration_date"].min(),
        "sources": by_key["source"].agg(lambda s: ";".join(sorted(set(s)))),
    })
    return golden.merge(extra, left_on="customer_key", right_index=True, how="left")


def keyed(table: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """A table with (source, source_customer_id) given its customer_key; rows already keyed by the golden record
    (planned contacts from the mailing stage, source 'golden') keep their id as the key."""
    out = dedup_groups.rekey_receipts(table, mapping)
    golden = (table["source"] == "golden").to_numpy()
    if golden.any():
        out.loc[golden, "customer_key"] = table.loc[golden, "source_customer_id"].to_numpy()
    return out


def group_sizes(mapping: pd.DataFrame) -> pd.DataFrame:
    """Persons by number of records, and whether their records come from one system or several."""
    g = mapping.groupby("customer_key", observed=True)["source"]
    size, systems = g.size(), g.nunique()
    kind = np.where(size == 1, "single", np.where(systems > 1, "across", "within"))
    out = pd.DataFrame({"records": size.clip(upper=5), "kind": kind})
    return out.groupby(["records", "kind"]).size().rename("customers").reset_index()


def contradictions(clean: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Per field: persons whose records disagree (different non-empty values) — what the golden record had to choose."""
    fields = ["last_name", "first_name", "birth_date", "phone_e164", "email", "city"]
    frame = clean[["record_key", *fields]].merge(mapping[["record_key", "customer_key"]])
    multi = frame[frame.duplicated("customer_key", keep=False)]
    counts = multi.groupby("customer_key", observed=True)[fields].nunique()
    return pd.DataFrame({"field": fields, "customers": [(counts[f] > 1).sum() for f in fields],
                         "of": len(counts)})


def accuracy(mapping: pd.DataFrame, truth: pd.DataFrame, pairs: pd.DataFrame, rule_names: list[str]) -> dict[str, dict]:
    """Pairwise and cluster precision / recall / F1 against the true person of each record, and blocking recall."""
    m = mapping.merge(truth[["source", "source_id", "person_id"]], on=["source", "source_id"], how="left")
    return {
        "pairwise": dedup_eval.pairwise_scores(m["customer_key"], m["person_id"]),
        "cluster": dedup_eval.cluster_scores(m["customer_key"], m["person_id"]),
        "blocking": dedup_eval.blocking_recall(pairs, m["person_id"], rule_names),
    }


def pair_examples(result: DedupResult, clean: pd.DataFrame, decision: str, n: int) -> pd.DataFrame:
    """A few pairs with the given decision, both records masked side by side, strongest first."""
    pairs = result.pairs[result.pairs["decision"] == decision].nlargest(n, "probability")
    frame = clean.reset_index(drop=True)
    shown = []
    for side, col in (("record_1", "left"), ("record_2", "right")):
        rows = frame.iloc[pairs[col].to_numpy()]
        name = masked("name", (rows["last_name"].fillna("") + " " + rows["first_name"].fillna("") + " "
                               + rows["patronymic"].fillna("")).str.strip())
        text = (rows["source"].astype(str) + ": " + name.to_numpy() + ", " + rows["birth_year"].astype("string").fillna("—")
                + ", " + masked("phone", rows["phone_e164"]).to_numpy() + ", " + masked("email", rows["email"]).to_numpy())
        shown.append(pd.Series(text.to_numpy(), name=side))
    return pd.concat([*shown, pairs["probability"].reset_index(drop=True), pairs["reason"].reset_index(drop=True)], axis=1)


def score_histogram(result: DedupResult, threshold: float, review_threshold: float, language: str) -> Figure:
    """Distribution of match probabilities of the candidate pairs, with the decision thresholds."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.hist(result.pairs["probability"].dropna(), bins=50, color="#4c72b0", log=True)
    for x, style in ((threshold, "-"), (review_threshold, "--")):
        ax.axvline(x, color="#c44e52", linestyle=style)
    ax.set(xlabel=labels.t("dedup.score", language), ylabel=labels.t("dedup.pairs", language))
    return fig
