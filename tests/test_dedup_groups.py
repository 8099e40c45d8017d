"""Tests for analysis.dedup_groups: anti-chaining, stable customer keys, golden records, the whole engine."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analysis.dedup_eval import pairwise_scores
from analysis.dedup_groups import CustomerLookup, components, customer_keys, deduplicate, golden_records, group_records

FIRST_M = ["иван", "петр", "сергей", "андрей", "олег", "павел", "юрий", "денис"]
FIRST_F = ["анна", "мария", "ольга", "елена", "ирина", "дарья", "вера", "нина"]
LAST = ["иванов", "петров", "смирнов", "кузнецов", "попов", "орлов", "зайцев", "волков", "белов", "титов",
        "жуков", "гусев", "котов", "носов", "фомин", "зимин", "седов", "рыбаков", "лапин", "мухин"]
FATHER = ["иван", "петр", "сергей", "андрей", "олег", "павел"]

CONFIG = {
    "blocking": {"max_block_size": 50, "rules": [
        {"name": "phone", "columns": ["phone_all"], "split": ";"},
        {"name": "email", "columns": ["email"]},
        {"name": "last_first", "columns": ["last_key", "first_key"]},
        {"name": "first_birth", "columns": ["first_key", "birth_year"]}]},
    "comparisons": [
        {"name": "last_name", "method": "string", "columns": ["last_key"], "thresholds": [0.95, 0.88],
         "swap_with": "first_key"},
        {"name": "first_name", "method": "string", "columns": ["first_key"], "thresholds": [0.95, 0.88, 0.8]},
        {"name": "patronymic", "method": "string", "columns": ["patronymic_key"], "thresholds": [0.95, 0.88]},
        {"name": "gender", "method": "exact", "columns": ["name_gender"]},
        {"name": "birth_date", "method": "date_parts", "columns": ["birth_year", "birth_month", "birth_day"]},
        {"name": "phone", "method": "any_equal", "columns": ["phone_all"]},
        {"name": "email", "method": "exact", "columns": ["email", "email_local"]},
        {"name": "address", "method": "string", "columns": ["address"], "scorer": "token_set",
         "thresholds": [0.9]},
        {"name": "inn", "method": "exact", "columns": ["inn"]}],
    "classifier": {"threshold": 0.8, "review_threshold": 0.3, "u_sample": 20000},
    "vetoes": [{"comparison": c, "levels": [0], "unless": ["inn"]} for c in ("first_name", "gender", "birth_date")],
}


def people(n: int = 400, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, int]]]:
    """customers_clean-like records: duplicates with typos and gaps, spouses sharing surname, address and phone."""
    rng = np.random.default_rng(seed)
    female = rng.random(n) < 0.5
    first = np.where(female, rng.choice(FIRST_F, n), rng.choice(FIRST_M, n))
    last, father = rng.choice(LAST, n), rng.choice(FATHER, n)
    birth = pd.to_datetime("1950-01-01") + pd.to_timedelta(rng.integers(0, 18000, n), unit="D")
    phone = np.array([f"+7916{i:07d}" for i in rng.permutation(n)], dtype=object)
    address = np.array([f"ул. Ленина, д. {i}" for i in range(n)], dtype=object)
    spouses = [(i, i + 1) for i in range(0, min(60, n - 1), 2)]
    for a, b in spouses:
        female[a], female[b] = False, True
        first[a], first[b] = rng.choice(FIRST_M), rng.choice(FIRST_F)
        last[b], address[b], phone[b] = last[a], address[a], phone[a]
    person = np.r_[np.arange(n), rng.choice(n, n // 3, replace=False)]
    dup = np.arange(len(person)) >= n
    last_key = last[person].astype(object)
    typo = np.flatnonzero(dup & (rng.random(len(person)) < 0.3))
    last_key[typo] = [w[:-1] + "ф" for w in last_key[typo]]
    year_only = dup & (rng.random(len(person)) < 0.2)
    b = birth[person]
    frame = pd.DataFrame({
        "record_key": [f"s:{i}" for i in range(len(person))], "source": np.where(dup, "loyalty", "1c"),
        "source_id": [str(i) for i in range(len(person))],
        "last_key": last_key, "first_key": first[person], "patronymic_key": [
            f + ("овна" if fem else "ович") for f, fem in zip(father[person], female[person])],
        "name_gender": np.where(female[person], "F", "M"),
        "birth_year": pd.array(b.year, dtype="Int64"),
        "birth_month": pd.array(np.where(year_only, -1, b.month), dtype="Int64"),
        "birth_day": pd.array(np.where(year_only, -1, b.day), dtype="Int64"),
        "phone_all": np.where(dup & (rng.random(len(person)) < 0.3), None, phone[person]),
        "email": [f"{first[p]}{p}@mail.ru" for p in person], "address": address[person],
        "inn": None, "updated_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(person)), unit="h"),
    })
    for col in ("birth_month", "birth_day"):
        frame.loc[frame[col] == -1, col] = pd.NA
    frame["email_local"] = frame["email"].str.split("@").str[0]
    return frame, person, spouses


def test_components_label_connected_records():
    labels = components(5, np.array([0, 1]), np.array([1, 2]))
    assert labels[0] == labels[1] == labels[2] and len({labels[0], labels[3], labels[4]}) == 3


def test_a_conflicting_chain_is_split_at_its_weakest_edge():
    edges = pd.DataFrame({"left": [0, 1, 3], "right": [1, 2, 4], "probability": [0.99, 0.95, 0.97]})

    def conflicts(pairs: pd.DataFrame) -> np.ndarray:  # records 0 and 2: different birth dates
        return ((pairs["left"] == 0) & (pairs["right"] == 2)).to_numpy()

    labels, dropped = group_records(5, edges, conflicts)
    assert labels[0] == labels[1] != labels[2] and labels[3] == labels[4]
    assert dropped[["left", "right"]].values.tolist() == [[1, 2]]


def test_oversized_components_lose_their_weakest_edges():
    edges = pd.DataFrame({"left": np.arange(9), "right": np.arange(1, 10),
                          "probability": [0.99] * 4 + [0.91] + [0.99] * 4})
    labels, dropped = group_records(10, edges, max_check_size=6)
    assert len(set(labels[:5])) == 1 and len(set(labels[5:])) == 1 and labels[0] != labels[5]
    assert dropped["probability"].tolist() == [0.91]


def test_customer_keys_are_stable_hashes_of_the_smallest_record_key():
    keys = customer_keys(pd.Series(["b:2", "a:1", "c:3"]), np.array([7, 7, 8]))
    again = customer_keys(pd.Series(["c:3", "a:1", "b:2"]), np.array([1, 0, 0]))
    assert keys[0] == keys[1] != keys[2]
    assert dict(zip(["b:2", "a:1", "c:3"], keys)) == dict(zip(["c:3", "a:1", "b:2"], again))
    assert keys.str.fullmatch(r"C[0-9a-f]{16}").all()


def test_previous_keys_are_inherited_by_majority_and_never_reused():
    ids = pd.Series(["r1", "r2", "r3", "r4", "r5"])
    previous = pd.Series(["K1", "K1", "K1", "K2", "K2"], index=ids)
    keys = customer_keys(ids, np.array([0, 0, 1, 1, 1]), previous)  # r3 moves to the K2 group
    assert keys.tolist() == ["K1", "K1", "K2", "K2", "K2"]
    split = customer_keys(ids, np.array([0, 1, 2, 3, 3]), previous)  # the K1 group falls apart
    assert split[3] == split[4] == "K2" and sorted(split[:3]).count("K1") == 1
    new = [k for k in split[:3] if k != "K1"]
    assert len(set(new)) == 2 and not set(new) & {"K1", "K2"}


def test_golden_record_follows_survivorship_and_keeps_lineage_and_all_contacts():
    records = pd.DataFrame({
        "record_key": ["1c:1", "loy:1", "loy:2"], "source": ["1c", "loyalty", "loyalty"],
        "last_name": ["Иванов", "Иванов", None], "first_name": [None, "Иван", None],
        "email": ["old@x.ru", "new@x.ru", None], "phone_all": ["+7916;+7903", "+7903", "+7999"],
        "updated_at": pd.to_datetime(["2020-01-01", "2024-01-01", "2023-01-01"]),
    })
    rules = {"source_priority": ["1c", "loyalty"], "rules": ["complete", "source", "recent"],
             "fields": {"name": ["last_name", "first_name"], "email": ["email"]},
             "field_rules": {"email": ["recent"]}, "collect": {"phones": "phone_all", "emails": "email"}}
    golden = golden_records(records, pd.Series(["C1", "C1", "C2"]), rules)
    one = golden.loc["C1"]
    assert (one["first_name"], one["name_from"]) == ("Иван", "loy:1")  # most complete wins over source
    assert (one["email"], one["email_from"]) == ("new@x.ru", "loy:1")  # most recent
    assert one["phones"] == "+7916;+7903" and one["emails"] == "old@x.ru;new@x.ru" and one["n_records"] == 2
    assert pd.isna(golden.loc["C2", "last_name"]) and golden.loc["C2", "name_from"] is None


def test_receipts_get_the_customer_key_of_their_source_customer():
    mapping = pd.DataFrame({"source": ["1c", "loyalty"], "source_id": ["7", "7"], "customer_key": ["C1", "C2"]})
    lookup = CustomerLookup(mapping)
    found = lookup(pa.array(["loyalty", "1c", "1c", "1c", None]), pa.array(["7", "7", None, "8", "7"]))
    assert found.to_pylist() == ["C2", "C1", None, None, None]
    assert lookup(pa.array([], pa.string()), pa.array([], pa.string())).to_pylist() == []
    with pytest.raises(ValueError, match="source_id"):
        CustomerLookup(mapping.drop(columns="source_id"))


def test_engine_merges_duplicates_and_keeps_spouses_apart():
    records, person, spouses = people()
    result = deduplicate(records, CONFIG)
    keys = result.mapping["customer_key"].to_numpy()
    assert pairwise_scores(keys, person)["f1"] >= 0.97
    assert all(keys[a] != keys[b] for a, b in spouses)  # record i < n is the first record of person i
    assert set(result.mapping.columns) == {"source", "source_id", "record_key", "customer_key"}
    assert {"candidates_s", "comparisons_s", "classify_s", "groups_s"} <= set(result.stats)


def test_a_disagreeing_first_name_vetoes_shared_phone_email_and_address():
    records, person, _ = people(300, seed=11)
    husbands = records.iloc[:40:2]  # spouses share surname, address and phone; wives here copy the e-mail too
    wives = husbands.assign(record_key=[f"w:{i}" for i in range(len(husbands))], first_key="мария")
    wives.loc[:, ["patronymic_key", "name_gender", "birth_year", "birth_month", "birth_day"]] = None
    trapped = pd.concat([records, wives], ignore_index=True)
    vetoed = deduplicate(trapped, CONFIG).mapping["customer_key"].to_numpy()
    naive = deduplicate(trapped, {**CONFIG, "vetoes": []}).mapping["customer_key"].to_numpy()
    wife_rows, husband_rows = np.arange(len(records), len(trapped)), husbands.index.to_numpy()
    assert (vetoed[wife_rows] != vetoed[husband_rows]).all()
    assert (naive[wife_rows] == naive[husband_rows]).mean() > 0.5  # the trap is real without vetoes


def test_labels_are_honoured_and_previous_keys_kept():
    records, person, spouses = people(200, seed=9)
    first = deduplicate(records, CONFIG)
    merged = first.pairs[first.pairs["decision"] == "match"].iloc[0]
    husband, wife = spouses[0]
    ids = records["record_key"]
    labels = pd.DataFrame({"record_key_1": [ids[merged["left"]], ids[wife]],
                           "record_key_2": [ids[merged["right"]], ids[husband]], "label": [0, 1]})
    previous = first.mapping.set_index("record_key")["customer_key"]
    second = deduplicate(records, CONFIG, labels=labels, previous=previous)
    keys = second.mapping["customer_key"]
    assert keys[merged["left"]] != keys[merged["right"]]  # forced non-match
    assert keys[husband] == keys[wife]  # forced match, although the first names veto it
    assert (keys == first.mapping["customer_key"]).mean() > 0.97


def test_unknown_config_keys_and_bad_ids_are_refused():
    records, _, _ = people(20)
    with pytest.raises(ValueError, match="unknown keys"):
        deduplicate(records, {**CONFIG, "colour": 1})
    with pytest.raises(ValueError, match="unique"):
        deduplicate(records.assign(record_key="x"), CONFIG)
