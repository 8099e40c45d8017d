"""E-mail addresses: syntax check (email-validator, no DNS), domain typo correction, spam and placeholders.

Decisions documented here (one place):
- the address is stripped of all white space, a 'mailto:' prefix and trailing dots, and lower-cased;
- a domain that is not in the reference list (resources/email_domains.csv) is corrected to a popular
  domain within one edit (a transposition counts as one; two edits for domains of 9+ characters) that
  starts with the same letter; ties go to the earlier (more popular) row of the list; a comma in the
  domain ('mail,ru') is read as a dot. Both count as email_domain_typo (quality 1, `suggested` filled);
- email_spam (quality 10): test/placeholder-like local parts ('test', 'no', 'nomail', 'asdf', 'qwerty',
  '123', '1', 'xxx') or a disposable/test domain (kind=disposable in the list);
- email_placeholder: a text without '@' that means "none" ('нет', '-', 'no', 'n/a'): quality 2 (empty)
  with the issue; any other text without a valid address is email_invalid (quality 10);
- `email` is <NA> unless quality is 0 or 1; `domain` is filled whenever the syntax is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from analysis.quality_codes import (
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    join_issues,
    normalize_unique,
    result_frame,
)

EMAIL_DOMAIN_TYPO = "email_domain_typo"
EMAIL_INVALID = "email_invalid"
EMAIL_SPAM = "email_spam"
EMAIL_PLACEHOLDER = "email_placeholder"

EMAIL_COLUMNS = ["email", "domain", "quality", "issues", "suggested"]

_SPAM_LOCAL_PART = re.compile(
    r"(?:test\d*|тест\d*|no|none|null|nope|net|нет|nomail|no[-_.]?e?mail|no[-_.]?reply|donotreply"
    r"|nobody|fake|spam|nospam|example|sample|asd|asdf|asdfgh|asdasd|qwe|qwerty|qwertyuiop|ytrewq"
    r"|zxc|zxcvb|abc|(.)\1*|1(?:2(?:3(?:4(?:5(?:6(?:7(?:8(?:90?)?)?)?)?)?)?)?)?)"
)
_PLACEHOLDERS = frozenset(
    {"нет", "нету", "no", "none", "n/a", "na", "nan", "null", "не указан", "не указано", "не указана",
     "отсутствует", "не дал", "не дала", "не знаю", "нет почты", "нет email", "нет e-mail", "0"}
)
_WORD_CHARACTER = re.compile(r"\w")
_WHITESPACE = re.compile(r"\s+")


@cache
def _reference_domains() -> pd.DataFrame:
    with resources.files("analysis").joinpath("resources/email_domains.csv").open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str)


def default_popular_domains() -> tuple[str, ...]:
    """Popular mailbox domains from the reference list, most popular first."""
    table = _reference_domains()
    return tuple(table.loc[table["kind"] == "popular", "domain"])


def default_disposable_domains() -> tuple[str, ...]:
    """Disposable, test and spam domains from the reference list."""
    table = _reference_domains()
    return tuple(table.loc[table["kind"] == "disposable", "domain"])


def _clean(text: str) -> str:
    cleaned = _WHITESPACE.sub("", text).lower()
    return cleaned.removeprefix("mailto:")


def _split_valid(address: str) -> tuple[str, str] | None:
    """Validated (local part, domain) of an address, None when its syntax is invalid."""
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    local, _, domain = checked.normalized.lower().rpartition("@")
    return local, domain


def _max_edits(domain: str) -> int:
    return 1 if len(domain) < 9 else 2


def domain_corrections(domains: Iterable[str], popular: tuple[str, ...]) -> dict[str, str]:
    """Map each domain that looks like a typo of a popular domain to that domain."""
    queries = list(dict.fromkeys(domains))
    if not queries or not popular:
        return {}
    distances = cdist(queries, popular, scorer=OSA.distance, dtype=np.int32, workers=1)
    first_letters = np.array([domain[:1] for domain in popular])
    corrections = {}
    for row, query in enumerate(queries):
        candidates = np.where(first_letters == query[:1], distances[row], np.iinfo(np.int32).max)
        best = int(np.argmin(candidates))
        if 0 < candidates[best] <= _max_edits(query):
            corrections[query] = popular[best]
    return corrections


def _is_placeholder(text: str) -> bool:
    lowered = " ".join(text.lower().split())
    return lowered in _PLACEHOLDERS or not _WORD_CHARACTER.search(lowered)


def normalize_emails(
    values: pd.Series,
    popular_domains: Iterable[str] | None = None,
    disposable_domains: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Check and standardize raw e-mail fields.

    Returns a frame aligned with `values` with columns email (lower-case, typo-corrected; <NA> unless
    usable), domain, quality (0 ok, 1 standardized/fixed, 2 empty, 10 invalid), issues (email_domain_typo,
    email_invalid, email_spam, email_placeholder) and suggested (the corrected address when a typo was
    fixed). Defaults for the domain lists come from resources/email_domains.csv.
    """
    popular = tuple(default_popular_domains() if popular_domains is None else popular_domains)
    disposable = frozenset(default_disposable_domains() if disposable_domains is None else disposable_domains)
    known = frozenset(popular) | disposable

    def normalize(texts: pd.Series) -> pd.DataFrame:
        parsed = [_parse(text) for text in texts]
        unknown = (item.domain for item in parsed if isinstance(item, _Address) and item.domain not in known)
        corrections = domain_corrections(unknown, popular)
        rows = [_finish(text, item, corrections, disposable) for text, item in zip(texts, parsed)]
        return result_frame(rows, EMAIL_COLUMNS)

    return normalize_unique(values, normalize, "email")


class _Address(NamedTuple):
    local: str
    domain: str
    comma_fixed: bool


def _parse(text: str) -> _Address | str:
    """The parts of a syntactically valid address, else its issue code ('' when empty)."""
    if not text.strip():
        return ""
    cleaned = _clean(text)
    if "@" not in cleaned:
        return EMAIL_PLACEHOLDER if _is_placeholder(text) else EMAIL_INVALID
    local, _, domain = cleaned.rpartition("@")
    fixed_domain = domain.replace(",", ".").rstrip(".")
    parts = _split_valid(f"{local}@{fixed_domain}")
    if parts is None:
        return EMAIL_INVALID
    return _Address(*parts, comma_fixed="," in domain)


def _finish(
    text: str, parsed: _Address | str, corrections: dict[str, str], disposable: frozenset[str]
) -> tuple[Any, ...]:
    if parsed == "":
        return (pd.NA, pd.NA, QUALITY_EMPTY, "", pd.NA)
    if parsed == EMAIL_PLACEHOLDER:
        return (pd.NA, pd.NA, QUALITY_EMPTY, EMAIL_PLACEHOLDER, pd.NA)
    if isinstance(parsed, str):
        return (pd.NA, pd.NA, QUALITY_INVALID, parsed, pd.NA)
    domain = corrections.get(parsed.domain, parsed.domain)
    address = f"{parsed.local}@{domain}"
    typo = EMAIL_DOMAIN_TYPO if parsed.comma_fixed or domain != parsed.domain else ""
    if domain in disposable or _SPAM_LOCAL_PART.fullmatch(parsed.local):
        return (pd.NA, domain, QUALITY_INVALID, join_issues([typo, EMAIL_SPAM]), pd.NA)
    quality = QUALITY_OK if address == text else QUALITY_FIXED
    return (address, domain, quality, typo, address if typo else pd.NA)
