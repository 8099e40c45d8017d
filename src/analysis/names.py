"""Person names: parse one-field and split-field names into standardized parts, gender, quality and issues.

Decisions (one place):
- roles come from pymorphy3 tags (Surn, Name, Patr in the nominative) and suffixes; every known word order
  ('Фамилия Имя Отчество', 'Имя Отчество Фамилия', 'Фамилия Имя', 'Имя Фамилия', one word...) is scored and
  the best kept; a word order fix, case and spaces are standardizations (quality 1, no issue code);
- Latin look-alikes inside a Cyrillic word are replaced (name_latin_letters, quality 1); a mixed word that
  cannot be made single-script is invalid (quality 10); names fully in Latin are left as they are;
- digits, symbols, placeholder words ('тест', 'xxx', 'нет'), repeated letters and initials alone are name_junk;
- invalid and empty names have no parts (<NA>); the display form keeps ё.

Speed: names are mostly unique, their words and token patterns are not. One-field names of Cyrillic words
and initials and all split-field records are computed at once: each distinct word or field prepared once,
each distinct token pattern decided once by the same rules, texts assembled with Arrow string operations.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from functools import cache, lru_cache
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pymorphy3

from analysis.quality_codes import (
    QUALITY_EMPTY,
    QUALITY_FIXED,
    QUALITY_INVALID,
    QUALITY_OK,
    arrow_texts,
    other_rows,
    stack_rows,
    text_array,
)
from analysis.readers import TEXT

# Issue codes of the quality vocabulary.
ISSUE_LATIN = "name_latin_letters"
ISSUE_PATRONYMIC_IN_SURNAME = "name_patronymic_in_surname"
ISSUE_SWAPPED = "name_swapped"
ISSUE_JUNK = "name_junk"

COLUMNS = ["last_name", "first_name", "patronymic", "initials", "name_gender", "quality", "issues"]

# Words that make a whole name a placeholder or test entry (compared in lower case, ё as е).
JUNK_WORDS = frozenset(
    "тест test тестовый тестовая testov xxx ххх нет не неизвестно неизвестный неизвестная аноним анонимный "
    "клиент покупатель розничный фио имя фамилия отчество null none nan noname unknown undefined "
    "ооо оао зао пао ао ип qwerty йцукен asdf фыва абв abc".split()
)
# Characters that never occur in a person's name written by hand.
_JUNK_SYMBOLS = frozenset("?!@#$%^&*_=+<>/\\|~[]{}№§")
# Patronymic field values meaning "no patronymic" in split sources.
NO_PATRONYMIC = frozenset({"нет", "отсутствует", "без отчества", "нет отчества", "не указано"})

# Turkic patronymic markers written after the father's name: 'Гусейн оглы' (son of), 'Гасан кызы' (daughter of).
TURKIC_MARKERS = {"оглы": "M", "огли": "M", "улы": "M", "уулу": "M", "кызы": "F", "гызы": "F", "кизи": "F"}

_PATRONYMIC_SUFFIX = re.compile(r"(?:ович|евич|овна|евна|ична)$")
_SURNAME_SUFFIX = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|цкий|ская|цкая|ской|цкой|енко|ук|юк|ян|дзе|швили|ых|их)$"
)

# Latin letters that look like Cyrillic ones, and back.
_LAT = "AaBCcEeHKkMOoPpTXxYyËë"
_CYR = "АаВСсЕеНКкМОоРрТХхУуЁё"
_LAT_TO_CYR = str.maketrans(_LAT, _CYR)
_CYR_TO_LAT = str.maketrans(_CYR, _LAT)
_LAT_LOOKALIKES = frozenset(_LAT)
_PUNCT = str.maketrans({"’": "'", "‘": "'", "`": "'", "ʼ": "'", "´": "'", "‐": "-", "‑": "-", "‒": "-",
                        "–": "-", "—": "-", "―": "-", "−": "-"})
_KEEP_PUNCT = frozenset(" .-'")

# Role evidence (0..1): a suffix-only surname, an unknown word as surname, an initial, the rarer dictionary reading.
SUFFIX_SURNAME_EVIDENCE = 0.7
UNKNOWN_SURNAME_EVIDENCE = 0.3
SUFFIX_PATRONYMIC_EVIDENCE = 0.9
INITIAL_EVIDENCE = 0.5
AMBIGUOUS_EVIDENCE = 0.5
# Word orders of a one-field name with their prior (ties go to the earlier, more usual order).
_ORDERS: tuple[tuple[str, float], ...] = (("SNP", 0.3), ("NPS", 0.15), ("SN", 0.2), ("NS", 0.1), ("NP", 0.05),
                                          ("S", 0.1), ("N", 0.0), ("P", -0.1))
_MAX_GROUP = {"S": 2, "N": 2, "P": 1}
_EXTRA_WORD_PENALTY = 0.4
_STABLE_ROUNDS = 3
# A swap of split fields needs the swapped reading to be this much better.
SWAP_MARGIN = 1.0


class _Evidence(NamedTuple):
    surname: float
    name: float
    patronymic: float
    name_gender: str | None
    patronymic_gender: str | None


class _Token(NamedTuple):
    text: str  # display form
    kind: str  # 'word' | 'initial' | 'turkic'
    ev: _Evidence


class _Prepared(NamedTuple):
    status: str  # 'empty' | 'junk' | 'bad_script' | 'ok'
    tokens: tuple[_Token, ...]
    latin_fixed: bool


class _Result(NamedTuple):
    last_name: str | None
    first_name: str | None
    patronymic: str | None
    initials: bool
    name_gender: str | None
    quality: int
    issues: str


_EMPTY = _Result(None, None, None, False, None, QUALITY_EMPTY, "")
_JUNK = _Result(None, None, None, False, None, QUALITY_INVALID, ISSUE_JUNK)
_BAD_SCRIPT = _Result(None, None, None, False, None, QUALITY_INVALID, ISSUE_LATIN)
_INITIAL_EV = _Evidence(float("-inf"), INITIAL_EVIDENCE, INITIAL_EVIDENCE, None, None)


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    """The Russian morphology dictionary, loaded once on first use."""
    return pymorphy3.MorphAnalyzer()


# ---------------------------------------------------------------- token evidence


@lru_cache(maxsize=200_000)
def _word_evidence(word: str) -> _Evidence:
    """How much a lower-case word looks like a surname, first name or patronymic (pymorphy3 tags + suffixes)."""
    if "-" in word.strip("-"):
        parts = [_word_evidence(p) for p in word.split("-") if p]
        return _Evidence(max(p.surname for p in parts), min(p.name for p in parts), 0.0, parts[0].name_gender, None)
    surname_score = name_score = patronymic = 0.0
    name_parses: list[tuple[float, str | None]] = []
    cyrillic = _is_cyrillic_word(word)
    for p in _morph().parse(word) if cyrillic else ():  # the dictionary only knows Russian words
        tag = p.tag
        if "nomn" not in tag:
            continue
        if "Surn" in tag:
            surname_score += p.score
        if "Name" in tag and "sing" in tag:
            name_score += p.score
            name_parses.append((p.score, {"masc": "M", "femn": "F"}.get(tag.gender or "")))
        if "Patr" in tag:
            patronymic = 1.0
    # Known as both ('Ким', 'Роман'): the less frequent reading counts half.
    surname = 0.0 if not surname_score else 1.0 if surname_score >= name_score else AMBIGUOUS_EVIDENCE
    name = 0.0 if not name_score else 1.0 if name_score >= surname_score else AMBIGUOUS_EVIDENCE
    if not patronymic and _PATRONYMIC_SUFFIX.search(word):
        patronymic = SUFFIX_PATRONYMIC_EVIDENCE
    if not surname and not name and not patronymic:
        surname = SUFFIX_SURNAME_EVIDENCE if _SURNAME_SUFFIX.search(word) else UNKNOWN_SURNAME_EVIDENCE
    if name_parses:
        name_gender = max(name_parses, key=lambda sg: sg[0])[1]
    elif cyrillic and surname < 1.0 and not patronymic and word.endswith(("а", "я")):
        name_gender = "F"  # Russian first names unknown to the dictionary ending in -а/-я are female
    else:
        name_gender = None
    patronymic_gender = None
    if patronymic:
        patronymic_gender = "M" if word.endswith("ич") else "F" if word.endswith("на") else None
    return _Evidence(surname, name, patronymic, name_gender, patronymic_gender)


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
_CYRILLIC_WORD = re.compile("[\u0400-\u04ff'-]+")
# Names written with nothing but Russian/Latin letters, spaces, dots, hyphens and apostrophes (the usual case).
_PLAIN_TEXT = re.compile("[A-Za-zА-яЁё .'-]+")
_PLAIN_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")


def _is_cyrillic_word(word: str) -> bool:
    return _CYRILLIC_WORD.fullmatch(word) is not None


def _has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def _has_latin(text: str) -> bool:
    return _LATIN.search(text) is not None


# ---------------------------------------------------------------- cleaning


def _fix_script(word: str, cyrillic_context: bool) -> tuple[str, str]:
    """A word with Latin look-alikes in Cyrillic (or the reverse) made single-script: (word, 'ok'|'fixed'|'bad')."""
    has_lat = _has_latin(word)
    if not has_lat:
        return word, "ok"
    if _has_cyrillic(word):
        for table, other in ((_LAT_TO_CYR, _has_latin), (_CYR_TO_LAT, _has_cyrillic)):
            fixed = word.translate(table)
            if not other(fixed):
                return fixed, "fixed"
        return word, "bad"
    if cyrillic_context and all(ch in _LAT_LOOKALIKES for ch in word if ch.isalpha()):
        return word.translate(_LAT_TO_CYR), "fixed"
    return word, "ok"


def _pieces(raw_token: str) -> list[tuple[str, bool]]:
    """A whitespace token split at dots into (body, is_initial): 'Н.Д.' -> [('Н', True), ('Д', True)]."""
    out: list[tuple[str, bool]] = []
    for piece in raw_token.split("."):
        if _PLAIN_WORD.fullmatch(piece):
            out.append((piece, len(piece) == 1))
            continue
        body = re.sub(r"-{2,}", "-", re.sub(r"'{2,}", "'", piece)).strip("-'")
        body = re.sub(r"-'|'-", "-", body)
        if not any(ch.isalpha() for ch in body):
            continue
        lower = body.lower()
        marker = next((m for m in TURKIC_MARKERS if lower.endswith("-" + m) and len(lower) > len(m) + 1), None)
        if marker:
            out += [(body[: -len(marker) - 1].strip("-'"), False), (body[-len(marker):], False)]
        else:
            out.append((body, len(body) == 1))
    return out


def _title(word: str) -> str:
    """Title case per hyphen/apostrophe part; stable when applied again."""
    titled = unicodedata.normalize("NFKC", word.title())
    return titled if titled.title() == titled else word


def _normalized_text(raw: str) -> str | None:
    """Unicode-normalized text with separators as spaces; None when it holds digits or symbols."""
    if _PLAIN_TEXT.fullmatch(raw):
        return raw
    text = unicodedata.normalize("NFKC", raw.translate(_PUNCT))
    if any(ch.isdigit() or ch in _JUNK_SYMBOLS for ch in text):
        return None
    return "".join(ch if ch.isalpha() or ch in _KEEP_PUNCT else " " for ch in text)


class _Piece(NamedTuple):
    status: str  # 'ok' | 'junk' | 'bad_script' | 'turkic' (a marker: joins the token before it)
    token: _Token | None
    latin_fixed: bool
    key: str


@lru_cache(maxsize=200_000)
def _piece(body: str, is_initial: bool, cyrillic_context: bool) -> _Piece:
    """One piece of a name (a word or an initial) as a token, or why it cannot be one."""
    body, script = _fix_script(body, cyrillic_context)
    if script == "bad":
        return _Piece("bad_script", None, False, "")
    key = body.lower().replace("ё", "е")
    if key in JUNK_WORDS or (len(key) > 1 and not key.strip(key[0] + "-'")):
        return _Piece("junk", None, False, key)
    latin_fixed = script == "fixed"
    if is_initial:
        upper = body.upper()
        return _Piece("ok", _Token((upper if len(upper) == 1 else body) + ".", "initial", _INITIAL_EV), latin_fixed, key)
    if key in TURKIC_MARKERS:
        return _Piece("turkic", None, latin_fixed, key)
    display = _title(body)
    return _Piece("ok", _Token(display, "word", _word_evidence(display.lower())), latin_fixed, key)


@lru_cache(maxsize=100_000)
def _prepare(raw: str) -> _Prepared:
    """Clean one name text into display tokens with role evidence, or say why it cannot be a name."""
    if not raw.strip():
        return _Prepared("empty", (), False)
    text = _normalized_text(raw)
    if text is None or not _LETTER.search(text):
        return _Prepared("junk", (), False)
    pieces = [p for raw_token in text.split() for p in _pieces(raw_token)]
    cyrillic_context = _has_cyrillic(text)
    tokens: list[_Token] = []
    latin_fixed = False
    for body, is_initial in pieces:
        piece = _piece(body, is_initial, cyrillic_context)
        if piece.status in ("bad_script", "junk"):
            return _Prepared(piece.status, (), False)
        latin_fixed |= piece.latin_fixed
        if piece.status == "turkic":
            if not tokens or tokens[-1].kind != "word":  # 'оглы'/'кызы' must follow the father's name
                return _Prepared("junk", (), False)
            father = tokens.pop()
            ev = _Evidence(float("-inf"), 0.0, 1.0, None, TURKIC_MARKERS[piece.key])
            tokens.append(_Token(f"{father.text} {piece.key}", "turkic", ev))
        else:
            tokens.append(piece.token)
    return _Prepared("ok", tuple(tokens), latin_fixed)


# ---------------------------------------------------------------- roles

_ROLE_FIELD = {"S": 0, "N": 1, "P": 2}  # position of the role's evidence in _Evidence


@cache
def _layouts(n: int) -> tuple[tuple[float, tuple[tuple[str, int, int], ...]], ...]:
    """Every way to cut n tokens into role runs (role, start, end) following a known word order, with its prior."""
    out = []
    for order, prior in _ORDERS:
        for sizes in itertools.product(*(range(1, _MAX_GROUP[r] + 1) for r in order)):
            if sum(sizes) == n:
                ends = list(itertools.accumulate(sizes))
                out.append((prior, tuple((r, e - size, e) for r, size, e in zip(order, sizes, ends))))
    return tuple(out)


def _group_score(group: Sequence[tuple[str, _Evidence]], role: str) -> float:
    """Evidence that a run of (kind, evidence) plays `role` ('S', 'N', 'P'); -inf when impossible."""
    kind, ev = group[0]
    if len(group) > 1 and any(k != "word" for k, _ in group):
        return float("-inf")
    if role == "P" and ev.patronymic < INITIAL_EVIDENCE or role != "P" and kind == "turkic":
        return float("-inf")
    field = _ROLE_FIELD[role]
    return sum(e[field] for _, e in group) / len(group) - _EXTRA_WORD_PENALTY * (len(group) - 1)


@lru_cache(maxsize=20_000)
def _best_layout(signature: tuple[tuple[str, _Evidence], ...]) -> tuple[tuple[str, int, int], ...] | None:
    """The best-scoring layout for tokens of these kinds and evidence (many names share a signature)."""
    best: tuple[float, tuple[tuple[str, int, int], ...]] | None = None
    for prior, layout in _layouts(len(signature)):
        score = prior + sum(_group_score(signature[start:end], role) for role, start, end in layout)
        if score > float("-inf") and (best is None or score > best[0]):
            best = (score, layout)
    return None if best is None else best[1]


def _assign_roles(tokens: Sequence[_Token]) -> dict[str, tuple[_Token, ...]] | None:
    """Tokens split into surname / first name / patronymic runs by the best-scoring word order."""
    layout = _best_layout(tuple((t.kind, t.ev) for t in tokens))
    if layout is None:
        return None
    return {role: tuple(tokens[start:end]) for role, start, end in layout}


def _stable_roles(tokens: tuple[_Token, ...]) -> dict[str, tuple[_Token, ...]] | None:
    """Roles that read the same again once written in standard order (re-parsed until stable, a few rounds)."""
    roles = _assign_roles(tokens)
    for _ in range(_STABLE_ROUNDS):
        if roles is None:
            return None
        ordered = (*roles.get("S", ()), *roles.get("N", ()), *roles.get("P", ()))
        if ordered == tokens:
            break
        tokens = ordered
        roles = _assign_roles(tokens) or roles
    return roles


def _has_word(tokens: Sequence[_Token]) -> bool:
    """Initials alone ('Н.Д.') do not make a name."""
    return any(t.kind != "initial" for t in tokens)


def _join(group: Sequence[_Token]) -> str | None:
    return " ".join(t.text for t in group) or None


_FEMALE_SURNAME = re.compile(r"(?:ов|ев|ёв|ин|ын)а$|(?:ск|цк)ая$")
_MALE_SURNAME = re.compile(r"(?:ов|ев|ёв|ин|ын)$|(?:ск|цк)ий$")


def _surname_gender(last: Sequence[_Token]) -> str | None:
    """Gender told by a Russian surname's inflected ending (Козлова F, Козлов M), None when it tells nothing."""
    if len(last) != 1 or last[0].kind != "word":
        return None
    word = last[0].text.lower().rsplit("-", 1)[-1]
    return "F" if _FEMALE_SURNAME.search(word) else "M" if _MALE_SURNAME.search(word) else None


def _gender(last: Sequence[_Token], first: Sequence[_Token], patronymic: Sequence[_Token]) -> str | None:
    """Gender from the patronymic, else from a gendered surname ending, else from the first name.

    The surname outranks the first name because dictionaries misread many non-Russian first names
    ('Лейсан', 'Айгюн' parse as masculine), while 'Козлова' is female whatever the first name.
    """
    return _pick_gender(patronymic[0].ev.patronymic_gender if len(patronymic) == 1 else None, _surname_gender(last),
                        first[0].ev.name_gender if first and first[0].kind == "word" else None)


def _pick_gender(by_patronymic: str | None, by_surname: str | None, by_first_name: str | None) -> str | None:
    """The first gender told: patronymic, then surname ending, then first name."""
    return by_patronymic or by_surname or by_first_name


def _rendered(last: str | None, first: str | None, patronymic: str | None) -> set[str]:
    """Standard spellings of a parsed name: 'Зимина Н. Д.' and 'Зимина Н.Д.' both count as standard."""
    full = " ".join(p for p in (last, first, patronymic) if p)
    out = {full}
    if first and patronymic and first.endswith(".") and patronymic.endswith("."):
        out.add(" ".join(p for p in (last, first + patronymic) if p))
    return out


def _result(last: Sequence[_Token], first: Sequence[_Token], patronymic: Sequence[_Token],
            changed: bool, issues: Sequence[str]) -> _Result:
    parts = _join(last), _join(first), _join(patronymic)
    initials = any(t.kind == "initial" for t in (*first, *patronymic))
    quality = QUALITY_FIXED if changed or issues else QUALITY_OK
    return _Result(*parts, initials, _gender(last, first, patronymic), quality, ";".join(issues))


@lru_cache(maxsize=100_000)
def _parse_full(raw: str) -> _Result:
    prepared = _prepare(raw)
    if prepared.status != "ok":
        return {"empty": _EMPTY, "junk": _JUNK, "bad_script": _BAD_SCRIPT}[prepared.status]
    if not _has_word(prepared.tokens):
        return _JUNK
    roles = _stable_roles(prepared.tokens)
    if roles is None:
        return _JUNK
    last, first, patronymic = roles.get("S", ()), roles.get("N", ()), roles.get("P", ())
    changed = raw not in _rendered(_join(last), _join(first), _join(patronymic))
    return _result(last, first, patronymic, changed, [ISSUE_LATIN] if prepared.latin_fixed else [])


# ---------------------------------------------------------------- split fields


def _field_evidence(tokens: Sequence[_Token]) -> _Evidence:
    """Mean evidence of a split field's tokens; genders from its first token."""
    if not tokens:
        return _Evidence(0.0, 0.0, 0.0, None, None)
    n = len(tokens)
    return _Evidence(sum(t.ev.surname for t in tokens) / n, sum(t.ev.name for t in tokens) / n,
                     sum(t.ev.patronymic for t in tokens) / n, tokens[0].ev.name_gender,
                     tokens[0].ev.patronymic_gender)


def _split_field(raw: str | None, is_patronymic: bool) -> _Prepared:
    """A split field cleaned; dashes/dots alone (and 'нет' as patronymic) mean an empty field."""
    if raw is None or not raw.strip(" -.—–_\t\u00a0"):
        return _Prepared("empty", (), False)
    if is_patronymic and raw.strip().lower().replace("ё", "е") in NO_PATRONYMIC:
        return _Prepared("empty", (), False)
    return _prepare(raw)


_Order = tuple[tuple[int, int, int], tuple[str, ...]]  # fields (by position) read as last, first, patronymic; issues


def _split_order(fields: Sequence[_Prepared]) -> _Result | _Order:
    """A fixed result (empty, junk, bad script) or which field is the surname, first name and patronymic.

    Reads the fields' statuses and their tokens' kinds and evidence only, never their text.
    """
    statuses = {f.status for f in fields}
    if statuses == {"empty"}:
        return _EMPTY
    if "junk" in statuses:
        return _JUNK
    if "bad_script" in statuses:
        return _BAD_SCRIPT
    last, first, patronymic = (f.tokens for f in fields)
    if not _has_word((*last, *first, *patronymic)):
        return _JUNK
    issues = [ISSUE_LATIN] if any(f.latin_fixed for f in fields) else []
    last_ev, first_ev, patronymic_ev = (_field_evidence(t) for t in (last, first, patronymic))
    order = [0, 1, 2]
    if _patronymic_in_surname(last, last_ev, first_ev, patronymic, patronymic_ev):
        issues.append(ISSUE_PATRONYMIC_IN_SURNAME)
        last, patronymic = patronymic, last
        last_ev = patronymic_ev
        order = [2, 1, 0]
    if _swapped(last, last_ev, first, first_ev):
        issues.append(ISSUE_SWAPPED)
        last, first = first, last
        order[0], order[1] = order[1], order[0]
    return (order[0], order[1], order[2]), tuple(issues)


def _parse_split(last_raw: str | None, first_raw: str | None, patronymic_raw: str | None) -> _Result:
    """One split-field record (the definition `check_split_names` computes for all records at once)."""
    raws = (last_raw, first_raw, patronymic_raw)
    fields = [_split_field(raw, i == 2) for i, raw in enumerate(raws)]
    decision = _split_order(fields)
    if isinstance(decision, _Result):
        return decision
    order, issues = decision
    last, first, patronymic = (fields[i].tokens for i in order)
    changed = any((raw or "") != (_join(f.tokens) or "") for raw, f in zip(raws, fields))
    return _result(last, first, patronymic, changed, list(issues))


def _patronymic_in_surname(last: Sequence[_Token], last_ev: _Evidence, first_ev: _Evidence,
                           patronymic: Sequence[_Token], patronymic_ev: _Evidence) -> bool:
    """The last-name field holds a patronymic (and the patronymic field is empty or holds the surname)."""
    if len(last) != 1 or last[0].kind != "word" or last_ev.patronymic < SUFFIX_PATRONYMIC_EVIDENCE:
        return False
    if last_ev.surname >= 1.0:  # also a dictionary surname ('Бабич'): keep it
        return False
    if patronymic and (patronymic_ev.patronymic >= INITIAL_EVIDENCE or patronymic_ev.surname < last_ev.surname):
        return False
    stated = first_ev.name_gender
    return not (stated and last_ev.patronymic_gender and stated != last_ev.patronymic_gender)


def _swapped(last: Sequence[_Token], last_ev: _Evidence, first: Sequence[_Token], first_ev: _Evidence) -> bool:
    """First name and surname fields hold each other's values, clearly more likely than as written."""
    if not last or not first or any(t.kind != "word" for t in (*last, *first)):
        return False
    if last_ev.name < 1.0 or first_ev.name >= 1.0 or first_ev.patronymic > 0:
        return False
    as_written = last_ev.surname + first_ev.name
    swapped = last_ev.name + first_ev.surname
    return swapped - as_written >= SWAP_MARGIN


# ---------------------------------------------------------------- public API


def _require_series(value: object, name: str) -> pd.Series:
    if not isinstance(value, pd.Series):
        raise ValueError(f"{name} must be a pandas Series, got {type(value).__name__}")
    return value


def _as_text(value: Hashable) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value if isinstance(value, str) else str(value)


def _results_table(results: Sequence[_Result]) -> pd.DataFrame:
    """One row per result, with the output column types."""
    columns = list(zip(*results)) if results else [()] * len(COLUMNS)
    return _table(dict(zip(COLUMNS, columns)))


def _table(columns: dict[str, object]) -> pd.DataFrame:
    """The output columns typed: initials bool, quality int8, the others text (lists or Arrow arrays)."""
    out = {}
    for name in COLUMNS:
        values = columns[name]
        if name == "initials":
            out[name] = np.asarray(values, dtype=bool)
        elif name == "quality":
            out[name] = np.asarray(values, dtype=np.int8)
        else:
            out[name] = text_array(values) if isinstance(values, pa.Array) else pd.array(list(values), dtype=TEXT)
    return pd.DataFrame(out)


def _spread(table: pd.DataFrame, codes: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """Per-unique rows spread back to the records; code -1 (missing input) gets the empty result."""
    table = pd.concat([table, _results_table([_EMPTY])], ignore_index=True)
    out = table.take(np.where(codes < 0, len(table) - 1, codes))
    out.index = index
    return out


def _distinct_texts(uniques: pd.Index) -> list[str | None]:
    """`_as_text` of factorized values (text columns as they are)."""
    if isinstance(uniques.dtype, pd.StringDtype):
        return uniques.to_numpy(dtype=object).tolist()
    return [_as_text(u) for u in uniques]


def _on_uniques(values: pd.Series, func: Callable[[str | None], object]) -> tuple[list, np.ndarray]:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return [func(_as_text(u)) for u in uniques], codes


def _factorize_rows(*columns: pd.Series) -> tuple[np.ndarray, list[tuple]]:
    """Codes of distinct value combinations across aligned columns (missing is a value) and one row of each."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        combined, _ = pd.factorize(combined * (len(uniques) + 1) + (codes + 1))
    _, first = np.unique(combined, return_index=True)
    return combined, list(zip(*(col.iloc[first].tolist() for col in columns)))


def parse_full_names(values: pd.Series) -> pd.DataFrame:
    """One-field names (1C 'Наименование') -> standardized parts. Index aligned with `values`.

    Columns: last_name, first_name, patronymic (<NA> when absent), initials, name_gender ('M'/'F'/<NA>),
    quality (0 ok, 1 standardized/fixed, 2 empty, 10 invalid) and issues (';'-joined codes, '' when none).
    """
    values = _require_series(values, "values")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = _distinct_texts(uniques)
    plain, plain_table = _plain_full_names(texts)
    rest = other_rows(len(texts), plain)
    table = stack_rows(len(texts), [(plain, plain_table), (rest, _results_table([_parse_full(texts[i]) for i in rest]))])
    return _spread(table, codes, values.index)


def check_split_names(last: pd.Series, first: pd.Series, patronymic: pd.Series) -> pd.DataFrame:
    """Split-field names (loyalty app) -> standardized parts, detecting swapped fields and a patronymic in the surname field.

    Same columns as `parse_full_names`; issues may include name_swapped and name_patronymic_in_surname.
    """
    series = [_require_series(s, n) for s, n in ((last, "last"), (first, "first"), (patronymic, "patronymic"))]
    for s, n in zip(series[1:], ("first", "patronymic")):
        if not s.index.equals(series[0].index):
            raise ValueError(f"'{n}' must have the same index as 'last'")
    return _split_rows(series).set_axis(series[0].index)


# ---------------------------------------------------------------- whole columns at once
#
# The per-record definitions above (`_parse_full`, `_parse_split`) decide a name from the kinds and evidence
# of its tokens, then put its texts together. Names share words and the same few token patterns, so the
# columns are computed at once: each distinct word or field is prepared once, each distinct pattern decided
# once (by the same role and swap rules), and the texts are assembled with Arrow string operations.

_PLAIN_FULL_NAME = "^[А-яЁё .]*[А-яЁё][А-яЁё .]*$"  # Cyrillic words and initials: read piece by piece
_PLAIN_MAX_PIECES = 3
_NO_SLOTS = (-1, -1, -1, -1, -1)


class _Slots(NamedTuple):
    """Token positions of the surname (two at most), first name (two at most) and patronymic; -1 when none."""

    positions: tuple[int, int, int, int, int]
    initials: bool  # an initial in the first name or patronymic
    joined_initials: bool  # first name and patronymic both end in an initial ('Н.Д.' is standard too)


@lru_cache(maxsize=20_000)
def _plain_slots(signature: tuple[tuple[str, _Evidence], ...]) -> _Slots | None:
    """Where the tokens of a full name with this signature go (None: junk), by `_stable_roles` itself."""
    tokens = tuple(_Token(str(i), kind, ev) for i, (kind, ev) in enumerate(signature))
    roles = _stable_roles(tokens) if _has_word(tokens) else None
    if roles is None:
        return None
    surname, first, patronymic = ([int(t.text) for t in roles.get(role, ())] for role in ("S", "N", "P"))
    positions = (*(surname + [-1, -1])[:2], *(first + [-1, -1])[:2], *(patronymic + [-1])[:1])
    kinds = [kind for kind, _ in signature]
    initials = any(kinds[i] == "initial" for i in (*first, *patronymic))
    joined = bool(first and patronymic) and kinds[first[-1]] == "initial" and kinds[patronymic[0]] == "initial"
    return _Slots(positions, initials, joined)


def _texts_at(texts: pa.Array, ids: np.ndarray) -> pa.Array:
    """texts[ids], null where the id is -1."""
    return texts.take(pa.array(np.where(ids < 0, 0, ids), mask=ids < 0))


def _joined(*parts: pa.Array, separator: str = " ") -> pa.Array:
    """Element-wise join of the non-null parts (null when all are null)."""
    out = parts[0]
    for part in parts[1:]:
        out = pc.coalesce(pc.binary_join_element_wise(out, part, separator), out, part)
    return out


def _equal(left: pa.Array, right: pa.Array) -> np.ndarray:
    return pc.fill_null(pc.equal(left, right), False).to_numpy(zero_copy_only=False)


def _genders(by_patronymic: np.ndarray, by_surname: np.ndarray, by_first_name: np.ndarray) -> np.ndarray:
    return np.frompyfunc(_pick_gender, 3, 1)(by_patronymic, by_surname, by_first_name)


def _piece_matrix(raw: pa.Array) -> tuple[list[_Piece], np.ndarray, np.ndarray]:
    """The distinct pieces of plain names and, per name, its piece numbers (-1: none) and piece count."""
    pieces = pc.split_pattern_regex(raw, "[ .]+")  # what `_pieces` makes of words, initials and dots
    flat = pieces.flatten()
    keep = pc.greater(pc.utf8_length(flat), 0)
    owner = pc.list_parent_indices(pieces).to_numpy(zero_copy_only=False)[keep.to_numpy(zero_copy_only=False)]
    encoded = pc.dictionary_encode(flat.filter(keep))
    facts = [_piece(body, len(body) == 1, True) for body in encoded.dictionary.to_pylist()]
    count = np.bincount(owner, minlength=len(raw))
    position = np.arange(len(owner)) - np.concatenate([[0], np.cumsum(count)])[owner]
    matrix = np.full((len(raw), _PLAIN_MAX_PIECES), -1)
    fits = position < _PLAIN_MAX_PIECES
    matrix[owner[fits], position[fits]] = encoded.indices.to_numpy(zero_copy_only=False)[fits]
    return facts, matrix, count


class _RowSlots(NamedTuple):
    positions: np.ndarray  # (rows, 5) token positions as in `_Slots`
    initials: np.ndarray
    joined_initials: np.ndarray
    junk: np.ndarray  # no word order fits


def _row_slots(tokens: list[_Token | None], matrix: np.ndarray) -> _RowSlots:
    """`_plain_slots` of each row's token signature, decided once per distinct signature."""
    classes: dict[tuple[str, _Evidence], int] = {}  # (kind, evidence) -> class number from 1; 0: no token
    piece_class = np.array([classes.setdefault((t.kind, t.ev), len(classes) + 1) if t else 0 for t in tokens] + [0])
    codes, patterns = _factorize_rows(*(pd.Series(piece_class[matrix[:, i]]) for i in range(_PLAIN_MAX_PIECES)))
    signatures = list(classes)
    slots = [_plain_slots(tuple(signatures[c - 1] for c in row if c)) for row in patterns]
    return _RowSlots(
        np.array([slot.positions if slot else _NO_SLOTS for slot in slots], dtype=np.int64).reshape(-1, 5)[codes],
        np.array([bool(slot and slot.initials) for slot in slots], dtype=bool)[codes],
        np.array([bool(slot and slot.joined_initials) for slot in slots], dtype=bool)[codes],
        np.array([slot is None for slot in slots], dtype=bool)[codes],
    )


def _plain_full_names(texts: list[str | None]) -> tuple[np.ndarray, pd.DataFrame]:
    """Positions and rows of the texts of Cyrillic words and initials (up to three), as `_parse_full` reads them."""
    values = arrow_texts(texts)
    rows = np.flatnonzero(pc.fill_null(pc.match_substring_regex(values, _PLAIN_FULL_NAME), False).to_numpy(zero_copy_only=False))
    raw = values.take(pa.array(rows))
    facts, matrix, count = _piece_matrix(raw)
    status = np.array([fact.status for fact in facts] + ["ok"], dtype=object)[matrix]  # -1 (no piece): ok
    junk = (status == "junk").any(axis=1)
    decided = (count <= _PLAIN_MAX_PIECES) & (junk | (status == "ok").all(axis=1))  # Turkic markers: one by one
    tokens = [fact.token for fact in facts]
    slots = _row_slots(tokens, matrix)
    junk |= decided & slots.junk
    ok = decided & ~junk
    positions = np.where(ok[:, None], slots.positions, -1)
    ids = np.where(positions < 0, -1, np.take_along_axis(matrix, np.maximum(positions, 0), axis=1))

    display = pa.array([t.text if t else None for t in tokens], pa.string())
    surname = _joined(_texts_at(display, ids[:, 0]), _texts_at(display, ids[:, 1]))
    first = _joined(_texts_at(display, ids[:, 2]), _texts_at(display, ids[:, 3]))
    patronymic = _texts_at(display, ids[:, 4])
    told = [(t.ev.patronymic_gender, _surname_gender((t,)), t.ev.name_gender if t.kind == "word" else None)
            if t else (None, None, None) for t in tokens] + [(None, None, None)]  # last: no token
    told = np.array(told, dtype=object).reshape(-1, 3)
    lone_surname = np.where(ids[:, 1] < 0, ids[:, 0], -1)
    gender = _genders(told[ids[:, 4], 0], told[lone_surname, 1], told[ids[:, 2], 2])
    as_written = _equal(raw, _joined(surname, first, patronymic)) | (
        slots.joined_initials & _equal(raw, _joined(surname, pc.binary_join_element_wise(first, patronymic, ""))))
    frame = _table({
        "last_name": surname, "first_name": first, "patronymic": patronymic,
        "initials": slots.initials & ok,
        "name_gender": pa.array(np.where(ok, gender, None), pa.string()),
        "quality": np.where(junk, _JUNK.quality, np.where(as_written, QUALITY_OK, QUALITY_FIXED)),
        "issues": pa.array(np.where(junk, _JUNK.issues, ""), pa.string()),
    })
    return rows[decided], frame.iloc[np.flatnonzero(decided)].reset_index(drop=True)


class _FieldFacts(NamedTuple):
    shape: _Prepared  # the field with its token texts dropped: all that `_split_order` reads
    text: str | None
    changed: bool  # the field is not written as its tokens are
    initials: bool
    told: tuple[str | None, str | None, str | None]  # gender told as patronymic, by surname ending, as first name


@lru_cache(maxsize=100_000)
def _field_facts(raw: str | None, is_patronymic: bool) -> _FieldFacts:
    field = _split_field(raw, is_patronymic)
    tokens = field.tokens
    text = _join(tokens)
    told = (tokens[0].ev.patronymic_gender if len(tokens) == 1 else None, _surname_gender(tokens),
            tokens[0].ev.name_gender if tokens and tokens[0].kind == "word" else None)
    shape = field._replace(tokens=tuple(t._replace(text="") for t in tokens))
    return _FieldFacts(shape, text, (raw or "") != (text or ""), any(t.kind == "initial" for t in tokens), told)


def _split_rows(series: list[pd.Series]) -> pd.DataFrame:
    """`_parse_split` of every record: fields prepared once per distinct value, decided once per pattern."""
    facts, ids = [], []
    for number, column in enumerate(series):
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        facts.append([_field_facts(text, number == 2) for text in [*_distinct_texts(uniques), None]])
        ids.append(np.where(codes < 0, len(uniques), codes))
    shapes: dict[_Prepared, int] = {}
    shape_ids = [np.array([shapes.setdefault(f.shape, len(shapes)) for f in column])[i] for column, i in zip(facts, ids)]
    pattern_codes, patterns = _factorize_rows(*(pd.Series(i) for i in shape_ids))
    by_id = list(shapes)
    decisions = [_split_order([by_id[i] for i in pattern]) for pattern in patterns] + [_EMPTY]  # + one for no records
    fixed = np.array([isinstance(d, _Result) for d in decisions], dtype=bool)[pattern_codes]
    orders = np.array([(0, 1, 2) if isinstance(d, _Result) else d[0] for d in decisions], dtype=np.int64)[pattern_codes]
    issues = np.array([d.issues if isinstance(d, _Result) else ";".join(d[1]) for d in decisions], dtype=object)[pattern_codes]
    fixed_quality = np.array([d.quality if isinstance(d, _Result) else QUALITY_OK for d in decisions])[pattern_codes]

    def by_role(role: int, attribute: Callable[[_FieldFacts], object]) -> np.ndarray:
        """The attribute of the field read as surname (0), first name (1) or patronymic (2), record by record."""
        columns = [np.array([attribute(f) for f in column], dtype=object)[i] for column, i in zip(facts, ids)]
        return np.choose(orders[:, role], columns)

    changed = np.zeros(len(pattern_codes), dtype=bool)
    for column, i in zip(facts, ids):
        changed |= np.array([f.changed for f in column], dtype=bool)[i]
    initials = by_role(1, lambda f: f.initials).astype(bool) | by_role(2, lambda f: f.initials).astype(bool)
    gender = _genders(by_role(2, lambda f: f.told[0]), by_role(0, lambda f: f.told[1]), by_role(1, lambda f: f.told[2]))
    texts = [pa.array(np.where(fixed, None, by_role(role, lambda f: f.text)), pa.string()) for role in range(3)]
    return _table({
        "last_name": texts[0], "first_name": texts[1], "patronymic": texts[2], "initials": initials & ~fixed,
        "name_gender": pa.array(np.where(fixed, None, gender), pa.string()),
        "quality": np.where(fixed, fixed_quality, np.where(changed | (issues != ""), QUALITY_FIXED, QUALITY_OK)),
        "issues": pa.array(issues, pa.string()),
    })


@lru_cache(maxsize=200_000)
def _match_key(text: str) -> str:
    letters = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalpha() or ch == "-")
    parts = [p for p in letters.split("-") if p]
    fixed = [_fix_script(p, cyrillic_context=False)[0] for p in parts]
    return "-".join(fixed).lower().replace("ё", "е")


def name_match_key(part: pd.Series) -> pd.Series:
    """Matching key: lower case, ё->е, Latin look-alikes -> Cyrillic, only letters and hyphen."""
    part = _require_series(part, "part")
    results, codes = _on_uniques(part, lambda s: None if s is None else _match_key(s))
    return pd.Series(pd.array([*results, None], dtype=TEXT).take(np.where(codes < 0, len(results), codes)),
                     index=part.index, name=part.name)


_ADJECTIVE_ENDING = re.compile(r"(?<=\w{3})(?:ий|ый|ой|ая|яя)$")
_FEMININE_POSSESSIVE = re.compile(r"(?<=ов|ев|ин|ын)а$")


def _neutral(key: str, male: bool) -> str:
    """'иванова' -> 'иванов', 'петровская'/'петровский' -> 'петровск'; a man's '-ова/-ина' is kept (Кручина)."""
    out = []
    for part in key.split("-"):
        stem = _ADJECTIVE_ENDING.sub("", part)
        if stem == part and not male:
            stem = _FEMININE_POSSESSIVE.sub("", part)
        out.append(stem)
    return "-".join(out)


def neutral_surname(last: pd.Series, gender: pd.Series) -> pd.Series:
    """Gender-neutral surname key for dedup: 'Иванова'(F) -> 'иванов', 'Петровская' -> 'петровск' etc., ё folded.

    `gender` is 'M'/'F'/missing (other text counts as missing); only 'M' keeps a feminine-looking ending.
    """
    last, gender = _require_series(last, "last"), _require_series(gender, "gender")
    if not gender.index.equals(last.index):
        raise ValueError("'gender' must have the same index as 'last'")
    male = pd.Series(gender.astype(object).eq("M").to_numpy(), index=last.index)
    codes, rows = _factorize_rows(name_match_key(last), male)
    results = [_neutral(key, bool(m)) if isinstance(key, str) else None for key, m in rows]
    return pd.Series(pd.array(results, dtype=TEXT).take(codes), index=last.index, name=last.name)


def gender_conflict(stated: pd.Series, name_gender: pd.Series) -> pd.Series:
    """True where the stated gender ('M'/'F') contradicts the gender of the name; missing on either side -> False."""
    stated, name_gender = _require_series(stated, "stated"), _require_series(name_gender, "name_gender")
    if not name_gender.index.equals(stated.index):
        raise ValueError("'name_gender' must have the same index as 'stated'")
    s = stated.astype(object).where(stated.notna(), None)
    g = name_gender.astype(object).where(name_gender.notna(), None)
    known = s.isin(["M", "F"]) & g.isin(["M", "F"])
    return (known & (s != g)).astype(bool)
