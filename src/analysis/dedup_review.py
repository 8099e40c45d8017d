"""Review queue round trip: uncertain pairs to an xlsx for data stewards, filled decisions back as labels.

The workbook holds one row per pair: the two record ids, the model probability and reason, an empty `decision`
column (a drop-down of 'match' / 'non-match'; empty = undecided), then each requested field of record 1 and
record 2 side by side with full values (the file contains personal data: keep it out of git and mail).
Cells where the two records differ are shaded; the header and the columns up to `decision` stay in view.
It is written by `xlsx_writer` (whole columns at once). `read_review` returns the decided pairs as labels
(1 match, 0 non-match) that `dedup_groups.deduplicate(labels=...)` honours and trains on.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import xlsx_writer

SHEET = "review"
DECISION = "decision"
MATCH, NON_MATCH = "match", "non-match"
_ACCEPTED = {"match": 1, "m": 1, "yes": 1, "да": 1, "1": 1, "дубль": 1,
             "non-match": 0, "nonmatch": 0, "non match": 0, "no": 0, "нет": 0, "0": 0, "не дубль": 0}
_DECISION_LIST = xlsx_writer.DropDown((MATCH, NON_MATCH), prompt=f"{MATCH} / {NON_MATCH} / empty")


def review_sheet(review: pd.DataFrame, records: pd.DataFrame, columns: Sequence[str],
                 id_column: str = "record_key") -> pd.DataFrame:
    """The review table: ids, probability, reason, empty decision, then `<field>_1`, `<field>_2` per field."""
    left_id, right_id = f"{id_column}_1", f"{id_column}_2"
    for name, frame, needed in (("review", review, [left_id, right_id]), ("records", records, [id_column, *columns])):
        absent = [c for c in needed if c not in frame.columns]
        if absent:
            raise ValueError(f"{name} lacks the columns {absent}")
    by_id = records.drop_duplicates(id_column).set_index(id_column)
    unknown = ~review[left_id].isin(by_id.index) | ~review[right_id].isin(by_id.index)
    if unknown.any():
        raise ValueError(f"{int(unknown.sum())} review pairs name records that are not in `records`")
    order = review.sort_values("probability", ascending=False) if "probability" in review.columns else review
    sheet = pd.DataFrame({left_id: order[left_id].to_numpy(), right_id: order[right_id].to_numpy()})
    sheet["probability"] = order["probability"].round(3).to_numpy() if "probability" in order.columns else np.nan
    sheet["reason"] = order["reason"].astype(object).to_numpy() if "reason" in order.columns else ""
    sheet[DECISION] = ""
    left, right = by_id.index.get_indexer(sheet[left_id]), by_id.index.get_indexer(sheet[right_id])  # looked up once
    for col in columns:
        sheet[f"{col}_1"] = by_id[col].take(left).to_numpy()
        sheet[f"{col}_2"] = by_id[col].take(right).to_numpy()
    return sheet


def export_review(review: pd.DataFrame, records: pd.DataFrame, path: str | Path, columns: Sequence[str],
                  id_column: str = "record_key") -> Path:
    """Write the review workbook (see the module notes) and return its path."""
    path = Path(path)
    sheet = review_sheet(review, records, columns, id_column)
    shaded = {}
    for field in columns:  # values both records have, but differently
        a, b = sheet[f"{field}_1"], sheet[f"{field}_2"]
        shaded[f"{field}_1"] = shaded[f"{field}_2"] = (a.notna() & b.notna() & (a.astype(str) != b.astype(str))).to_numpy()
    for col in sheet.columns:
        if pd.api.types.is_datetime64_any_dtype(sheet[col]):
            sheet[col] = sheet[col].dt.strftime("%Y-%m-%d")  # dates as ISO text
    path.parent.mkdir(parents=True, exist_ok=True)
    xlsx_writer.write_xlsx(path, [xlsx_writer.Sheet(SHEET, xlsx_writer.from_pandas(sheet), shaded=shaded,
                                                    drop_downs={DECISION: _DECISION_LIST},
                                                    frozen_columns=sheet.columns.get_loc(DECISION) + 1)], styled=True)
    return path


def read_review(path: str | Path, id_column: str = "record_key") -> pd.DataFrame:
    """Decided pairs of a filled review workbook: `<id>_1`, `<id>_2`, label (1 match, 0 non-match)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"review file {path} does not exist")
    sheet = pd.read_excel(path, sheet_name=SHEET, dtype=str, engine="calamine")  # 10x faster than openpyxl
    left_id, right_id = f"{id_column}_1", f"{id_column}_2"
    absent = [c for c in (left_id, right_id, DECISION) if c not in sheet.columns]
    if absent:
        raise ValueError(f"review file {path.name}: columns {absent} are missing")
    decision = sheet[DECISION].fillna("").astype(str).str.strip().str.lower()
    label = decision.map(_ACCEPTED)
    bad = decision.ne("") & label.isna()
    if bad.any():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(bad.to_numpy())[:10])
        raise ValueError(f"review file {path.name}: decision must be '{MATCH}', '{NON_MATCH}' or empty "
                         f"(rows {rows})")
    decided = label.notna()
    labels = pd.DataFrame({left_id: sheet.loc[decided, left_id].to_numpy(),
                           right_id: sheet.loc[decided, right_id].to_numpy(),
                           "label": label[decided].astype(np.int8).to_numpy()})
    return combine_labels(labels, id_column=id_column)


def combine_labels(*rounds: pd.DataFrame, id_column: str = "record_key") -> pd.DataFrame:
    """Labels of several review rounds as one table: pairs in either order are one pair; a later round wins,
    contradicting labels within one round are refused."""
    left_id, right_id = f"{id_column}_1", f"{id_column}_2"
    frames = []
    for i, frame in enumerate(rounds):
        a, b = frame[left_id].astype(str), frame[right_id].astype(str)
        first = (a <= b).to_numpy()
        pairs = pd.DataFrame({left_id: np.where(first, a, b), right_id: np.where(first, b, a),
                              "label": frame["label"].astype(np.int8).to_numpy(), "_round": i})
        clash = pairs.groupby([left_id, right_id])["label"].nunique() > 1
        if clash.any():
            first = clash[clash].index[0]
            raise ValueError(f"review round {i}: pair {first} is labelled both match and non-match")
        frames.append(pairs)
    if not frames:
        return pd.DataFrame({left_id: [], right_id: [], "label": pd.Series([], dtype=np.int8)})
    merged = pd.concat(frames, ignore_index=True).drop_duplicates([left_id, right_id], keep="last")
    return merged.drop(columns="_round").reset_index(drop=True)

