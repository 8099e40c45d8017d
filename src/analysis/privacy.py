"""Masking personal data for stakeholder reports; full values only go to exports for data stewards and mailings."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

# Canonical fields that identify a person; masked wherever they reach HTML.
PERSONAL_FIELDS = frozenset({
    "full_name", "last_name", "first_name", "patronymic", "name", "phone", "email", "address", "passport",
    "inn", "snils", "card_number", "birth_date", "source_id", "source_customer_id", "customer_key",
})
_WORD = re.compile(r"\w+", re.UNICODE)


def mask_text(value: object) -> str:
    """Keep the first character of each word, hide the rest: 'Иванов Иван' → 'И***** И***'."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return _WORD.sub(lambda m: m.group(0)[0] + "*" * (len(m.group(0)) - 1), str(value))


def mask_phone(value: object) -> str:
    """Keep the country/operator prefix and the last two digits: '+79161234567' → '+7916*****67'."""
    text = "" if value is None or value is pd.NA else str(value)
    digits = [i for i, ch in enumerate(text) if ch.isdigit()]
    if len(digits) <= 4:
        return "*" * len(text)
    hidden = set(digits[4:-2])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def mask_email(value: object) -> str:
    """Keep the local part's first letter and the domain: 'ivanov@mail.ru' → 'i*****@mail.ru'."""
    text = "" if value is None or value is pd.NA else str(value)
    local, at, domain = text.rpartition("@")
    if not at:
        return mask_text(text)
    return (local[:1] + "*" * max(len(local) - 1, 0)) + "@" + domain


def mask_value(field: str, value: object) -> str:
    """Mask a value by its field: phones and e-mails keep their shape, other personal fields their initials."""
    if field not in PERSONAL_FIELDS:
        return "" if value is None or value is pd.NA else str(value)
    if field == "phone":
        return mask_phone(value)
    if field == "email":
        return mask_email(value)
    return mask_text(value)


def mask_series(field: str, values: pd.Series) -> pd.Series:
    """`mask_value` over a column, computed once per unique value."""
    codes, uniques = pd.factorize(values)
    masked = np.array([mask_value(field, u) for u in uniques] + [""], dtype=object)
    return pd.Series(masked[codes], index=values.index)


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every personal column masked."""
    out = frame.copy()
    for col in out.columns:
        if col in PERSONAL_FIELDS:
            out[col] = mask_series(col, out[col])
    return out


def mask_record(record_json: str) -> str:
    """A quarantined row (JSON of canonical field → raw value) with its personal fields masked, as 'field=value; …'."""
    try:
        record = json.loads(record_json)
    except (TypeError, ValueError):
        return mask_text(record_json)
    if not isinstance(record, dict):
        return mask_text(record)
    if set(record) == {"line"}:  # a malformed line: no field names to go by
        return mask_text(record["line"])
    return "; ".join(f"{k}={mask_value(k, v)}" for k, v in record.items() if v not in ("", "<NA>", "nan", "NaT", "None"))
