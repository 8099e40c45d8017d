"""E-mail local parts that only spell the owner's name ('popova.mariya', 'v.ivanova', 'elenasmirnova').

Namesakes share such local parts across domains, so in dedup they say nothing the name does not: the match key
`email_local_key` keeps a local part only when it carries more than the name (digits, a nickname, another word).
The name is transliterated as people usually type it ('Зайцев' -> 'zaytsev', 'Юлия' -> 'yuliya') and compared by Indel
similarity, which tolerates the other common spellings ('zaitsev', 'sergei', 'ivanoff').
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cpdist

from analysis.readers import TEXT

_LATIN = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                  "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split()))
TRANSLIT = str.maketrans({**{c: ("" if v == "-" else v) for c, v in _LATIN.items()}, "-": "", " ": ""})
SIMILARITY = 0.8  # a local part this close to a spelling of the name only spells the name
_SEPARATORS = r"[._\-+]+"
# Spellings of the name tried against the local part: L surname, F first name, P patronymic, lower case = initial.
_SPELLINGS = ("L", "F", "FL", "LF", "fL", "Lf", "FPL", "fpL", "Lfp", "LFP")


def transliterate(words: pd.Series) -> pd.Series:
    """Lower-case Latin spelling of Cyrillic words; missing stays missing."""
    return words.astype(TEXT).str.lower().str.translate(TRANSLIT)


def name_free_local(local: pd.Series, last_name: pd.Series, first_name: pd.Series, patronymic: pd.Series) -> pd.Series:
    """The e-mail local part where it says more than the name; <NA> where it only spells the name or is missing."""
    frame = pd.DataFrame({"local": local.astype(TEXT), "last": last_name.astype(TEXT), "first": first_name.astype(TEXT),
                          "patronymic": patronymic.astype(TEXT)}).reset_index(drop=True)
    known = frame[frame["local"].notna()]
    unique = known.drop_duplicates(ignore_index=True)
    spells = _spells_name(unique)
    named = known.merge(unique.assign(spells=spells), how="left", on=list(frame.columns))["spells"].to_numpy(dtype=bool)
    out = pd.Series(pd.NA, index=frame.index, dtype=TEXT)
    out.iloc[known.index.to_numpy()[~named]] = known["local"].to_numpy()[~named]
    out.index = local.index
    return out


def _spells_name(unique: pd.DataFrame) -> np.ndarray:
    """Whether each local part (without digits) is a spelling of the record's name."""
    letters = unique["local"].str.lower().str.replace(_SEPARATORS, "", regex=True)
    parts = {key: transliterate(unique[col]).fillna("") for key, col in
             (("L", "last"), ("F", "first"), ("P", "patronymic"))}
    parts.update({key.lower(): value.str[:1] for key, value in parts.items()})
    text = letters.fillna("").to_numpy(dtype=object)
    best = np.zeros(len(unique))
    for spelling in _SPELLINGS:
        pieces = [parts[key] for key in spelling]
        usable = np.logical_and.reduce([(p != "").to_numpy() for p in pieces])
        if not usable.any():
            continue
        candidate = pieces[0].str.cat(pieces[1:]) if len(pieces) > 1 else pieces[0]
        rows = np.flatnonzero(usable)
        score = cpdist(text[rows], candidate.to_numpy(dtype=object)[rows], scorer=fuzz.ratio) / 100
        best[rows] = np.maximum(best[rows], score)
    digits = letters.str.contains(r"\d", regex=True).fillna(False).to_numpy(dtype=bool)
    return (best >= SIMILARITY) & ~digits
