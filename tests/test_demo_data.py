"""Tests of the synthetic demo data generator: formats, truth, cleanliness of non-injected values, determinism."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from stdnum.ru import inn as stdnum_inn

from analysis import demo_data, demo_people
from analysis.demo_people import ERROR_TYPES

END = date(2026, 10, 31)
SMALL = 400
ONEC_CUSTOMER_COLUMNS = ["Код", "Наименование", "Пол", "ДатаРождения", "Телефон", "ЭлПочта", "Страна", "Город",
                         "Адрес", "Паспорт", "ИНН", "СНИЛС", "НомерКарты", "ДатаРегистрации", "ДатаИзменения",
                         "СогласиеSMS", "СогласиеEmail"]
ONEC_SALES_COLUMNS = ["Период", "Регистратор", "Основание", "Контрагент", "Магазин", "Номенклатура", "Артикул",
                      "Группа", "Количество", "Сумма"]
LOYALTY_COLUMNS = ["client_id", "last_name", "first_name", "middle_name", "gender", "birthday", "phone", "email",
                   "country", "city", "card_no", "created_at", "updated_at", "sms_consent", "email_consent",
                   "viber_consent"]


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("demo_small")
    return out, demo_data.generate(out, persons=SMALL, seed=11, end_date=END)


@pytest.fixture(scope="session")
def default_size(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_default")
    demo_data.generate(out)
    return out


FAULT_DOCUMENTS = r"Чек ККМ (?:0099|0013)-"  # the export faults appended for the ingest quarantine (truth/ingest_faults)


def read_onec(path: Path) -> pd.DataFrame:
    """A 1C export without the deliberately faulty lines (those are tested in test_export_faults)."""
    frame = pd.read_csv(path, sep=";", encoding="cp1251", dtype=str, keep_default_na=False, on_bad_lines="skip")
    return frame[~frame.get("Регистратор", pd.Series("", index=frame.index)).str.contains(FAULT_DOCUMENTS)]


def read_loyalty_receipts(folder: Path, **kwargs) -> pd.DataFrame:
    """Loyalty receipts without the receipt deliberately exported twice."""
    frame = pd.read_csv(folder / "loyalty" / "receipts.csv", dtype=str, **kwargs)
    return frame[~frame.duplicated(keep="first")]


@pytest.fixture(scope="session")
def onec_customers(small) -> pd.DataFrame:
    return read_onec(small[0] / "1c" / "kontragenty.csv")


@pytest.fixture(scope="session")
def onec_sales(small) -> pd.DataFrame:
    return read_onec(small[0] / "1c" / "prodazhi.csv")


@pytest.fixture(scope="session")
def loyalty_customers(small) -> pd.DataFrame:
    return pd.read_excel(small[0] / "loyalty" / "customers.xlsx", sheet_name="clients", dtype=object)


@pytest.fixture(scope="session")
def truth(small) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(small[0] / "truth" / f"{name}.parquet")
            for name in ("persons", "records", "errors", "campaign")}


def onec_money(text: pd.Series) -> pd.Series:
    return text.str.replace("\xa0", "", regex=False).str.replace(",", ".", regex=False).astype(float)


# ----------------------------------------------------------------------------------------------------------------------
# File formats.

def test_all_files_written_with_counts(small):
    out, counts = small
    for name, rows in counts.items():
        assert (out / name).exists(), name
        assert rows > 0, name
    assert counts["truth/persons.parquet"] == SMALL


def test_onec_customers_format(small, onec_customers):
    raw = (small[0] / "1c" / "kontragenty.csv").read_bytes()
    assert raw.count(b"\r\n") == len(onec_customers) + 1
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert list(onec_customers.columns) == ONEC_CUSTOMER_COLUMNS
    assert onec_customers["Код"].str.fullmatch(r"\d{9}").all()
    assert onec_customers["Код"].str.startswith("0").all()
    assert onec_customers["Код"].is_unique
    assert set(onec_customers["Пол"]) <= {"Мужской", "Женский", ""}
    assert (onec_customers["ДатаРождения"] == "01.01.0001").any()
    assert onec_customers["ДатаРождения"].str.fullmatch(r"\d\d\.\d\d\.\d{4}").all()
    cards = onec_customers["НомерКарты"]
    assert cards[cards != ""].str.fullmatch(r"0\d{9}").all()
    assert set(onec_customers["СогласиеSMS"]) <= {"Да", "Нет", ""}
    reg = pd.to_datetime(onec_customers["ДатаРегистрации"], format="%d.%m.%Y")
    upd = pd.to_datetime(onec_customers["ДатаИзменения"], format="%d.%m.%Y")
    assert (upd >= reg).all()


def test_onec_sales_format(small, onec_sales):
    raw = (small[0] / "1c" / "prodazhi.csv").read_bytes()
    assert raw.startswith(";".join(ONEC_SALES_COLUMNS).encode("cp1251") + b"\r\n")
    assert list(onec_sales.columns) == ONEC_SALES_COLUMNS
    assert onec_sales["Период"].str.fullmatch(r"\d\d\.\d\d\.\d{4} (9|1\d|2[01]):\d\d:\d\d").all()
    sale = onec_sales["Регистратор"].str.startswith("Чек ККМ ")
    ret = onec_sales["Регистратор"].str.startswith("Возврат товаров от покупателя ")
    assert (sale | ret).all() and ret.any()
    assert (onec_sales["Регистратор"].str.extract(r" от (\d\d\.\d\d\.\d{4} [\d:]+)$")[0] == onec_sales["Период"]).all()
    assert onec_sales.groupby("Регистратор")["Период"].nunique().eq(1).all()
    assert (onec_sales.loc[sale, "Основание"] == "").all()
    assert onec_sales.loc[ret, "Основание"].isin(set(onec_sales.loc[sale, "Регистратор"])).all()
    amount = onec_money(onec_sales["Сумма"])
    assert (amount[ret] < 0).all() and (amount[sale] > 0).all()
    assert onec_sales.loc[ret, "Сумма"].str.startswith("-").all()
    assert onec_sales.loc[ret, "Количество"].str.startswith("-").all()
    big = amount.abs() >= 1000
    assert onec_sales.loc[big, "Сумма"].str.contains("\xa0").all()
    assert onec_sales["Сумма"].str.fullmatch(r"-?\d{1,3}(\xa0\d{3})*,\d\d").all()
    assert onec_sales["Количество"].str.fullmatch(r"-?\d+(,5)?").all()
    assert onec_sales["Артикул"].str.fullmatch(r"A-\d{6}").all()
    customers = onec_sales["Контрагент"]
    assert customers[customers != ""].str.fullmatch(r"\d{9}").all()
    docs = onec_sales.drop_duplicates("Регистратор")
    anonymous = (docs.loc[docs["Регистратор"].str.startswith("Чек"), "Контрагент"] == "").mean()
    assert 0.02 < anonymous < 0.09


def test_returns_refer_to_earlier_sales_of_same_customer(onec_sales):
    docs = onec_sales.drop_duplicates("Регистратор").set_index("Регистратор")
    returns = docs[docs.index.str.startswith("Возврат")]
    originals = docs.loc[returns["Основание"]]
    assert (returns["Контрагент"].to_numpy() == originals["Контрагент"].to_numpy()).all()
    assert (returns["Магазин"].to_numpy() == originals["Магазин"].to_numpy()).all()
    when = pd.to_datetime(returns["Период"], format="%d.%m.%Y %H:%M:%S").to_numpy()
    before = pd.to_datetime(originals["Период"], format="%d.%m.%Y %H:%M:%S").to_numpy()
    assert (when > before).all()
    assert ((when - before) <= np.timedelta64(15, "D")).all()


def test_loyalty_xlsx_cell_types(small, loyalty_customers):
    assert list(loyalty_customers.columns) == LOYALTY_COLUMNS
    sheet = openpyxl.load_workbook(small[0] / "loyalty" / "customers.xlsx", read_only=True)["clients"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert all(isinstance(r[0], int) for r in rows)
    assert all(isinstance(r[11], datetime) and isinstance(r[12], datetime) and r[12] >= r[11] for r in rows)
    phones = [r[6] for r in rows if r[6] is not None]
    as_numbers = [p for p in phones if isinstance(p, int)]
    assert 0.3 < len(as_numbers) / len(phones) < 0.7
    assert all(str(p).startswith("79") and len(str(p)) == 11 for p in as_numbers)
    cards = [r[10] for r in rows if r[10] is not None]
    assert all(isinstance(c, str) and re.fullmatch(r"0\d{9}", c) for c in cards)
    birthdays = [r[5] for r in rows if r[5] is not None]
    assert all(isinstance(b, str) for b in birthdays)
    assert {r[4] for r in rows} <= {"m", "f", None}
    assert {r[13] for r in rows} <= {0, 1}


def test_loyalty_receipts_format(small):
    path = small[0] / "loyalty" / "receipts.csv"
    raw = path.read_bytes()
    assert b"\r\n" not in raw
    receipts = read_loyalty_receipts(path.parents[1], keep_default_na=False)
    assert list(receipts.columns) == ["receipt_id", "client_id", "store_code", "created_at", "total", "items", "kind",
                                      "original_receipt_id"]
    assert receipts["receipt_id"].str.fullmatch(r"R\d{8}").all() and receipts["receipt_id"].is_unique
    assert receipts["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    assert receipts["total"].str.fullmatch(r"-?\d+\.\d\d").all()
    ret = receipts["kind"] == "return"
    assert set(receipts["kind"]) == {"sale", "return"}
    assert (receipts.loc[ret, "total"].astype(float) < 0).all()
    assert (receipts.loc[~ret, "original_receipt_id"] == "").all()
    sales = receipts[~ret].set_index("receipt_id")
    originals = sales.loc[receipts.loc[ret, "original_receipt_id"]]
    assert (originals["client_id"].to_numpy() == receipts.loc[ret, "client_id"].to_numpy()).all()
    assert (receipts.loc[ret, "total"].astype(float).abs().to_numpy() <=
            originals["total"].astype(float).to_numpy() + 1e-9).all()
    stores = pd.read_csv(small[0] / "stores.csv", dtype=str)
    assert receipts["store_code"].isin(stores["loyalty_code"]).all()


def test_stores_and_campaign_contacts_format(small):
    stores = pd.read_csv(small[0] / "stores.csv", dtype=str)
    assert list(stores.columns) == ["store_key", "name", "city", "onec_name", "loyalty_code"]
    assert stores["store_key"].str.fullmatch(r"S\d\d").all()
    contacts = pd.read_csv(small[0] / "campaigns" / "contacts.csv", dtype=str, keep_default_na=False)
    assert list(contacts.columns) == ["campaign_id", "system", "client_ref", "group", "channel", "sent_at",
                                      "delivered", "read", "cost"]
    assert set(contacts["campaign_id"]) == {"C2026-09"}
    control = contacts["group"] == "контроль"
    assert set(contacts["group"]) == {"рассылка", "контроль"}
    assert (contacts.loc[control, ["sent_at", "delivered", "read"]] == "").all().all()
    assert (contacts.loc[control, "cost"].astype(float) == 0).all()
    treated = contacts[~control]
    assert (treated["sent_at"] == "2026-09-15 10:00:00").all()
    assert set(treated["delivered"]) <= {"0", "1"} and set(treated["read"]) <= {"0", "1"}
    assert not ((treated["read"] == "1") & (treated["delivered"] == "0")).any()
    expected_cost = treated["channel"].map({"sms": "1.20", "viber": "0.90", "email": "0.10"})
    assert (treated["cost"] == expected_cost).all()
    onec = contacts["system"] == "1c"
    assert contacts.loc[onec, "client_ref"].str.fullmatch(r"\d{9}").all()
    assert contacts.loc[~onec, "client_ref"].str.fullmatch(r"\d{6}").all()
    assert (contacts.loc[onec, "channel"] != "viber").all()


def test_no_receipt_after_end_date(onec_sales, small):
    when = pd.to_datetime(onec_sales["Период"], format="%d.%m.%Y %H:%M:%S")
    receipts = read_loyalty_receipts(small[0])
    loyalty_when = pd.to_datetime(receipts["created_at"])
    limit = pd.Timestamp(END) + pd.Timedelta(days=1)
    start = pd.Timestamp(date(2023, 10, 31))
    for times in (when, loyalty_when):
        assert times.max() < limit and times.min() >= start


# ----------------------------------------------------------------------------------------------------------------------
# Truth.

def test_records_truth_maps_every_record(truth, onec_customers, loyalty_customers):
    records = truth["records"]
    assert records["source_id"].map(type).eq(str).all()
    onec = records[records["source"] == "1c"]
    loyalty = records[records["source"] == "loyalty"]
    assert sorted(onec["source_id"]) == sorted(onec_customers["Код"])
    assert sorted(loyalty["source_id"]) == sorted(loyalty_customers["client_id"].astype(str))
    assert records[["source", "source_id"]].duplicated().sum() == 0
    assert records["person_id"].isin(truth["persons"]["person_id"]).all()
    # a person has records in 1C only, loyalty only or both, and some have duplicates within one system
    per_person = records.groupby(["person_id", "source"]).size().unstack(fill_value=0)
    assert ((per_person["1c"] > 0) & (per_person["loyalty"] > 0)).any()
    assert (per_person.max(axis=1) == 2).any()


def test_receipt_customers_exist(onec_sales, small, truth):
    records = truth["records"]
    customers = onec_sales.loc[onec_sales["Контрагент"] != "", "Контрагент"]
    assert customers.isin(records.loc[records["source"] == "1c", "source_id"]).all()
    receipts = read_loyalty_receipts(small[0])
    assert receipts["client_id"].isin(records.loc[records["source"] == "loyalty", "source_id"]).all()


def test_duplicates_within_a_system_contradict_each_other(truth, onec_customers):
    records = truth["records"]
    onec = records[records["source"] == "1c"].merge(onec_customers, left_on="source_id", right_on="Код")
    twice = onec[onec.duplicated("person_id", keep=False)].sort_values(["person_id", "Код"])
    assert len(twice) >= 4
    fields = ["Наименование", "Телефон", "ЭлПочта", "ДатаРождения", "Город", "НомерКарты"]
    differing = twice.groupby("person_id")[fields].nunique().gt(1).sum(axis=1)
    assert (differing >= 1).all()


def test_spouses_are_different_people_sharing_surname_and_address(truth):
    persons = truth["persons"].set_index("person_id")
    married = persons[persons["spouse_of"].notna()]
    assert len(married) >= 2 and len(married) % 2 == 0
    spouse = persons.loc[married["spouse_of"].astype(int)]
    assert (married.index.to_numpy() != spouse.index.to_numpy()).all()
    assert (spouse["spouse_of"].astype(int).to_numpy() == married.index.to_numpy()).all()
    assert (married["first_name"].to_numpy() != spouse["first_name"].to_numpy()).all()
    assert (married["birth_date"].to_numpy() != spouse["birth_date"].to_numpy()).all()
    assert (married["gender"].to_numpy() != spouse["gender"].to_numpy()).all()
    assert (married["city"].to_numpy() == spouse["city"].to_numpy()).all()
    husbands = married[married["gender"] == "M"]
    wives = persons.loc[husbands["spouse_of"].astype(int)]
    assert [demo_people._female_surname(s) for s in husbands["last_name"]] == wives["last_name"].tolist()


def test_person_truth_values_are_valid(truth):
    persons = truth["persons"]
    assert set(persons["gender"]) == {"M", "F"}
    born = pd.to_datetime(persons["birth_date"])
    assert born.min() >= pd.Timestamp("1945-01-01") and born.max() <= pd.Timestamp("2006-12-31")
    assert set(persons["city"]) <= set(demo_people.CITIES)
    shared = persons["phone_e164"].duplicated(keep=False)
    assert persons.loc[shared, "spouse_of"].notna().all()
    for phone in persons["phone_e164"]:
        parsed = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == "RU"
        assert not re.search(r"(\d)\1{6}", phone) and "1234567" not in phone
    emails = persons["email"].dropna()
    assert emails.str.fullmatch(r"[a-z0-9._]+@[a-z.]+").all()


def test_patronymics_follow_russian_rules():
    assert demo_people._patronymics("Иван") == ("Иванович", "Ивановна")
    assert demo_people._patronymics("Илья") == ("Ильич", "Ильинична")
    assert demo_people._patronymics("Никита") == ("Никитич", "Никитична")
    assert demo_people._patronymics("Лев") == ("Львович", "Львовна")
    assert demo_people._patronymics("Сергей") == ("Сергеевич", "Сергеевна")
    assert demo_people._patronymics("Юрий") == ("Юрьевич", "Юрьевна")
    assert demo_people._patronymics("Игорь") == ("Игоревич", "Игоревна")
    assert demo_people._female_surname("Иванов") == "Иванова"
    assert demo_people._female_surname("Покровский") == "Покровская"
    assert demo_people._female_surname("Шевченко") == "Шевченко"


def test_every_error_type_injected(truth):
    errors = truth["errors"]
    assert set(errors["error_type"]) == set(ERROR_TYPES)
    assert list(errors.columns) == ["source", "source_id", "field", "error_type", "raw_value", "clean_value"]
    fields = errors["error_type"].map(lambda code: ERROR_TYPES[code][0])
    assert (errors["field"] == fields).all()
    assert not errors[["source", "source_id", "field"]].duplicated().any()


def test_error_raw_values_are_in_the_files(truth, onec_customers, loyalty_customers):
    errors = truth["errors"]
    onec = onec_customers.set_index("Код")
    column = {"name": "Наименование", "gender": "Пол", "phone": "Телефон", "email": "ЭлПочта",
              "birth_date": "ДатаРождения", "country": "Страна", "city": "Город", "passport": "Паспорт", "inn": "ИНН",
              "snils": "СНИЛС"}
    for row in errors[errors["source"] == "1c"].itertuples():
        assert onec.at[row.source_id, column[row.field]] == row.raw_value, row
    loyalty = loyalty_customers.set_index(loyalty_customers["client_id"].astype(str))
    loyalty = loyalty.where(loyalty.notna(), "")
    column = {"gender": "gender", "phone": "phone", "email": "email", "birth_date": "birthday",
              "country": "country", "city": "city"}
    for row in errors[errors["source"] == "loyalty"].itertuples():
        record = loyalty.loc[row.source_id]
        if row.field == "name":
            value = " ".join(str(record[c]) for c in ("last_name", "first_name", "middle_name") if record[c] != "")
        else:
            value = str(record[column[row.field]])
        assert value == row.raw_value, row


def test_error_rates_at_default_size(default_size):
    errors = pd.read_parquet(default_size / "truth" / "errors.parquet")
    counts = errors["error_type"].value_counts()
    assert set(counts.index) == set(ERROR_TYPES)
    assert counts.min() >= 20, counts.sort_values().head()
    records = pd.read_parquet(default_size / "truth" / "records.parquet")
    assert 1.15 < len(records) / 5000 < 1.35
    assert counts.max() / len(records) < 0.03


# ----------------------------------------------------------------------------------------------------------------------
# Everything not injected is clean.

def clean_rows(frame: pd.DataFrame, errors: pd.DataFrame, source: str, field: str, key: pd.Series) -> pd.DataFrame:
    dirty = errors.loc[(errors["source"] == source) & (errors["field"] == field), "source_id"]
    return frame[~key.isin(dirty).to_numpy()]


def valid_phone(text: str) -> bool:
    try:
        return all(phonenumbers.is_valid_number(phonenumbers.parse(part, "RU")) and
                   phonenumbers.region_code_for_number(phonenumbers.parse(part, "RU")) == "RU"
                   for part in text.split(", "))
    except phonenumbers.NumberParseException:
        return False


def valid_email(text: str) -> bool:
    try:
        validate_email(text, check_deliverability=False)
        return True
    except EmailNotValidError:
        return False


def snils_ok(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    total = sum(int(d) * w for d, w in zip(digits[:9], range(9, 0, -1)))
    control = total if total < 100 else 0 if total <= 101 else total % 101 % 100
    return len(digits) == 11 and int(digits[9:]) == control


def test_clean_onec_values_are_valid(onec_customers, truth):
    errors, code = truth["errors"], onec_customers["Код"]

    def clean(field: str, column: str) -> pd.Series:
        values = clean_rows(onec_customers, errors, "1c", field, code)[column]
        return values[values != ""]

    assert clean("phone", "Телефон").map(valid_phone).all()
    assert clean("email", "ЭлПочта").map(valid_email).all()
    assert clean("inn", "ИНН").map(lambda v: len(v) == 12 and stdnum_inn.is_valid(v)).all()
    assert clean("snils", "СНИЛС").map(snils_ok).all()
    assert clean("passport", "Паспорт").str.fullmatch(r"(серия )?\d\d ?\d\d (№ )?\d{6}|\d{10}").all()
    known_cities = {v for variants in demo_people._CITY_VARIANTS.values() for v, _ in variants}
    assert clean("city", "Город").isin(known_cities).all()
    assert clean("country", "Страна").isin({c for c, _ in demo_people._COUNTRY_1C}).all()
    birth = clean("birth_date", "ДатаРождения")
    born = pd.to_datetime(birth[birth != "01.01.0001"], format="%d.%m.%Y")
    assert born.min() >= pd.Timestamp("1945-01-01") and born.max() <= pd.Timestamp("2006-12-31")
    names = clean("name", "Наименование")
    assert not names.str.contains(r"[A-Za-z0-9?]").any()
    lookalikes = "".join(demo_people._LATIN_LOOKALIKE.values())
    assert not names.str.contains(f"[{lookalikes}]").any()


def test_clean_loyalty_values_are_valid(loyalty_customers, truth):
    errors = truth["errors"]
    key = loyalty_customers["client_id"].astype(str)
    phones = clean_rows(loyalty_customers, errors, "loyalty", "phone", key)["phone"].dropna()
    assert phones.map(lambda p: valid_phone(f"+{p}" if isinstance(p, int) else p)).all()
    emails = clean_rows(loyalty_customers, errors, "loyalty", "email", key)["email"].dropna()
    assert emails.map(valid_email).all()
    birthdays = clean_rows(loyalty_customers, errors, "loyalty", "birth_date", key)["birthday"].dropna()
    assert birthdays.str.fullmatch(r"\d{4}-\d\d-\d\d").all()
    born = pd.to_datetime(birthdays, format="%Y-%m-%d")
    assert born.min() >= pd.Timestamp("1945-01-01") and born.max() <= pd.Timestamp("2006-12-31")
    names = clean_rows(loyalty_customers, errors, "loyalty", "name", key)
    for column in ("last_name", "first_name", "middle_name"):
        assert not names[column].dropna().str.contains(r"[A-Za-z0-9?]").any()


def test_clean_values_of_errors_are_valid(truth):
    errors = truth["errors"]
    phones = errors.loc[errors["field"] == "phone", "clean_value"]
    assert phones.map(valid_phone).all()
    inns = errors.loc[errors["field"] == "inn", "clean_value"]
    assert inns.map(stdnum_inn.is_valid).all()
    raw_inn = errors.loc[errors["field"] == "inn", "raw_value"]
    assert not raw_inn[raw_inn != "000000000000"].map(stdnum_inn.is_valid).any()
    snils = errors[errors["field"] == "snils"]
    assert snils["clean_value"].map(snils_ok).all() and not snils["raw_value"].map(snils_ok).any()
    typos = errors[errors["error_type"] == "email_domain_typo"]
    assert (typos["raw_value"].str.split("@").str[0] == typos["clean_value"].str.split("@").str[0]).all()
    assert typos["clean_value"].map(valid_email).all()


def test_checksum_helpers_match_references():
    first10 = np.random.default_rng(0).integers(10 ** 9, 10 ** 10, 500)
    for number in demo_people.inn_check_digits(first10):
        assert stdnum_inn.is_valid(f"{number:012d}")
    assert demo_people.snils_control(np.array([112233445]))[0] == 95  # the published example 112-233-445 95
    numbers = np.random.default_rng(1).integers(2_000_000, 10 ** 9, 2000)
    for number, control in zip(numbers, demo_people.snils_control(numbers)):
        assert snils_ok(f"{number:09d}{control:02d}")


# ----------------------------------------------------------------------------------------------------------------------
# Sales and campaign content.

def test_catalogue_has_super_drill_and_realistic_prices(onec_sales):
    catalogue = demo_data.demo_sales.make_catalogue(np.random.default_rng(1))
    drill = catalogue[catalogue["product"] == "Супер дрель"]
    assert len(drill) == 1 and drill["category"].item() == "Электроинструмент"
    assert 44000 <= drill["price_kop"].item() / 100 <= 46000
    assert 250 <= len(catalogue) <= 350 and catalogue["category"].nunique() >= 12
    prices = catalogue["price_kop"] / 100
    assert prices.min() >= 49 and prices.max() <= 60000
    lines = onec_sales.groupby("Регистратор").size()
    assert lines.min() >= 1 and lines.max() <= 6


def test_campaign_groups_and_truth(small, truth):
    contacts = pd.read_csv(small[0] / "campaigns" / "contacts.csv", dtype=str, keep_default_na=False)
    campaign = truth["campaign"]
    assert list(campaign.columns) == ["person_id", "campaign_id", "group", "gender", "birth_date",
                                      "expected_effect_rub", "expected_conversion_lift"]
    assert len(campaign) == len(contacts) and campaign["person_id"].is_unique
    assert set(campaign["group"]) == {"treatment", "control"}
    assert (campaign["group"] == "control").sum() == (contacts["group"] == "контроль").sum()
    assert (campaign["expected_effect_rub"] >= 0).all()
    assert campaign["expected_conversion_lift"].between(0, 1).all()
    age = (pd.Timestamp("2026-09-15") - pd.to_datetime(campaign["birth_date"])).dt.days / 365.25
    old_men = campaign[(campaign["gender"] == "M") & (age >= 60)]
    young_women = campaign[(campaign["gender"] == "F") & (age >= 25) & (age < 45)]
    assert (old_men["expected_conversion_lift"] == 0).all()
    assert young_women["expected_conversion_lift"].max() > 0.1
    records = truth["records"]
    persons = records.set_index(["source", "source_id"])["person_id"]
    contact_persons = persons.loc[list(zip(contacts["system"], contacts["client_ref"]))].to_numpy()
    assert sorted(contact_persons) == sorted(campaign["person_id"])
    # control: round-half-up(30 %) of every system × gender × age band cell (age on the sending day)
    cells = pd.DataFrame({"person_id": campaign["person_id"], "gender": campaign["gender"],
                          "band": np.searchsorted([25, 45, 60], age, side="right"),
                          "control": campaign["group"] == "control"})
    cells = cells.merge(pd.DataFrame({"person_id": contact_persons, "system": contacts["system"]}), on="person_id")
    sizes = cells.groupby(["system", "gender", "band"])["control"].agg(["size", "sum"])
    assert len(sizes) >= 12 and (sizes["sum"] == np.floor(0.3 * sizes["size"] + 0.5)).all()


def test_return_and_anonymous_shares_at_default_size(default_size):
    sales = read_onec(default_size / "1c" / "prodazhi.csv").drop_duplicates("Регистратор")
    is_return = sales["Регистратор"].str.startswith("Возврат")
    assert 0.025 < is_return.sum() / (~is_return).sum() < 0.05
    assert 0.04 < (sales.loc[~is_return, "Контрагент"] == "").mean() < 0.06
    receipts = read_loyalty_receipts(default_size)
    assert 0.025 < (receipts["kind"] == "return").mean() < 0.05


def test_target_share_of_contactable_records(default_size):
    contacts = pd.read_csv(default_size / "campaigns" / "contacts.csv", dtype=str, keep_default_na=False)
    records = pd.read_parquet(default_size / "truth" / "records.parquet")
    assert 0.4 < len(contacts) / len(records) < 0.6  # 75 % of the contactable records, one per person
    treated = contacts[contacts["group"] == "рассылка"]
    assert 0.8 < treated["delivered"].astype(int).mean() < 0.97
    read = treated.loc[treated["delivered"] == "1", "read"].astype(int).mean()
    assert 0.45 < read < 0.75


# ----------------------------------------------------------------------------------------------------------------------
# Determinism and arguments.

def file_hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_arguments_give_identical_files(small, tmp_path):
    out, counts = small
    again = demo_data.generate(tmp_path, persons=SMALL, seed=11, end_date=END)
    assert again == counts
    assert file_hashes(tmp_path) == file_hashes(out)


def test_other_seed_gives_other_data(small, tmp_path):
    demo_data.generate(tmp_path, persons=SMALL, seed=12, end_date=END)
    assert file_hashes(tmp_path)["1c/kontragenty.csv"] != file_hashes(small[0])["1c/kontragenty.csv"]


@pytest.mark.parametrize("kwargs", [{"persons": 0}, {"persons": 2.5}, {"seed": -1}, {"end_date": "2026-10-31"}])
def test_bad_arguments_raise_value_error(tmp_path, kwargs):
    with pytest.raises(ValueError, match=next(iter(kwargs))):
        demo_data.generate(tmp_path, **kwargs)


def test_export_faults_are_declared_in_truth(small):
    faults = pd.read_parquet(small[0] / "truth" / "ingest_faults.parquet")
    assert sorted(faults["reason"]) == ["document_incomplete", "duplicate_id", "malformed_row", "non_numeric", "unparseable_date"]
    text = (small[0] / "1c" / "prodazhi.csv").read_bytes().decode("cp1251")
    assert "лишнее поле" in text and ";н/д\r\n" in text and "31.02." in text
