"""Birth dates: parse raw text (full and partial dates), compute age and flag implausible values.

Decisions documented here (one place):
- full dates are read with the given formats (tried in order); a trailing midnight time ('00:00:00') and
  outer spaces are dropped (quality 1); an exact match of a format is quality 0;
- partial dates are kept with their precision and never completed: year only ('1985', '1985 г.',
  '00.00.1985') -> precision 'year'; day and month ('12.03', '12.03.') -> precision 'day_month'.
  They get quality 1 with the issue birth_date_partial;
- 1C's empty date '01.01.0001' (also '00.00.0000', '0001-01-01') means no value: quality 2, no issue;
- age is the completed years at `as_of` for full dates; for a year-only date it is `as_of.year - year`
  (may be one year too high), and the age limits flag it only when every date of that year breaks them;
- invalid values (future, too old, too young, unparseable: quality 10) have empty value columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.quality_codes import (
    QUALITY_DTYPE,
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    normalize_unique,
)
from analysis.readers import TEXT

BIRTH_DATE_FUTURE = "birth_date_future"
BIRTH_DATE_TOO_OLD = "birth_date_too_old"
BIRTH_DATE_TOO_YOUNG = "birth_date_too_young"
BIRTH_DATE_PARTIAL = "birth_date_partial"
BIRTH_DATE_UNPARSEABLE = "birth_date_unparseable"

DEFAULT_FORMATS = ("%d.%m.%Y", "%Y-%m-%d")
EMPTY_DATES = frozenset({"01.01.0001", "00.00.0000", "0001-01-01", "0000-00-00"})

_MIDNIGHT = r"(?:\s+0?0:00(?::00)?)?"
_YEAR_ONLY = r"^(?:00\.00\.)?(?P<year>[0-9]{4})(?:\s*г\.?)?$"
_DAY_MONTH = r"^(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.?$"
_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])  # index 0: no month


def _validate_arguments(as_of: dt.date, formats: Sequence[str], min_age: int, max_age: int) -> None:
    if not isinstance(as_of, dt.date):
        raise ValueError(f"birth_date as_of: expected a date, got {as_of!r}")
    if isinstance(formats, str) or not formats or not all(isinstance(f, str) for f in formats):
        raise ValueError(f"birth_date formats: expected a non-empty list of strptime formats, got {formats!r}")
    if not 0 <= min_age < max_age:
        raise ValueError(f"birth_date ages: need 0 <= min_age < max_age, got {min_age} and {max_age}")


def _parse_full(texts: np.ndarray, todo: np.ndarray, formats: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Dates (NaT when not a full date) and their year, month, day (float, NaN when not a full date) of the
    texts at positions `todo` that match one of the formats.

    pandas parses each format at once; the rest is retried with `strptime`, which also reads dates outside
    pandas' Timestamp range (year 1500: date NaT, parts filled) so that they are reported as too old.
    """
    dates = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[ns]")
    parts = np.full((len(texts), 3), np.nan)
    for fmt in formats:
        if not len(todo):
            break
        parsed = pd.DatetimeIndex(pd.to_datetime(texts[todo], format=fmt, errors="coerce"))
        found = ~parsed.isna()
        dates[todo[found]] = parsed[found].to_numpy()
        parts[todo[found]] = np.column_stack([parsed.year[found], parsed.month[found], parsed.day[found]])
        todo = todo[~found]
    for position in todo:
        for fmt in formats:
            try:
                value = dt.datetime.strptime(texts[position], fmt)
            except ValueError:
                continue
            parts[position] = (value.year, value.month, value.day)
            break
    return dates, parts


def _numbers(texts: pd.Series, pattern: str) -> pd.DataFrame:
    """The named groups of a pattern as floats (NaN when the text does not match)."""
    return texts.str.extract(pattern).apply(pd.to_numeric, errors="coerce").astype(float)


def _parse_texts(
    texts: pd.Series, as_of: dt.date, formats: Sequence[str], min_age: int, max_age: int
) -> pd.DataFrame:
    stripped = texts.str.strip().str.replace(_MIDNIGHT + "$", "", regex=True)
    empty = ((stripped == "") | stripped.isin(EMPTY_DATES)).to_numpy()
    dates, parts = _parse_full(stripped.to_numpy(dtype=object), np.flatnonzero(~empty), formats)
    year, month, day = parts.T
    is_full = ~np.isnan(year)
    rest = ~is_full & ~empty

    year_only = np.where(rest, _numbers(stripped, _YEAR_ONLY)["year"], np.nan)
    day_month = _numbers(stripped, _DAY_MONTH)
    partial_day = np.where(rest, day_month["day"], np.nan)
    partial_month = np.where(rest, day_month["month"], np.nan)
    month_ok = (partial_month >= 1) & (partial_month <= 12)
    days_allowed = _DAYS_IN_MONTH[np.where(month_ok, partial_month, 0).astype(int)]
    is_day_month = month_ok & (partial_day >= 1) & (partial_day <= days_allowed)
    is_year = ~np.isnan(year_only)

    before_birthday = (month > as_of.month) | ((month == as_of.month) & (day > as_of.day))
    age = np.where(is_full, as_of.year - year - before_birthday, as_of.year - year_only)
    age_low = age - is_year  # a year-only date may be a year younger than `age`
    date_key = year * 10_000 + month * 100 + day
    future = (date_key > as_of.year * 10_000 + as_of.month * 100 + as_of.day) | (year_only > as_of.year)
    too_old = ~future & (age_low > max_age)
    too_young = ~future & (age < min_age)
    unparseable = rest & ~is_year & ~is_day_month
    invalid = future | too_old | too_young | unparseable

    checks = [(is_year | is_day_month, BIRTH_DATE_PARTIAL), (future, BIRTH_DATE_FUTURE),
              (too_old, BIRTH_DATE_TOO_OLD), (too_young, BIRTH_DATE_TOO_YOUNG), (unparseable, BIRTH_DATE_UNPARSEABLE)]
    issues = [";".join(code for mask, code in checks if mask[row]) for row in range(len(texts))]
    quality = np.select(
        [empty, invalid, is_full & (stripped == texts).to_numpy()],
        [QUALITY_EMPTY, QUALITY_INVALID, QUALITY_OK],
        default=QUALITY_FIXED,
    ).astype(QUALITY_DTYPE)

    usable = ~invalid & ~empty
    precision = np.select([is_full, is_year, is_day_month], ["full", "year", "day_month"], default=None)
    return pd.DataFrame(
        {
            "birth_date": np.where(usable, dates, np.datetime64("NaT")).astype("datetime64[ns]"),
            "birth_year": _integers(np.where(is_full, year, year_only), usable),
            "birth_month": _integers(np.where(is_full, month, partial_month), usable & (is_full | is_day_month)),
            "birth_day": _integers(np.where(is_full, day, partial_day), usable & (is_full | is_day_month)),
            "precision": pd.array(np.where(usable, precision, None), dtype=TEXT),
            "age": _integers(age, usable),
            "quality": quality,
            "issues": pd.array(issues, dtype=TEXT),
        }
    )


def _integers(values: np.ndarray, keep: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable integers of `values` where `keep` (and the value is a number), <NA> elsewhere."""
    return pd.array(np.where(keep & ~np.isnan(values), values, np.nan), dtype="Int64")


def parse_birth_dates(
    values: pd.Series,
    as_of: dt.date,
    formats: Sequence[str] = DEFAULT_FORMATS,
    min_age: int = 14,
    max_age: int = 110,
) -> pd.DataFrame:
    """Parse raw birth dates and check them against the age range at `as_of`.

    Returns a frame aligned with `values` with columns birth_date (datetime64, full dates only), birth_year,
    birth_month, birth_day, age (Int64), precision ('full' | 'year' | 'day_month' | <NA>), quality (0 ok,
    1 standardized or partial, 2 empty, 10 invalid) and issues (birth_date_future, birth_date_too_old,
    birth_date_too_young, birth_date_partial, birth_date_unparseable). Datetime input is formatted with
    the first format first.
    """
    _validate_arguments(as_of, formats, min_age, max_age)
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values):
        values = values.dt.strftime(formats[0])

    def normalize(texts: pd.Series) -> pd.DataFrame:
        return _parse_texts(texts.astype(str), as_of, formats, min_age, max_age)

    return normalize_unique(values, normalize, "birth_date")
