"""The quality audit as a whole: customers_clean columns, issue rows, contactability, staleness, accuracy on the demo truth."""
import datetime as dt

import pandas as pd
import pyarrow as pa

from analysis import ingest, params, quality

CFG = {"phone_region": "RU", "birth_date_formats": ["%d.%m.%Y", "%Y-%m-%d"], "min_age": 14, "max_age": 110,
       "city_threshold": 80.0, "stale_years": 3}
AS_OF = dt.date(2026, 10, 31)


def customers(**overrides) -> pd.DataFrame:
    """Two canonical customer records: a clean 1C one and a dirty loyalty one."""
    base = {
        "source": ["1c", "loyalty"], "source_id": ["000000001", "100"],
        "full_name": ["Иванов Иван Иванович", None], "last_name": [None, "Иванович"], "first_name": [None, "Петр"],
        "patronymic": [None, None], "gender": ["M", "F"], "birth_date": ["12.03.1985", "1990"],
        "phone": ["+7 916 555-12-34", "0000000"], "email": ["ivanov@mail.ru", "petr@gmial.com"],
        "country": ["Россия", "Лимония"], "city": ["г. Москва", "Мсква"], "address": ["123456, г. Москва, ул. Тверская, д. 1, кв. 2", None],
        "passport": ["4510 123456", "АБВГДЕЖЗ"], "inn": [None, "000000000000"], "snils": [None, None], "card_number": ["0012", None],
        "registration_date": pd.to_datetime(["2020-01-01", "2015-01-01"]), "updated_at": pd.to_datetime(["2026-01-01", "2015-01-01"]),
        "consent_sms": pd.array([True, True], dtype="boolean"), "consent_email": pd.array([True, pd.NA], dtype="boolean"),
        "consent_viber": pd.array([False, True], dtype="boolean"),
    }
    return pd.DataFrame(base | overrides)


def test_clean_record_stays_clean_and_gets_keys():
    result = quality.audit(customers(), AS_OF, CFG)
    row = result.clean.iloc[0]
    assert (row["last_name"], row["first_name"], row["patronymic"]) == ("Иванов", "Иван", "Иванович")
    assert row["phone_e164"] == "+79165551234" and row["email"] == "ivanov@mail.ru" and row["city"] == "Москва"
    assert row["birth_date"] == pd.Timestamp("1985-03-12") and row["passport"] == "4510 123456"
    assert row["record_key"] == "1c:000000001" and row["last_key"] == "иванов"
    assert row["contactable_sms"] and row["contactable_email"] and not row["contactable_viber"]
    assert not result.issues["source_id"].eq("000000001").any()


def test_dirty_record_issues_with_raw_and_suggested_values():
    result = quality.audit(customers(), AS_OF, CFG)
    found = result.issues[result.issues["source_id"] == "100"].set_index("issue")
    assert {"name_patronymic_in_surname", "phone_fake", "email_domain_typo", "birth_date_partial", "country_unknown",
            "city_misspelt", "passport_invalid", "inn_invalid", "record_stale"} <= set(found.index)
    assert found.loc["email_domain_typo", "suggested_value"] == "petr@gmail.com"
    assert found.loc["city_misspelt", "raw_value"] == "Мсква" and found.loc["city_misspelt", "suggested_value"] == "Москва"
    assert found.loc["name_patronymic_in_surname", "raw_value"] == "Иванович | Петр | "
    assert found.loc["name_patronymic_in_surname", "suggested_value"] == "Петр Иванович"
    assert found.loc["record_stale", "raw_value"] == "2015-01-01" and pd.isna(found.loc["record_stale", "suggested_value"])
    row = result.clean.iloc[1]
    assert pd.isna(row["phone_e164"]) and row["q_phone"] == 10 and not row["contactable_sms"]
    assert row["birth_year"] == 1990 and pd.isna(row["birth_date"]) and row["birth_precision"] == "year"
    assert not row["contactable_email"]  # unknown consent is no consent


def test_gender_conflict_prefers_the_name():
    result = quality.audit(customers(gender=["F", "F"]), AS_OF, CFG)
    assert result.clean.loc[0, "gender"] == "M" and result.clean.loc[0, "gender_stated"] == "F"
    assert ((result.issues["source_id"] == "000000001") & (result.issues["issue"] == "gender_conflict")).any()


def test_last_purchase_keeps_a_record_fresh():
    c = customers()
    recent = pd.Series([pd.NaT, pd.Timestamp("2026-10-01")])
    assert quality.audit(c, AS_OF, CFG, recent).clean["stale"].tolist() == [False, False]


def test_scorecard_shares_sum_to_one():
    card = quality.scorecard(quality.audit(customers(), AS_OF, CFG).clean)
    assert (card[[0, 1, 2, 10]].sum(axis=1).round(9) == 1).all()


def test_detection_on_demo_truth_meets_targets(demo_profile):
    """Issue target: precision and recall ≥ 0.95 for every injected error type."""
    p = params.load(demo_profile)
    tables = ingest.ingest(p).tables
    last = quality.last_purchase(tables["customers"], tables["receipts"])
    result = quality.audit(tables["customers"], p["as_of"], p["quality"], last)
    truth = pd.read_parquet(f"{p['quality']['truth_dir']}/errors.parquet")
    accuracy = quality.detection_accuracy(result.issues, truth).set_index("issue")
    assert set(accuracy.index) >= set(truth["error_type"].unique())
    weak = accuracy[(accuracy["precision"] < 0.95) | (accuracy["recall"] < 0.95)]
    assert weak.empty, weak


def test_last_purchase_from_a_frame_a_table_or_the_parquet_file(tmp_path):
    c = customers(source_id=["000000001", None])
    receipts = pd.DataFrame({
        "source": pd.Categorical(["1c", "1c", "loyalty", "1c", None, "loyalty"]),
        "source_customer_id": ["000000001", "000000001", "100", None, "x", None],  # a receipt without id fits no record
        "datetime": pd.to_datetime(["2026-01-02 00:00:00", "2026-03-04 10:00:00", "2026-05-06 00:00:00", "2026-07-08 00:00:00", "2026-09-10 00:00:00",
                                 "2026-10-01 00:00:00"]),
        "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    })
    receipts.to_parquet(tmp_path / "receipts.parquet")
    expected = pd.Series(pd.to_datetime(["2026-03-04 10:00:00", None]), index=c.index)
    for given in (receipts, pa.Table.from_pandas(receipts), tmp_path / "receipts.parquet", str(tmp_path / "receipts.parquet")):
        pd.testing.assert_series_equal(quality.last_purchase(c, given), expected)


def test_scorecard_rows_by_source_then_field():
    clean = quality.audit(pd.concat([customers(), customers(source=["loyalty", "1c"], source_id=["7", "8"])]), AS_OF, CFG).clean
    card = quality.scorecard(clean)
    assert list(card.columns) == ["source", "field", 0, 1, 2, 10]
    assert list(zip(card["source"], card["field"])) == [(s, f) for s in ("1c", "loyalty") for f in sorted(quality.AUDITED_FIELDS)]
    phone = card[(card["source"] == "1c") & (card["field"] == "phone")]
    assert phone[10].tolist() == [0.5] and phone[[0, 1, 2, 10]].sum(axis=1).tolist() == [1.0]
