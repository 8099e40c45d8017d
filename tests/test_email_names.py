"""Tests for analysis.email_names: local parts that only spell the owner's name carry no evidence of their own."""
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.email_names import name_free_local, transliterate


def test_transliteration_as_people_type_it():
    words = pd.Series(["Зайцев", "Юлия", "Мубариз оглы", "Щербаков-Хрущёв", "Лейла", None])
    assert transliterate(words).tolist()[:5] == ["zaytsev", "yuliya", "mubarizogly", "shcherbakovkhrushchev", "leyla"]
    assert pd.isna(transliterate(words).iloc[5])


def test_local_parts_that_spell_the_name_are_dropped_others_kept():
    cases = [  # local part, surname, first name, patronymic, kept?
        ("popova.mariya", "Попова", "Мария", None, False),
        ("m.popova", "Попова", "Мария", None, False),
        ("mariyapopova", "Попова", "Мария", None, False),
        ("a.s.pushkin", "Пушкин", "Александр", "Сергеевич", False),
        ("zaitsev", "Зайцев", "Андрей", None, False),  # another transliteration
        ("sergei.ivanoff", "Иванов", "Сергей", None, False),
        ("popova1992", "Попова", "Мария", None, True),  # digits make it specific
        ("masha_p", "Попова", "Мария", None, True),  # a nickname
        ("shop", "Петров", "Иван", None, True),
        ("popova.mariya", "Сидорова", "Анна", None, True),  # not this person's name
        ("ivanov", None, None, None, True),  # no name to compare with
    ]
    local, last, first, patronymic, kept = (pd.Series(column, dtype=object) for column in zip(*cases))
    out = name_free_local(local, last, first, patronymic)
    assert out.notna().tolist() == kept.tolist()
    assert out[kept.to_numpy(dtype=bool)].tolist() == local[kept.to_numpy(dtype=bool)].tolist()


def test_missing_local_parts_stay_missing_and_the_index_is_kept():
    local = pd.Series([None, "ivan.petrov", "zzz"], index=[10, 20, 30], dtype=object)
    name = pd.Series(["Петров"] * 3, index=local.index)
    out = name_free_local(local, name, pd.Series(["Иван"] * 3, index=local.index), pd.Series([None] * 3, index=local.index))
    assert out.index.tolist() == [10, 20, 30]
    assert out.isna().tolist() == [True, True, False]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=8), st.text(max_size=8)), max_size=12))
def test_never_raises_and_only_keeps_or_drops(rows):
    local, last, first = (pd.Series(column, dtype=object) for column in zip(*rows)) if rows else (pd.Series([], dtype=object),) * 3
    out = name_free_local(local, last, first, pd.Series([None] * len(local), dtype=object))
    assert len(out) == len(local)
    assert all(pd.isna(o) or o == v for o, v in zip(out, local))
