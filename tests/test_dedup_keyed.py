"""The keyed tables of the dedup stage: streamed Parquet -> Parquet equals the in-memory rule, whatever the batches."""
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysis import dedup
from analysis.dedup_groups import CustomerLookup

MAPPING = pd.DataFrame({
    "source": pd.array(["1c", "1c", "loyalty", "loyalty", "1c"], dtype="string"),
    "source_id": pd.array(["000007", "000008", "7", "9", "000007"], dtype="string"),  # 1c 000007 repeated: first wins
    "record_key": ["1c:000007", "1c:000008", "loyalty:7", "loyalty:9", "1c:000007b"],
    "customer_key": pd.array(["C1", "C2", "C1", "C3", "C9"], dtype="string[pyarrow]"),
})


def _receipts() -> pd.DataFrame:
    """Known customers of both systems, anonymous rows, an unknown customer, ids equal across systems, golden rows."""
    return pd.DataFrame({
        "source": pd.array(["1c", "loyalty", "1c", "loyalty", "1c", "golden", "golden", "loyalty", "1c"],
                           dtype="string"),
        "receipt_id": pd.array([f"R{i}" for i in range(9)], dtype="string"),
        "source_customer_id": pd.array(["000007", "7", None, "000007", "000099", "C5", None, "9", "000008"],
                                       dtype="string"),
        "amount": [10.0, -2.5, 3.0, 4.0, 5.0, 0.0, 1.0, 7.0, 8.0],
        "items": pd.array([1, 2, None, 1, 1, 0, 0, 3, 1], dtype="Int64"),
        "datetime": pd.to_datetime([f"2026-01-0{i + 1} 10:00" for i in range(9)]),
        "is_return": [False, True, False, False, False, False, False, False, False],
        "delivered": pd.array([True, None, False, True, None, True, False, True, True], dtype="boolean"),
    })


EXPECTED = ["C1", "C1", None, None, None, "C5", None, "C3", "C2"]


def _write(frame: pd.DataFrame, path: Path, large_text: bool, row_group_size: int | None = None) -> Path:
    """The table as ingest writes it (pandas types and metadata; optionally text as large_string)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if large_text:
        table = table.cast(pa.schema([f.with_type(pa.large_string()) if f.type == pa.string() else f
                                      for f in table.schema], metadata=table.schema.metadata))
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


@pytest.mark.parametrize("large_text", [False, True])
@pytest.mark.parametrize("batch_rows", [1, 2, 4, 1000])
def test_streamed_keyed_table_is_the_in_memory_one(tmp_path, large_text, batch_rows):
    source = _write(_receipts(), tmp_path / "receipts.parquet", large_text, row_group_size=3)
    memory = tmp_path / "memory.parquet"
    dedup.keyed(pd.read_parquet(source), MAPPING).to_parquet(memory, index=False)
    streamed = tmp_path / "receipts_keyed.parquet"
    assert dedup.write_keyed(source, streamed, CustomerLookup(MAPPING), batch_rows) == 9
    assert pq.read_schema(streamed).equals(pq.read_schema(memory), check_metadata=True)
    assert pq.read_table(streamed).equals(pq.read_table(memory))
    pd.testing.assert_frame_equal(pd.read_parquet(streamed), pd.read_parquet(memory))
    frame = pd.read_parquet(streamed)
    assert frame["customer_key"].tolist() == EXPECTED
    pd.testing.assert_frame_equal(frame.drop(columns="customer_key"), pd.read_parquet(source))
    assert not list(tmp_path.glob("*.partial"))


def test_in_memory_keyed_keeps_the_frame_and_adds_the_key():
    receipts = _receipts()
    out = dedup.keyed(receipts, MAPPING)
    assert out["customer_key"].tolist() == EXPECTED and out["customer_key"].dtype == object
    pd.testing.assert_frame_equal(out.drop(columns="customer_key"), receipts)


def test_contacts_planned_on_golden_records_keep_their_key(tmp_path):
    contacts = pd.DataFrame({"campaign_id": ["A", "A", "B"], "source": ["golden", "loyalty", "golden"],
                             "source_customer_id": ["C3", "9", "C404"], "group": ["treatment", "control", "treatment"]})
    source = _write(contacts, tmp_path / "campaign_contacts.parquet", large_text=True)
    target = tmp_path / "contacts_keyed.parquet"
    dedup.write_keyed(source, target, CustomerLookup(MAPPING))
    assert pd.read_parquet(target)["customer_key"].tolist() == ["C3", "C3", "C404"]


def test_empty_table_gives_an_empty_keyed_table(tmp_path):
    source = _write(_receipts().iloc[:0], tmp_path / "receipt_lines.parquet", large_text=True)
    target = tmp_path / "receipt_lines_keyed.parquet"
    assert dedup.write_keyed(source, target, CustomerLookup(MAPPING)) == 0
    frame = pd.read_parquet(target)
    pd.testing.assert_frame_equal(frame, dedup.keyed(pd.read_parquet(source), MAPPING), check_index_type=False)
    assert pq.read_schema(target).field("customer_key").type == pa.string()


def test_lookup_matches_a_merge_on_many_random_rows(tmp_path):
    """Against an independent rule (a pandas merge), over several batches and row groups."""
    rng = np.random.default_rng(3)
    n = 5000
    mapping = pd.DataFrame({"source": rng.choice(["1c", "loyalty"], 400), "source_id": rng.integers(0, 300, 400).astype(str)})
    mapping["customer_key"] = [f"C{i % 150}" for i in range(len(mapping))]
    table = pd.DataFrame({"source": rng.choice(["1c", "loyalty", "golden"], n, p=[0.45, 0.45, 0.1]),
                          "source_customer_id": rng.integers(0, 400, n).astype(str).astype(object)})
    table.loc[rng.random(n) < 0.1, "source_customer_id"] = None
    first = mapping.drop_duplicates(["source", "source_id"])
    merged = table.merge(first, how="left", left_on=["source", "source_customer_id"], right_on=["source", "source_id"])
    expected = merged["customer_key"].where(table["source"] != "golden", table["source_customer_id"])
    expected = expected.where(table["source_customer_id"].notna() | (table["source"] == "golden"), None)
    source = _write(table, tmp_path / "t.parquet", large_text=True, row_group_size=777)
    target = tmp_path / "t_keyed.parquet"
    dedup.write_keyed(source, target, CustomerLookup(mapping), batch_rows=1000)
    got = pd.read_parquet(target)["customer_key"]
    assert got.isna().tolist() == expected.isna().tolist()
    assert got.dropna().tolist() == expected.dropna().tolist()


def test_ids_match_as_text():
    mapping = pd.DataFrame({"source": ["1c"], "source_id": ["7"], "customer_key": ["C1"]})
    table = pd.DataFrame({"source": ["1c", "1c"], "source_customer_id": [7, 8]})
    assert dedup.keyed(table, mapping)["customer_key"].tolist() == ["C1", None]


def test_missing_columns_are_named(tmp_path):
    with pytest.raises(ValueError, match="source_customer_id"):
        dedup.keyed(_receipts().drop(columns="source_customer_id"), MAPPING)
    source = _write(_receipts().drop(columns="source_customer_id"), tmp_path / "r.parquet", large_text=False)
    with pytest.raises(ValueError, match="source_customer_id"):
        dedup.write_keyed(source, tmp_path / "out.parquet", CustomerLookup(MAPPING))
    with pytest.raises(ValueError, match="customer_key"):
        CustomerLookup(MAPPING.drop(columns="customer_key"))


def test_a_failed_rewrite_leaves_the_target_untouched(tmp_path):
    source = _write(_receipts(), tmp_path / "receipts.parquet", large_text=True)
    target = tmp_path / "receipts_keyed.parquet"
    target.write_bytes(b"previous")

    def broken(source: pa.Array, customer_id: pa.Array) -> pa.Array:
        raise RuntimeError("lookup failed")

    with pytest.raises(RuntimeError):
        dedup.write_keyed(source, target, broken, batch_rows=2)
    assert target.read_bytes() == b"previous" and not list(tmp_path.glob("*.partial"))
