"""Tables as stakeholders read them: translated headers, no index, numbers in the report language's format."""
from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.io.formats.style import Styler

from analysis import labels

# Float columns whose names contain one of these are whole rubles.
MONEY_WORDS = ("revenue", "amount", "check", "cost", "effect", "profit", "spend")


def show(frame: pd.DataFrame, language: str, percent: Iterable[str] = (), digits: int = 2) -> Styler:
    """A Styler for display: shares (columns ending in 'share' or named in `percent`) as %, money as whole rubles."""
    percent = set(percent)
    formats = {}
    for col in frame.columns:
        formats[col] = _formatter(col, frame[col], language, col in percent or str(col).endswith("share"), digits)
    shown = labels.localize(frame, language)
    names = dict(zip(frame.columns, shown.columns))
    return shown.style.hide(axis="index").format({names[c]: f for c, f in formats.items()}, na_rep="—")


def _formatter(name: object, col: pd.Series, language: str, is_share: bool, digits: int):
    if is_share:
        return lambda v: labels.fmt_pct(v, 1, language)
    if pd.api.types.is_bool_dtype(col):
        return lambda v: "✓" if v is True or v == 1 else ("✗" if v is False or v == 0 else "—")
    if pd.api.types.is_integer_dtype(col):
        return lambda v: labels.fmt_int(v, language)
    if pd.api.types.is_float_dtype(col):
        money = any(w in str(name) for w in MONEY_WORDS)
        return lambda v: labels.fmt_num(v, 0 if money else digits, language)
    if pd.api.types.is_datetime64_any_dtype(col):
        whole_days = bool((col.dropna() == col.dropna().dt.normalize()).all())
        pattern = "%Y-%m-%d" if whole_days else "%Y-%m-%d %H:%M"
        return lambda v: v.strftime(pattern) if pd.notna(v) else "—"
    return lambda v: str(v)
