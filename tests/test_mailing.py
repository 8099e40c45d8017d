"""Tests of the mailing engine: channel cascade, stop list, holdout, planned contacts, event lists, export."""
from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import xlsx_writer
from analysis.mailing import (
    CONTACT_FILE_COLUMNS,
    assign_channels,
    assign_holdout,
    contact_file,
    export_lists,
    read_stop_file,
    select_segments,
    stop_list,
    summary,
    upcoming_events,
)

COSTS = {"viber": 1.5, "sms": 3.0, "email": 0.1, "post": 60.0}
CASCADE = ["viber", "sms", "email"]


def _golden(rows: list[dict]) -> pd.DataFrame:
    base = {
        "phone_e164": None, "phones_all": None, "email": None, "emails_all": None, "address": None,
        "consent_viber": False, "consent_sms": False, "consent_email": False,
        "contactable_viber": False, "contactable_sms": False, "contactable_email": False,
        "last_name": "Иванов", "first_name": "Иван", "patronymic": None, "city": "Москва",
    }
    frame = pd.DataFrame([{**base, **row} for row in rows])
    for column in ("consent_viber", "consent_sms", "consent_email"):
        frame[column] = frame[column].astype("boolean")
    return frame


def _phone(number: str, viber: bool | None = True, sms: bool | None = True) -> dict:
    return {
        "phone_e164": number, "phones_all": number, "consent_viber": viber, "consent_sms": sms,
        "contactable_viber": bool(viber), "contactable_sms": bool(sms),
    }


def _email(address: str) -> dict:
    return {"email": address, "emails_all": address, "consent_email": True, "contactable_email": True}


@pytest.fixture
def golden() -> pd.DataFrame:
    return _golden([
        {"customer_key": "c1", **_phone("+79163458821"), **_email("one@mail.ru")},
        {"customer_key": "c2", **_phone("+79163458822", viber=None), **_email("two@mail.ru")},
        {"customer_key": "c3", **_email("three@mail.ru")},
        {"customer_key": "c4", **_phone("+79164445566"), **_email("four@mail.ru")},
        {"customer_key": "c5", "address": "101000, г. Москва, ул. Мясницкая, д. 1"},
        {"customer_key": "c6", **_phone("+79163458826"), **_email("six@mail.ru")},
        {"customer_key": "c7", **_phone("+79163458827"), "phones_all": "+79163458827;+79035551199",
         **_email("seven@mail.ru")},
        {"customer_key": "c8", **_phone("+79163458828", viber=True, sms=False), "email": "eight@mail.ru",
         "consent_email": None},
    ])


def _targets(keys: list[str], segment: str = "regular_asleep") -> pd.DataFrame:
    return pd.DataFrame({"customer_key": keys, "segment": segment})


def test_stop_list_normalizes_phones_emails_and_keys():
    raw = pd.DataFrame({
        "Телефон": ["8 (916) 444-55-66", "нет", None],
        "Почта": ["Seven@Mial.ru ", "+7 903 555-11-99, 8-903-555-11-98", ""],
        "Customer_Key": ["c6", None, "c6"],
    })
    result = stop_list(raw).sort_values(["kind", "value"]).reset_index(drop=True)
    expected = pd.DataFrame({
        "kind": ["customer", "email", "phone", "phone", "phone"],
        "value": ["c6", "seven@mail.ru", "+79035551198", "+79035551199", "+79164445566"],
    })
    pd.testing.assert_frame_equal(result, expected)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("+7(9)1-23 45@mail.ruнет;,"), max_size=24), max_size=6))
def test_stop_list_never_raises_and_is_idempotent(cells):
    entries = stop_list(pd.DataFrame({"contact": cells}))
    assert set(entries["kind"]) <= {"phone", "email"}
    again = stop_list(pd.DataFrame({"contact": entries["value"]}))
    assert sorted(map(tuple, again.to_numpy())) == sorted(map(tuple, entries.to_numpy()))


def test_read_stop_file_in_any_layout(tmp_path):
    bare = tmp_path / "unsubscribed.txt"
    bare.write_bytes("8 (916) 444-55-66\r\nSEVEN@mail.ru\r\nИван@Почта.рф\r\n\r\n".encode("cp1251"))  # not UTF-8
    assert stop_list(read_stop_file(bare))["value"].tolist() == ["+79164445566", "seven@mail.ru", "иван@почта.рф"]
    with_keys = tmp_path / "complaints.csv"
    with_keys.write_text("Телефон;Customer_Key\n+7 916 444 55 66;c6\n;c7;лишнее\n", encoding="utf-8-sig")
    entries = stop_list(read_stop_file(with_keys))
    assert sorted(map(tuple, entries.to_numpy())) == [("customer", "c6"), ("customer", "c7"), ("phone", "+79164445566")]
    sheet = tmp_path / "stop.xlsx"
    pd.DataFrame({"customer_key": ["c1"], "email": ["one@mail.ru"]}).to_excel(sheet, index=False)
    assert sorted(map(tuple, stop_list(read_stop_file(sheet)).to_numpy())) == [("customer", "c1"), ("email", "one@mail.ru")]
    with pytest.raises(ValueError, match="mailing.stop_list: file not found"):
        read_stop_file(tmp_path / "missing.csv")


def test_cascade_order_consent_and_stop_list(golden):
    stop = stop_list(pd.DataFrame({"contact": ["8 (916) 444-55-66", "8 903 555 11 99", "SEVEN@mail.ru"],
                                   "customer_key": ["c6", None, None]}))
    result = assign_channels(golden, _targets([f"c{i}" for i in range(1, 10)]), CASCADE, COSTS, stop)
    assert result["channel"].tolist() == ["viber", "sms", "email", "email", "none", "none", "none", "viber", "none"]
    assert result["contact"].tolist() == [
        "+79163458821", "+79163458822", "three@mail.ru", "four@mail.ru", None, None, None, "+79163458828", None]
    assert result["cost"].tolist() == [1.5, 3.0, 0.1, 0.1, 0.0, 0.0, 0.0, 1.5, 0.0]
    assert result["stop_listed"].tolist() == [False, False, False, True, False, True, True, False, False]


def test_post_channel_needs_an_address_with_postcode(golden):
    golden.loc[golden["customer_key"] == "c3", "address"] = "г. Москва, ул. Тверская, д. 5"
    result = assign_channels(golden, _targets(["c3", "c5"]), ["post", "email"], COSTS)
    assert result["channel"].tolist() == ["email", "post"]
    assert result["contact"].tolist() == ["three@mail.ru", "101000, г. Москва, ул. Мясницкая, д. 1"]


def test_cascade_rejects_bad_params(golden):
    with pytest.raises(ValueError, match="mailing.channels"):
        assign_channels(golden, _targets(["c1"]), ["viber", "fax"], COSTS)
    with pytest.raises(ValueError, match="mailing.cost.sms"):
        assign_channels(golden, _targets(["c1"]), CASCADE, {"viber": 1.0, "email": 0.1})
    with pytest.raises(ValueError, match="appears twice"):
        assign_channels(golden, _targets(["c1", "c1"]), CASCADE, COSTS)


def test_select_segments_checks_codes():
    segments = pd.DataFrame({"customer_key": ["a", "b", "c"], "segment": pd.Categorical(
        ["regular_asleep", "new_active", "regular_asleep"])})
    assert select_segments(segments, ["regular_asleep"])["customer_key"].tolist() == ["a", "c"]
    with pytest.raises(ValueError, match="regular_sleeping"):
        select_segments(segments, ["regular_sleeping"])


def _reachable_frame(sizes: dict[str, int]) -> pd.DataFrame:
    rows = [(f"{segment}{i:03d}", segment) for segment, n in sizes.items() for i in range(n)]
    frame = pd.DataFrame(rows, columns=["customer_key", "segment"])
    return frame.assign(channel="sms", contact="+7", cost=3.0, stop_listed=False)


def test_holdout_is_stratified_and_reproducible():
    assigned = _reachable_frame({"a": 100, "b": 15})
    assigned.loc[0, ["channel", "cost"]] = ["none", 0.0]
    first = assign_holdout(assigned, 0.1, seed=7)
    control = first[first["group"] == "control"]
    assert control["segment"].value_counts().to_dict() == {"a": 10, "b": 2}  # 99 × 0.1 → 10, 15 × 0.1 → 2
    assert pd.isna(first.loc[0, "group"])
    assert (control["cost"] == 0).all() and (first.loc[first["group"] == "treatment", "cost"] == 3.0).all()
    again = assign_holdout(assigned.sample(frac=1, random_state=3), 0.1, seed=7).sort_index()
    pd.testing.assert_series_equal(again["group"], first["group"])
    other = assign_holdout(assigned, 0.1, seed=8)
    assert set(other.loc[other["group"] == "control", "customer_key"]) != set(control["customer_key"])
    assert (assign_holdout(assigned, 0.0, seed=7)["group"].dropna() == "treatment").all()
    with pytest.raises(ValueError, match="holdout_share"):
        assign_holdout(assigned, 1.0, seed=7)


def test_contact_file_and_summary(golden):
    assigned = assign_channels(golden, _targets(["c1", "c2", "c3", "c5"]), CASCADE, COSTS)
    assigned = assigned.assign(group=pd.array(["treatment", "control", "treatment", pd.NA], dtype="string"))
    assigned.loc[1, "cost"] = 0.0
    contacts = contact_file(assigned, "oct")
    assert tuple(contacts.columns) == CONTACT_FILE_COLUMNS
    assert contacts["campaign_id"].tolist() == ["oct_regular_asleep"] * 3
    assert contacts["source"].unique().tolist() == ["golden"]
    assert contacts["source_customer_id"].tolist() == ["c1", "c2", "c3"]
    assert contacts["group"].tolist() == ["treatment", "control", "treatment"]
    assert contacts["sent_at"].isna().all() and contacts["delivered"].isna().all()
    table = summary(assigned)
    expected = pd.DataFrame({
        "segment": ["regular_asleep"] * 4, "channel": ["viber", "sms", "email", "none"],
        "customers": [1, 0, 1, 1], "control": [0, 1, 0, 0], "cost": [1.5, 0.0, 0.1, 0.0],
    })
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)


def test_export_writes_excel_friendly_lists_without_control(golden, tmp_path):
    assigned = assign_channels(golden, _targets(["c1", "c2", "c3"]), CASCADE, COSTS)
    assigned = assign_holdout(assigned, 0.0, seed=1)
    assigned.loc[assigned["customer_key"] == "c2", "group"] = "control"
    written = export_lists(assigned, golden, tmp_path / "lists", language="en")
    names = sorted(p.name for p in written)
    assert names == sorted(f"{stem}.{ext}" for stem in ("regular_asleep_viber", "regular_asleep_email", "summary")
                           for ext in ("csv", "xlsx"))
    raw = (tmp_path / "lists" / "regular_asleep_viber.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(tmp_path / "lists" / "regular_asleep_viber.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert table.iloc[0].tolist()[:3] == ["c1", "Иванов", "Иван"]
    assert "+79163458821" in table.iloc[0].tolist() and "1,5" in table.iloc[0].tolist()
    book = pd.read_excel(tmp_path / "lists" / "regular_asleep_email.xlsx", dtype=str)
    assert book.iloc[:, 0].tolist() == ["c3"]


def test_export_xlsx_keeps_cell_types_and_cuts_long_lists_into_sheets(golden, tmp_path, monkeypatch):
    assigned = assign_channels(golden, _targets(["c1", "c3", "c4", "c6", "c7"]), CASCADE, COSTS)
    assigned["event_date"] = pd.Timestamp("2026-12-31")
    split = xlsx_writer.split_rows
    monkeypatch.setattr(xlsx_writer, "split_rows", lambda table: split(table, 3))  # a "sheet" of three rows
    export_lists(assigned, golden, tmp_path / "lists", language="en")
    book = openpyxl.load_workbook(tmp_path / "lists" / "regular_asleep_viber.xlsx")
    assert book.sheetnames == ["1", "2"]
    first, second = book["1"], book["2"]
    assert [c.value for c in first[1]] == [c.value for c in second[1]] and first["A1"].font.b
    rows = [r for sheet in (first, second) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in rows] == ["c1", "c4", "c6", "c7"]
    assert rows[0][1:6] == ("Иванов", "Иван", None, "Москва", "+79163458821") and rows[0][8] == 1.5
    assert rows[0][9] == dt.datetime(2026, 12, 31) and first["J2"].number_format == "dd.mm.yyyy"
    table = pd.read_csv(tmp_path / "lists" / "regular_asleep_viber.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert table.iloc[0, 9] == "31.12.2026" and len(table) == 4


def _people(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_key", "birth_year", "birth_month", "birth_day", "registration_date"])
    for column in ("birth_year", "birth_month", "birth_day"):
        frame[column] = frame[column].astype("Int64")
    frame["registration_date"] = pd.to_datetime(frame["registration_date"])
    return frame


def test_birthdays_and_anniversaries_across_the_new_year():
    people = _people([
        ("a", 1990, 12, 31, "2020-06-01"),
        ("b", None, 1, 2, "2025-12-30"),  # day.month precision: years unknown
        ("c", 1985, 12, 25, "2026-12-20"),  # birthday on as_of itself; registered this December
        ("d", 2001, 1, 9, None),  # 15 days ahead: outside
        ("e", 1970, 1, 8, "2019-01-08"),
        ("f", 1980, None, None, None),  # year only
    ])
    events = upcoming_events(people, dt.date(2026, 12, 25), 14)
    got = events.sort_values(["segment", "customer_key"]).reset_index(drop=True)
    assert got["customer_key"].tolist() == ["b", "e", "a", "b", "e"]
    assert got["segment"].tolist() == ["anniversary", "anniversary", "birthday", "birthday", "birthday"]
    assert got["event_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-12-30", "2027-01-08", "2026-12-31", "2027-01-02", "2027-01-08"]
    assert got["days_until"].tolist() == [5, 14, 6, 8, 14]
    assert got["years"].tolist() == [1, 8, 36, pd.NA, 57]


@pytest.mark.parametrize(("as_of", "expected"), [
    (dt.date(2027, 2, 20), "2027-02-28"),  # not a leap year: 28 February
    (dt.date(2028, 2, 20), "2028-02-29"),
])
def test_29_february(as_of, expected):
    people = _people([("x", 2000, 2, 29, "2024-02-29")])
    events = upcoming_events(people, as_of, 10)
    assert events["event_date"].dt.strftime("%Y-%m-%d").tolist() == [expected, expected]
    assert events["years"].tolist() == [as_of.year - 2000, as_of.year - 2024]


def test_event_list_falls_back_to_full_birth_date_and_checks_days():
    people = _people([("x", None, None, None, None)]).assign(birth_date=pd.to_datetime(["1999-03-03"]))
    events = upcoming_events(people, dt.date(2026, 3, 1), 5, events=["birthday"])
    assert events[["customer_key", "days_until", "years"]].values.tolist() == [["x", 2, 27]]
    with pytest.raises(ValueError, match="event_days"):
        upcoming_events(people, dt.date(2026, 3, 1), 0)
    with pytest.raises(ValueError, match="mailing.events"):
        upcoming_events(people, dt.date(2026, 3, 1), 5, events=["name_day"])


def test_event_targets_flow_through_the_cascade(golden):
    people = golden.assign(birth_year=pd.array([1990] * 8, dtype="Int64"),
                           birth_month=pd.array([1] + [6] * 7, dtype="Int64"),
                           birth_day=pd.array([2] * 8, dtype="Int64"), registration_date=pd.NaT)
    events = upcoming_events(people, dt.date(2026, 12, 25), 14, events=["birthday"])
    assigned = assign_channels(golden, events, CASCADE, COSTS)
    assert assigned[["customer_key", "segment", "channel", "years"]].values.tolist() == [["c1", "birthday", "viber", 37]]
    assert np.isclose(summary(assigned)["cost"].sum(), 1.5)
