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

Speed: an address of plain ASCII letters, digits and '._+-' before the '@' and a domain of the reference
list (one that email-validator accepts as written) is valid as it stands; such addresses, the large
majority, are checked with Arrow string operations, every other text goes through email-validator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from email_validator import EmailNotValidError, validate_email
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from analysis.quality_codes import (
    QUALITY_DTYPE,
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    arrow_texts,
    join_issues,
    normalize_unique,
    other_rows,
    result_frame,
    stack_rows,
    text_array,
)

EMAIL_DOMAIN_TYPO = "email_domain_typo"
EMAIL_INVALID = "email_invalid"
EMAIL_SPAM = "email_spam"
EMAIL_PLACEHOLDER = "email_placeholder"

EMAIL_COLUMNS = ["email", "domain", "quality", "issues", "suggested"]

_SPAM_WORDS = (
    r"test\d*|тест\d*|no|none|null|nope|net|нет|nomail|no[-_.]?e?mail|no[-_.]?reply|donotreply"
    r"|nobody|fake|spam|nospam|example|sample|asd|asdf|asdfgh|asdasd|qwe|qwerty|qwertyuiop|ytrewq"
    r"|zxc|zxcvb|abc|1(?:2(?:3(?:4(?:5(?:6(?:7(?:8(?:90?)?)?)?)?)?)?)?)?"
)
_SPAM_LOCAL_PART = re.compile(rf"(?:{_SPAM_WORDS}|(.)\1*)")  # (.)\1*: one character repeated
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

    fast_domains = _plain_domains(known)

    def normalize(texts: pd.Series) -> pd.DataFrame:
        fast, fast_frame = _plain_rows(texts, fast_domains, disposable)
        rest = other_rows(len(texts), fast)
        rest_texts = texts.iloc[rest].tolist()
        parsed = [_parse(text) for text in rest_texts]
        unknown = (item.domain for item in parsed if isinstance(item, _Address) and item.domain not in known)
        corrections = domain_corrections(unknown, popular)
        rows = [_finish(text, item, corrections, disposable) for text, item in zip(rest_texts, parsed)]
        return stack_rows(len(texts), [(fast, fast_frame), (rest, result_frame(rows, EMAIL_COLUMNS))])

    return normalize_unique(values, normalize, "email")


# The fast path: plain addresses at known domains, valid as written.

_PLAIN_LOCAL_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_+-"
_PLAIN_ADDRESS = r"^[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+$"
_MAX_ADDRESS_LENGTH = 254  # email-validator's limit (RFC 3696 errata), checked on the whole address
_PLAIN_SPAM = rf"^(?:{_SPAM_WORDS}|{'|'.join(re.escape(c) + '+' for c in _PLAIN_LOCAL_CHARACTERS + '.')})$"


@cache
def _plain_domains(domains: frozenset[str]) -> frozenset[str]:
    """The domains that email-validator accepts and keeps as written (lower-case ASCII)."""
    out = set()
    for domain in domains:
        if re.fullmatch(r"[a-z0-9\-]+(?:\.[a-z0-9\-]+)+", domain) and _split_valid(f"a@{domain}") == ("a", domain):
            out.add(domain)
    return frozenset(out)


def _plain_rows(texts: pd.Series, domains: frozenset[str], disposable: frozenset[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Positions and result rows of the texts that are plain addresses at one of `domains`.

    A plain local part (ASCII dot-atom of letters, digits and '_+-') passes email-validator unchanged, so
    such an address is valid as written, lower-cased.
    """
    values = arrow_texts(texts)
    plain = pc.and_(pc.match_substring_regex(values, _PLAIN_ADDRESS),
                    pc.less_equal(pc.utf8_length(values), _MAX_ADDRESS_LENGTH))
    plain = pc.fill_null(plain, False)
    lowered = pc.utf8_lower(values.filter(plain))
    parts = pc.split_pattern(lowered, "@")
    local, domain = pc.list_element(parts, 0), pc.list_element(parts, 1)
    known = pc.is_in(domain, pa.array(sorted(domains), pa.string())).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(plain.to_numpy(zero_copy_only=False))[known]
    keep = pa.array(known)
    lowered, local, domain = lowered.filter(keep), local.filter(keep), domain.filter(keep)
    spam = pc.or_(pc.is_in(domain, pa.array(sorted(disposable), pa.string())),
                  pc.match_substring_regex(local, _PLAIN_SPAM)).to_numpy(zero_copy_only=False)
    same = pc.equal(lowered, values.take(pa.array(rows))).to_numpy(zero_copy_only=False)
    frame = pd.DataFrame({
        "email": text_array(pc.if_else(pa.array(spam), pa.scalar(None, pa.string()), lowered)),
        "domain": text_array(domain),
        "quality": np.select([spam, same], [QUALITY_INVALID, QUALITY_OK], QUALITY_FIXED).astype(QUALITY_DTYPE),
        "issues": text_array(pa.array(np.where(spam, EMAIL_SPAM, ""), pa.string())),
        "suggested": text_array(pa.nulls(len(rows), pa.string())),
    })
    return rows, frame


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
