"""Tests of the stage-table reader: plain and lean reads, categoricals, Python-backed text, row filters."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from analysis.tables import read_table


@pytest.fixture
def path(tmp_path):
    frame = pd.DataFrame({"customer_key": ["k2", "k1", None, "k2"], "city": ["Москва", None, "Казань", "Тула"],
                          "n": [1, 2, 3, 4]})
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    return tmp_path / "t.parquet"


def test_plain_read_is_pandas_own(path):
    pd.testing.assert_frame_equal(read_table(path, ["city", "n"], [("n", ">", 1)]),
                                  pd.read_parquet(path, columns=["city", "n"], filters=[("n", ">", 1)]))
    with pytest.raises(ValueError, match="lean"):
        read_table(path, categories=["customer_key"])


def test_lean_read_keeps_values_and_chosen_python_strings(path):
    read = read_table(path, lean=True, python_text=["customer_key"])
    assert read["customer_key"].dtype == pd.StringDtype("python") and read["city"].dtype == pd.StringDtype("pyarrow")
    assert read.astype(object).where(read.notna(), None).to_dict("list") == {
        "customer_key": ["k2", "k1", None, "k2"], "city": ["Москва", None, "Казань", "Тула"], "n": [1, 2, 3, 4]}


def test_categories_are_the_sorted_values_read(path):
    coded = read_table(path, ["n", "customer_key"], lean=True, categories=["customer_key", "n", "absent"])
    assert list(coded.columns) == ["n", "customer_key"] and coded["n"].dtype == "int64"  # not text: left alone
    assert coded["customer_key"].cat.categories.tolist() == ["k1", "k2"]
    assert coded["customer_key"].isna().tolist() == [False, False, True, False]
    late = read_table(path, ["customer_key"], pc.field("n") >= 3, lean=True, categories=["customer_key"])
    assert late["customer_key"].cat.categories.tolist() == ["k2"] and late["customer_key"].isna().tolist() == [True, False]


def test_categories_drop_unused_values_of_a_stored_categorical(tmp_path):
    keys = pd.Categorical(["b", "a", "b"], categories=["z", "b", "a"])
    pd.DataFrame({"customer_key": keys}).to_parquet(tmp_path / "c.parquet", index=False)
    assert pa.types.is_dictionary(pq.read_schema(tmp_path / "c.parquet").field("customer_key").type)
    coded = read_table(tmp_path / "c.parquet", lean=True, categories=["customer_key"])["customer_key"]
    assert coded.cat.categories.tolist() == ["a", "b"] and coded.tolist() == ["b", "a", "b"]
    empty = read_table(tmp_path / "c.parquet", filters=[("customer_key", "==", "x")], lean=True, categories=["customer_key"])
    assert empty.empty and empty["customer_key"].cat.categories.empty
