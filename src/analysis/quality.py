"""The quality audit: every customer field standardized, coded (0 ok, 1 fixed, 2 empty, 10 invalid) and its problems listed."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analysis import addresses, birthdates, documents, email_names, emails, geo, names, phones
from analysis.quality_codes import text_array
from analysis.readers import TEXT

ISSUE_COLUMNS = ["source", "source_id", "field", "issue", "raw_value", "suggested_value"]
AUDITED_FIELDS = ("name", "gender", "phone", "email", "birth_date", "country", "city", "address", "passport", "inn", "snils")
CHANNELS = ("sms", "viber", "email")


@dataclass(frozen=True)
class FieldRule:
    """One audited field: the raw column, its normalizer, and which output columns go to customers_clean."""

    field: str
    raw: str
    normalize: Callable[[pd.Series, Mapping[str, Any]], pd.DataFrame]
    keep: dict[str, str]  # normalizer column -> customers_clean column
    suggested: str  # normalizer column holding the fixed value shown next to an issue


RULES: tuple[FieldRule, ...] = (
    FieldRule("phone", "phone", lambda s, c: phones.normalize_phones(s, c["phone_region"]),
              {"phone_e164": "phone_e164", "phone_all": "phone_all", "phone_type": "phone_type"}, "phone_e164"),
    FieldRule("email", "email", lambda s, c: emails.normalize_emails(s), {"email": "email", "domain": "email_domain"}, "email"),
    FieldRule("birth_date", "birth_date",
              lambda s, c: birthdates.parse_birth_dates(s, c["as_of"], c["birth_date_formats"], c["min_age"], c["max_age"]),
              {"birth_date": "birth_date", "birth_year": "birth_year", "birth_month": "birth_month", "birth_day": "birth_day",
               "precision": "birth_precision", "age": "age"}, "birth_date"),
    FieldRule("country", "country", lambda s, c: geo.normalize_countries(s), {"country": "country", "country_code": "country_code"}, "country"),
    FieldRule("city", "city", lambda s, c: geo.normalize_cities(s, c["city_threshold"]), {"city": "city", "region": "region"}, "city"),
    FieldRule("address", "address", lambda s, c: addresses.normalize_addresses(s), {"address": "address", "postcode": "postcode"}, "address"),
    FieldRule("passport", "passport", lambda s, c: documents.normalize_passports(s), {"passport": "passport"}, "passport"),
    FieldRule("inn", "inn", lambda s, c: documents.validate_inn(s), {"inn": "inn"}, "inn"),
    FieldRule("snils", "snils", lambda s, c: documents.validate_snils(s), {"snils": "snils"}, "snils"),
)


@dataclass
class Audit:
    """customers_clean (standardized values, codes, match keys) and quality_issues (one row per problem)."""

    clean: pd.DataFrame
    issues: pd.DataFrame


def audit(customers: pd.DataFrame, as_of: dt.date, cfg: Mapping[str, Any], last_activity: pd.Series | None = None) -> Audit:
    """Audit every record of `customers` (canonical table) as of `as_of`, with the `quality` params `cfg`.

    `last_activity` (indexed like `customers`) is the last receipt date of each record, for staleness.
    """
    cfg = {**cfg, "as_of": as_of}
    base = customers.reset_index(drop=True)
    out = pd.DataFrame({"record_key": base["source"].astype(str) + ":" + base["source_id"].astype(str),
                        "source": base["source"], "source_id": base["source_id"]})
    issue_parts: list[pd.DataFrame] = []
    name_frame = _names(base)
    for col in ("last_name", "first_name", "patronymic", "name_gender"):
        out[col] = name_frame[col]
    out["q_name"] = name_frame["quality"].astype("int8")
    named = np.flatnonzero(name_frame["issues"].fillna("").ne("").to_numpy(dtype=bool))  # only these rows list texts
    issue_parts.append(_issues(base, "name", name_frame["issues"], _raw_names(base.iloc[named]).reindex(base.index),
                               _joined_name(name_frame.iloc[named]).reindex(base.index)))
    stated = base["gender"].where(base["gender"].isin(["M", "F"])).astype(TEXT)
    conflict = names.gender_conflict(stated, name_frame["name_gender"]).fillna(False).astype(bool)
    out["gender_stated"] = stated
    out["gender"] = name_frame["name_gender"].fillna(stated).astype(TEXT)
    out["q_gender"] = np.select([conflict, stated.isna()], [1, 2], 0).astype("int8")
    issue_parts.append(_issues(base, "gender", pd.Series(np.where(conflict, "gender_conflict", ""), index=base.index),
                               base["gender"], out["gender"]))
    for rule in RULES:
        result = rule.normalize(base[rule.raw], cfg).reset_index(drop=True)
        for src, dst in rule.keep.items():
            out[dst] = result[src]
        out[f"q_{rule.field}"] = result["quality"].astype("int8")
        suggested = result[rule.suggested] if rule.suggested in result else pd.Series(pd.NA, index=base.index)
        if "suggested" in result:
            suggested = result["suggested"].fillna(suggested)
        issue_parts.append(_issues(base, rule.field, result["issues"], base[rule.raw], suggested))
    out["email_local"] = _email_local(out["email"])
    out["card_number"] = base["card_number"].str.replace(r"\D", "", regex=True).replace("", pd.NA)
    for col in ("registration_date", "updated_at", "consent_sms", "consent_email", "consent_viber"):
        out[col] = base[col]
    out = _match_keys(out)
    out = contactability(out)
    seen = _last_seen(base, last_activity)
    stale = _stale(seen, cfg["stale_years"], as_of)
    out["stale"] = stale
    seen_text = pd.Series(pd.NA, index=base.index, dtype=object)
    seen_text[stale] = seen[stale].dt.strftime("%Y-%m-%d")
    issue_parts.append(_issues(base, "record", pd.Series(np.where(stale, "record_stale", ""), index=base.index),
                               seen_text, pd.Series(pd.NA, index=base.index)))
    issues = pd.concat([p for p in issue_parts if len(p)], ignore_index=True) if any(len(p) for p in issue_parts) else pd.DataFrame(columns=ISSUE_COLUMNS)
    return Audit(out, issues[ISSUE_COLUMNS])


def _names(base: pd.DataFrame) -> pd.DataFrame:
    """Parse one-field names where a source has them, check split fields elsewhere."""
    one_field = base["full_name"].notna()
    parts = []
    if one_field.any():
        parts.append(names.parse_full_names(base.loc[one_field, "full_name"]))
    if (~one_field).any():
        split = base.loc[~one_field]
        parts.append(names.check_split_names(split["last_name"], split["first_name"], split["patronymic"]))
    return pd.concat(parts).reindex(base.index)


def _raw_names(base: pd.DataFrame) -> pd.Series:
    """The name as written: the one-field name, else 'last | first | patronymic'."""
    split = base[["last_name", "first_name", "patronymic"]].fillna("").astype(str)
    return base["full_name"].fillna(split["last_name"] + " | " + split["first_name"] + " | " + split["patronymic"])


def _email_local(email: pd.Series) -> pd.Series:
    """The part of each address before the first '@' (as `str.split("@").str[0]`: text objects, <NA>)."""
    local = pc.list_element(pc.split_pattern(pa.array(email.astype(TEXT)), "@", max_splits=1), 0)
    return pd.Series(text_array(local), index=email.index).astype(object)


def _joined_name(frame: pd.DataFrame) -> pd.Series:
    cols = frame[["last_name", "first_name", "patronymic"]].astype(TEXT).fillna("")
    joined = (cols["last_name"] + " " + cols["first_name"] + " " + cols["patronymic"]).str.strip()
    return joined.astype(object).where(joined != "", pd.NA)


def _issues(base: pd.DataFrame, field: str, codes: pd.Series, raw: pd.Series, suggested: pd.Series) -> pd.DataFrame:
    """One row per (record, issue code) from a ';'-joined issue column."""
    has = np.flatnonzero((codes.fillna("") != "").to_numpy(dtype=bool))
    if not len(has):
        return pd.DataFrame(columns=ISSUE_COLUMNS)
    frame = pd.DataFrame({
        "source": base["source"].iloc[has].to_numpy(), "source_id": base["source_id"].iloc[has].to_numpy(), "field": field,
        "issue": codes.iloc[has].astype(str).str.split(";").to_numpy(), "raw_value": raw.iloc[has].astype(object).to_numpy(),
        "suggested_value": suggested.iloc[has].astype(object).to_numpy(),
    })
    return frame.explode("issue", ignore_index=True)


def _match_keys(out: pd.DataFrame) -> pd.DataFrame:
    """Keys for dedup: folded name parts, a gender-neutral surname, the e-mail local part where it is more than the name."""
    out = out.copy()
    out["last_key"] = names.neutral_surname(out["last_name"], out["gender"])
    out["first_key"] = names.name_match_key(out["first_name"])
    out["patronymic_key"] = names.name_match_key(out["patronymic"])
    out["email_local_key"] = email_names.name_free_local(out["email_local"], out["last_name"], out["first_name"],
                                                         out["patronymic"])
    return out


def contactability(out: pd.DataFrame) -> pd.DataFrame:
    """A channel is usable when the contact is valid and the customer consented (unknown consent is no consent)."""
    out = out.copy()
    mobile_ru = (out["phone_e164"].str.startswith("+7").fillna(False) & (out["phone_type"] == "mobile").fillna(False)).astype(bool)
    out["contactable_sms"] = (mobile_ru & out["consent_sms"].fillna(False)).astype(bool)
    out["contactable_viber"] = (mobile_ru & out["consent_viber"].fillna(False)).astype(bool)
    out["contactable_email"] = (out["email"].notna() & out["consent_email"].fillna(False)).astype(bool)
    return out


def _last_seen(base: pd.DataFrame, last_activity: pd.Series | None) -> pd.Series:
    seen = pd.concat([base["updated_at"], base["registration_date"]], axis=1).max(axis=1)
    if last_activity is not None:
        seen = pd.concat([seen, last_activity.reset_index(drop=True)], axis=1).max(axis=1)
    return seen


def _stale(seen: pd.Series, years: int, as_of: dt.date) -> np.ndarray:
    """Records neither updated nor used (a purchase, `seen` from `_last_seen`) for `years` years."""
    cutoff = pd.Timestamp(as_of) - pd.DateOffset(years=years)
    return (seen.notna() & (seen < cutoff)).to_numpy()


def scorecard(clean: pd.DataFrame) -> pd.DataFrame:
    """Share of records per source and field in each quality code (ok, standardized, empty, invalid).

    Counted per source on the code arrays (no long table of records × fields): rows by source, then field, sorted."""
    source, sources = pd.factorize(clean["source"], sort=True)  # -1: no source, left out as by groupby
    known = source >= 0
    source = source[known]
    rows, fields = [], sorted(AUDITED_FIELDS)
    total = np.bincount(source, minlength=len(sources))
    for field in fields:
        codes = clean[f"q_{field}"].to_numpy()[known]
        rows.append(np.column_stack([np.bincount(source[codes == c], minlength=len(sources)) / total for c in (0, 1, 2, 10)]))
    shares = np.stack(rows, axis=1).reshape(-1, 4) if len(sources) else np.empty((0, 4))
    index = pd.MultiIndex.from_product([sources, fields], names=["source", "field"])
    out = pd.DataFrame(shares, index=index, columns=pd.Index([0, 1, 2, 10], name="code"))
    return out.reset_index()


def detection_accuracy(issues: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of the audit per injected error type, against the demo truth (source, source_id, error_type)."""
    found = issues[["source", "source_id", "issue"]].drop_duplicates().assign(found=True)
    injected = truth[["source", "source_id", "error_type"]].drop_duplicates().rename(columns={"error_type": "issue"}).assign(injected=True)
    both = found.merge(injected, on=["source", "source_id", "issue"], how="outer")
    both = both[both["issue"].isin(injected["issue"].unique())]
    g = both.assign(tp=both["found"].notna() & both["injected"].notna(), fp=both["injected"].isna(),
                    fn=both["found"].isna()).groupby("issue")
    out = g[["tp", "fp", "fn"]].sum()
    out["precision"] = out["tp"] / (out["tp"] + out["fp"])
    out["recall"] = out["tp"] / (out["tp"] + out["fn"])
    return out.reset_index()


def code_totals(clean: pd.DataFrame) -> dict[str, float]:
    """Share of all audited field values that are ok, fixed, empty and invalid."""
    codes = clean[[f"q_{f}" for f in AUDITED_FIELDS]].to_numpy().ravel()
    return {name: float((codes == code).mean()) for name, code in (("ok", 0), ("fixed", 1), ("empty", 2), ("invalid", 10))}


def last_purchase(customers: pd.DataFrame, receipts: pd.DataFrame | pa.Table | str | Path) -> pd.Series:
    """Date of each customer record's last receipt (NaT without one), aligned with `customers`.

    `receipts` is a frame, an Arrow table or the Parquet file of the receipts table: only `source`,
    `source_customer_id` and `datetime` are read, receipts are matched to records by Arrow hash lookups per source
    and the latest date is taken on int64 arrays (no Python object per receipt)."""
    table = _receipt_keys(receipts)
    source, source_id = _large_text(customers["source"]), _large_text(customers["source_id"])
    keys = pc.unique(source_id).drop_null()
    record = pc.index_in(source_id, value_set=keys)  # a record's id among the distinct ids (null: no id)
    seen = np.full(len(customers), _NAT, dtype=np.int64)
    for name in pc.unique(source).drop_null().to_pylist():
        rows = np.flatnonzero(pc.fill_null(pc.equal(source, name), False).to_numpy(zero_copy_only=False))
        ids = pc.fill_null(pc.take(record, pa.array(rows)), len(keys) + 1).to_numpy(zero_copy_only=False)
        part = table.filter(pc.fill_null(pc.equal(table["source"], name), False))
        found = pc.fill_null(pc.index_in(part["source_customer_id"], value_set=keys), len(keys)).to_numpy(zero_copy_only=False)
        times = pc.fill_null(pc.cast(pc.cast(part["datetime"], pa.timestamp("ns")), pa.int64()), _NAT).to_numpy(zero_copy_only=False)
        last = np.full(len(keys) + 2, _NAT, dtype=np.int64)  # then receipts of ids no record has, records without id
        np.maximum.at(last, found, times)
        seen[rows] = last[ids]
    del table
    pa.default_memory_pool().release_unused()
    return pd.Series(seen.view("datetime64[ns]"), index=customers.index, dtype="datetime64[ns]")


_NAT = np.iinfo(np.int64).min  # NaT as int64: below every date, so a maximum skips it
_RECEIPT_KEYS = ("source", "source_customer_id", "datetime")


def _receipt_keys(receipts: pd.DataFrame | pa.Table | str | Path) -> pa.Table:
    if isinstance(receipts, (str, Path)):
        table = pq.read_table(receipts, columns=list(_RECEIPT_KEYS))
    elif isinstance(receipts, pa.Table):
        table = receipts.select(list(_RECEIPT_KEYS))
    else:
        table = pa.table({c: pa.array(receipts[c], from_pandas=True) for c in _RECEIPT_KEYS})
    return pa.table({"source": _large_text(table["source"]), "source_customer_id": _large_text(table["source_customer_id"]),
                     "datetime": table["datetime"]})


def _large_text(values: pd.Series | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Text keys as Arrow large strings (dictionary / categorical / object / string columns alike)."""
    if isinstance(values, pd.Series):
        values = pa.array(values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values, from_pandas=True)
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values.cast(pa.large_string())
