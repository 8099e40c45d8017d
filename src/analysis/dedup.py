"""The dedup stage: the engine run on customers_clean, and the tables the later stages read (customer keys everywhere)."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from matplotlib.figure import Figure

from analysis import dedup_eval, dedup_groups, dedup_review, labels, quality
from analysis.customer_metrics import require_columns
from analysis.dedup_candidates import arrow_text
from analysis.dedup_groups import CustomerLookup, DedupResult
from analysis.mailing import GOLDEN_SOURCE
from analysis.quality_report import masked

# Record columns shown side by side in the review workbook (full values: it is for data stewards).
REVIEW_COLUMNS = ["source", "source_id", "last_name", "first_name", "patronymic", "gender", "birth_date", "birth_year",
                  "phone_e164", "email", "city", "address", "passport", "inn", "card_number"]
KEYED_TABLES = {"receipts": "receipts_keyed", "receipt_lines": "receipt_lines_keyed",
                "campaign_contacts": "contacts_keyed"}  # input table -> the same table with customer_key
KEY_COLUMNS = ("source", "source_customer_id")
BATCH_ROWS = 262_144  # rows per batch (and Parquet row group) of the keyed tables written by `write_keyed`


def run(clean: pd.DataFrame, engine: Mapping[str, Any], review_file: str = "", previous: pd.DataFrame | None = None) -> DedupResult:
    """Deduplicate customers_clean; a filled review workbook forces decisions, a previous map keeps keys stable."""
    labels = dedup_review.read_review(review_file) if review_file else None
    keys = previous.set_index("record_key")["customer_key"] if previous is not None and len(previous) else None
    return dedup_groups.deduplicate(clean, engine, labels, keys)


def golden_customers(clean: pd.DataFrame, result: DedupResult) -> pd.DataFrame:
    """Golden records with what later stages need: reachability, first registration, the systems a person is in."""
    golden = quality.contactability(result.golden.reset_index().rename(columns={"n_records": "records"}))
    keyed = clean[["record_key", "registration_date", "source"]].merge(result.mapping[["record_key", "customer_key"]])
    customer, keys = pd.factorize(keyed["customer_key"])
    row = pd.Index(keys).get_indexer(golden["customer_key"])  # golden row -> customer code
    golden["registration_date"] = keyed["registration_date"].groupby(customer).min().reindex(row).array
    golden["sources"] = _sources(customer, len(keys), keyed["source"]).take(row, allow_fill=True)
    return golden


def _sources(customer: np.ndarray, n: int, source: pd.Series) -> pd.api.extensions.ExtensionArray:
    """Per customer code 0..n-1, its distinct sources sorted and ';'-joined, in the dtype of `source` (a bit per
    source: the systems are few)."""
    code, names = pd.factorize(source, sort=True)
    if len(names) > 62:
        raise ValueError(f"customers_clean: {len(names)} sources, at most 62 supported")
    known = (code >= 0) & (customer >= 0)
    mask = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(mask, customer[known], np.left_shift(1, code[known].astype(np.int64)))
    combos, which = np.unique(mask, return_inverse=True)
    text = np.array([";".join(name for j, name in enumerate(names) if m >> j & 1) for m in combos.tolist()],
                    dtype=object)
    return pd.array(text[which], dtype=source.dtype)


def customer_key(source: pa.Array, customer_id: pa.Array, lookup: CustomerLookup) -> pa.Array:
    """The customer_key of each row of a keyed table (the one rule): (source, source_customer_id) looked up in
    customer_map, null for anonymous rows and unknown customers; rows already keyed by the golden record (planned
    contacts from the mailing stage, source 'golden') keep their id as the key."""
    golden = pc.fill_null(pc.equal(source.cast(pa.string()), GOLDEN_SOURCE), False)
    return pc.if_else(golden, customer_id.cast(pa.string()), lookup(source, customer_id))


def keyed(table: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """A table in memory with its `customer_key` column (see `customer_key`)."""
    require_columns(table, KEY_COLUMNS, "table")
    key = customer_key(arrow_text(table["source"]), arrow_text(table["source_customer_id"]), CustomerLookup(mapping))
    return table.assign(customer_key=key.to_numpy(zero_copy_only=False))


def write_keyed(source: Path, target: Path, lookup: CustomerLookup, batch_rows: int = BATCH_ROWS) -> int:
    """Copy a Parquet table to `target` with its `customer_key` column (see `customer_key`), one batch at a time, so
    memory does not grow with the table. The file holds what `keyed(...).to_parquet()` would: same columns, types,
    pandas metadata, row order and values. Returns the number of rows."""
    reader = pq.ParquetFile(source)
    require_columns(pd.DataFrame(columns=reader.schema_arrow.names), KEY_COLUMNS, source.name)
    schema = _keyed_schema(reader.schema_arrow)
    partial = target.with_name(f"{target.name}.partial")
    rows = 0
    try:
        with pq.ParquetWriter(partial, schema) as writer:
            for batch in reader.iter_batches(batch_size=batch_rows):
                key = customer_key(batch["source"], batch["source_customer_id"], lookup)
                columns = [column.cast(field.type) for column, field in zip(batch.columns, schema)]
                writer.write_batch(pa.RecordBatch.from_arrays([*columns, key], schema=schema))
                rows += batch.num_rows
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return rows


def _keyed_schema(schema: pa.Schema) -> pa.Schema:
    """The schema pandas writes a keyed table with: large text as string, customer_key (string) last, pandas metadata
    of the dtypes the table is read with."""
    fields = [f.with_type(pa.string()) if pa.types.is_large_string(f.type) else f for f in schema]
    frame = schema.empty_table().to_pandas().assign(customer_key=pd.Series(dtype=object))
    return pa.Table.from_pandas(frame, schema=pa.schema([*fields, pa.field("customer_key", pa.string())]),
                                preserve_index=False).schema


def export_review(result: DedupResult, clean: pd.DataFrame, path: Path) -> Path:
    """The review workbook (`dedup_review.export_review`, REVIEW_COLUMNS), given only the records under review."""
    reviewed = clean["record_key"].isin(pd.concat([result.review["record_key_1"], result.review["record_key_2"]]))
    return dedup_review.export_review(result.review, clean.loc[reviewed, ["record_key", *REVIEW_COLUMNS]], path,
                                      REVIEW_COLUMNS)


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
    shown = []
    for side, col in (("record_1", "left"), ("record_2", "right")):
        rows = clean.iloc[pairs[col].to_numpy()]  # pair sides are row positions in clean
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
