"""Ingest: cp1251 and decimal commas, XLSX float trap, receipt grouping, returns, quarantine reasons, clear errors."""
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from analysis import ingest, params
from analysis.readers import IngestError

NBSP = "\u00a0"
SALES_HEADER = "Период;Регистратор;Основание;Контрагент;Магазин;Номенклатура;Артикул;Группа;Количество;Сумма"
SALE1 = "Чек ККМ 0008-000001 от 12.03.2024 9:05:11"
SALES_ROWS = [
    f"12.03.2024 9:05:11;{SALE1};;000000123;Магазин №1;Дрель;A-001;Инструмент;1;1{NBSP}234,50",
    f"12.03.2024 9:05:11;{SALE1};;000000123;Магазин №1;Пила;A-002;Инструмент;1,5;100,00",
    "13.03.2024 10:00:00;Чек ККМ 0008-000002;;000000124;Магазин №1;Пила;A-002;Инструмент;1;abc",  # non_numeric
    "13.03.2024 10:00:00;Чек ККМ 0008-000002;;000000124;Магазин №1;Пила;A-002;Инструмент;1;50,00",  # document_incomplete
    f"14.03.2024 10:00:00;Возврат товаров от покупателя 0008-000003;{SALE1};000000123;Магазин №1;Пила;A-002;Инструмент;-1;-50,00",
    "31.02.2024 10:00:00;Чек ККМ 0008-000004;;000000125;Магазин №1;Пила;A-002;Инструмент;1;50,00",  # unparseable_date
    "14.03.2030 10:00:00;Чек ККМ 0008-000005;;000000125;Магазин №1;Пила;A-002;Инструмент;1;50,00",  # date_after_as_of
    "15.03.2024 10:00:00;Чек ККМ 0008-000006;;;Магазин №9;Пила;A-002;Инструмент;1;50,00",  # anonymous, unknown store
    "15.03.2024 10:00:00;Чек ККМ 0008-000007;;000000126;Магазин №1;Пила;A-002;Инструмент;1;50,00;extra",  # malformed_row
    "16.03.2024 10:00:00;Чек ККМ 0008-000008;;000000126;Магазин №1;Пила;A-002;Инструмент;1;10,00",
    "16.03.2024 11:00:00;Чек ККМ 0008-000008;;000000126;Магазин №1;Пила;A-002;Инструмент;1;10,00",  # inconsistent_document
    ";Чек ККМ 0008-000009;;000000126;Магазин №1;Пила;A-002;Инструмент;1;10,00",  # missing_required datetime
]
SALES_SOURCE = {
    "table": "receipt_lines", "system": "1c", "path": "in/sales*.csv", "encoding": "cp1251", "delimiter": ";",
    "decimal": ",", "date_formats": ["%d.%m.%Y %H:%M:%S"], "return_pattern": "^Возврат",
    "columns": {"receipt_id": "Регистратор", "return_of": "Основание", "datetime": "Период", "source_customer_id": "Контрагент",
                "store": "Магазин", "product": "Номенклатура", "sku": "Артикул", "category": "Группа",
                "quantity": "Количество", "amount": "Сумма"},
}
STORES_SOURCE = {"table": "stores", "system": "directory", "path": "in/stores.csv",
                 "columns": {"store_key": "store_key", "name": "name", "city": "city"}, "aliases": {"1c": "onec", "app": "code"}}
APP_RECEIPTS = {
    "table": "receipts", "system": "app", "path": "in/app.csv", "date_formats": ["%Y-%m-%dT%H:%M:%S"],
    "columns": {"receipt_id": "id", "source_customer_id": "client", "store": "shop", "datetime": "at", "amount": "total",
                "items": "n", "is_return": "kind", "return_of": "orig"},
    "values": {"is_return": {"sale": False, "return": True}},
}


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    real = Path(__file__).resolve().parents[1] / "params" / "default.yaml"
    (tmp_path / "params" / "default.yaml").write_text(real.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "stores.csv").write_text("store_key,name,city,onec,code\nS01,Тверская,Москва,Магазин №1,MSK-01\n", encoding="utf-8")
    return tmp_path


def load(root: Path, sources: dict, sets: tuple[str, ...] = ()) -> dict:
    prof = root / "params" / "p.yaml"
    prof.write_text(yaml.safe_dump({"as_of": "2024-12-31", "sources": sources}, allow_unicode=True), encoding="utf-8")
    return params.load(prof, list(sets), root=root)


def write_sales(root: Path, rows: list[str], name: str = "sales.csv") -> None:
    (root / "in" / name).write_bytes(("\r\n".join([SALES_HEADER, *rows]) + "\r\n").encode("cp1251"))


def test_1c_register_lines_grouped_into_receipts(root):
    write_sales(root, SALES_ROWS)
    result = ingest.ingest(load(root, {"stores": STORES_SOURCE, "sales": SALES_SOURCE}), root)
    receipts = result.tables["receipts"].set_index("receipt_id")
    sale = receipts.loc[SALE1]
    assert sale["amount"] == pytest.approx(1334.50)  # NBSP thousands separator and decimal comma
    assert sale["items"] == 2 and not sale["is_return"]
    assert sale["source_customer_id"] == "000000123"  # leading zeros kept
    assert sale["store_key"] == "S01"
    assert sale["datetime"] == pd.Timestamp("2024-03-12 09:05:11")  # 1C prints hours without a leading zero
    ret = receipts.loc["Возврат товаров от покупателя 0008-000003"]
    assert ret["is_return"] and ret["amount"] == pytest.approx(-50.0) and ret["return_of"] == SALE1
    anon = receipts.loc["Чек ККМ 0008-000006"]
    assert pd.isna(anon["source_customer_id"]) and pd.isna(anon["store_key"])
    lines = result.tables["receipt_lines"]
    assert lines.loc[lines["receipt_id"] == SALE1, "quantity"].tolist() == [1.0, 1.5]
    assert lines.loc[lines["receipt_id"].str.startswith("Возврат"), "is_return"].all()


def test_every_quarantine_reason_and_the_accounting_identity(root):
    write_sales(root, SALES_ROWS)
    result = ingest.ingest(load(root, {"stores": STORES_SOURCE, "sales": SALES_SOURCE}), root)
    q = result.quarantine
    by_row = dict(zip(q["row"], q["reason"]))
    assert by_row == {
        4: "non_numeric", 5: "document_incomplete", 7: "unparseable_date", 8: "date_after_as_of", 10: "malformed_row",
        11: "inconsistent_document", 12: "inconsistent_document", 13: "missing_required",
    }
    acc = result.accounting.set_index("source_name").loc["sales"]
    assert acc["rows_read"] == len(SALES_ROWS) == acc["rows_loaded"] + acc["rows_quarantined"]
    assert acc["rows_loaded"] == len(result.tables["receipt_lines"])
    record = json.loads(q.loc[q["reason"] == "non_numeric", "record"].iloc[0])
    assert record["amount"] == "abc"


def test_anonymous_receipts_quarantined_when_asked(root):
    write_sales(root, SALES_ROWS[:2] + SALES_ROWS[7:8])
    result = ingest.ingest(load(root, {"sales": SALES_SOURCE}, ("ingest.keep_anonymous=false",)), root)
    assert result.quarantine["reason"].tolist() == ["missing_customer_id"]


def test_same_document_in_two_files_is_a_duplicate(root):
    write_sales(root, SALES_ROWS[:2], "sales1.csv")
    write_sales(root, SALES_ROWS[:2], "sales2.csv")
    result = ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)
    assert result.quarantine["reason"].tolist() == ["duplicate_id", "duplicate_id"]
    assert result.quarantine["file"].str.endswith("sales2.csv").all()
    assert len(result.tables["receipts"]) == 1


def test_receipt_source_returns_by_flag_duplicates_and_sign(root):
    (root / "in" / "app.csv").write_text(
        "id,client,shop,at,total,n,kind,orig\n"
        "R1,100,MSK-01,2024-03-01T10:00:00,1234.50,2,sale,\n"
        "R2,100,MSK-01,2024-03-05T10:00:00,100.00,1,return,R1\n"  # positive total on a return becomes negative
        "R1,100,MSK-01,2024-03-01T10:00:00,1234.50,2,sale,\n"  # duplicate receipt
        "R3,,MSK-01,2024-03-06T10:00:00,50,1,sale,\n",
        encoding="utf-8",
    )
    result = ingest.ingest(load(root, {"stores": STORES_SOURCE, "app": APP_RECEIPTS}), root)
    r = result.tables["receipts"].set_index("receipt_id")
    assert r.loc["R2", "amount"] == -100.0 and r.loc["R2", "is_return"] and r.loc["R2", "return_of"] == "R1"
    assert r.loc["R1", "store_key"] == "S01" and r.loc["R1", "items"] == 2
    assert result.quarantine["reason"].tolist() == ["duplicate_id"]


def test_returns_by_sign_without_pattern(root):
    write_sales(root, SALES_ROWS[:2] + SALES_ROWS[4:5])
    source = {**SALES_SOURCE, "return_pattern": ""}
    receipts = ingest.ingest(load(root, {"sales": source}), root).tables["receipts"]
    assert receipts["is_return"].tolist() == [False, True]


def test_customers_from_xlsx_keep_ids_and_phones_as_text(root):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "clients"
    ws.append(["client_id", "last", "phone", "card", "created", "sms"])
    ws.append([100123, "Иванова", 79161234567, "0000012345", dt.datetime(2023, 1, 5, 10, 0), 1])
    ws.append([100124, "Петров", "+7 (916) 765-43-21", "0000012346", dt.datetime(2023, 2, 5), 0])
    ws.append([100123, "Дубль", None, None, dt.datetime(2023, 2, 5), "maybe"])  # duplicate id
    wb.save(root / "in" / "clients.xlsx")
    source = {"table": "customers", "system": "app", "path": "in/clients.xlsx", "format": "xlsx", "sheet": "clients",
              "columns": {"source_id": "client_id", "last_name": "last", "phone": "phone", "card_number": "card",
                          "registration_date": "created", "consent_sms": "sms"}}
    result = ingest.ingest(load(root, {"clients": source}), root)
    c = result.tables["customers"]
    assert c["source_id"].tolist() == ["100123", "100124"]
    assert c["phone"].tolist() == ["79161234567", "+7 (916) 765-43-21"]  # no '7.9161234567E10', no '.0'
    assert c["card_number"].tolist() == ["0000012345", "0000012346"]
    assert c["consent_sms"].tolist() == [True, False]
    assert c["registration_date"].iloc[0] == pd.Timestamp("2023-01-05 10:00")
    assert result.quarantine["reason"].tolist() == ["duplicate_id"]
    assert result.quarantine["row"].tolist() == [4]


def test_unparseable_optional_value_is_blanked_and_reported(root):
    (root / "in" / "c.csv").write_text("id,reg,sms\n1,2023-01-01,да\n2,вчера,может\n", encoding="utf-8")
    source = {"table": "customers", "system": "x", "path": "in/c.csv",
              "columns": {"source_id": "id", "registration_date": "reg", "consent_sms": "sms"}}
    result = ingest.ingest(load(root, {"c": source}), root)
    assert len(result.tables["customers"]) == 2  # optional fields never quarantine a customer
    assert sorted(zip(result.blanked["field"], result.blanked["value"])) == [("consent_sms", "может"), ("registration_date", "вчера")]
    assert result.accounting["values_blanked"].tolist() == [2]


def test_campaign_group_must_map_to_treatment_or_control(root):
    (root / "in" / "k.csv").write_text(
        "camp,sys,ref,grp,sent\nC1,1c,001,рассылка,2024-03-01 10:00:00\nC1,1c,002,контроль,\nC1,1c,003,другое,\n", encoding="utf-8")
    source = {"table": "campaign_contacts", "path": "in/k.csv", "date_formats": ["%Y-%m-%d %H:%M:%S"],
              "columns": {"campaign_id": "camp", "source": "sys", "source_customer_id": "ref", "group": "grp", "sent_at": "sent"},
              "values": {"group": {"рассылка": "treatment", "контроль": "control"}}}
    result = ingest.ingest(load(root, {"k": source}), root)
    assert result.tables["campaign_contacts"]["group"].tolist() == ["treatment", "control"]
    assert result.quarantine["reason"].tolist() == ["invalid_value"]


def test_wrong_encoding_names_the_parameter(root):
    (root / "in" / "sales.csv").write_bytes(("\r\n".join([SALES_HEADER, *SALES_ROWS[:1]])).encode("cp1251"))
    with pytest.raises(IngestError, match=r"cannot be decoded as utf-8.*sources.sales.encoding"):
        ingest.ingest(load(root, {"sales": {**SALES_SOURCE, "encoding": "utf-8"}}), root)


def test_utf8_read_as_cp1251_gets_a_hint(root):
    (root / "in" / "sales.csv").write_text("\n".join([SALES_HEADER, *SALES_ROWS[:1]]), encoding="utf-8")
    with pytest.raises(IngestError, match=r"has no column\(s\) .*'Период'.*try encoding: utf-8"):
        ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)


def test_absent_mapped_column_lists_found_columns(root):
    write_sales(root, SALES_ROWS[:1])
    source = {**SALES_SOURCE, "columns": {**SALES_SOURCE["columns"], "amount": "Сумма руб"}}
    with pytest.raises(IngestError, match=r"no column\(s\) 'Сумма руб' named in sources.sales.columns; columns found: 'Период'"):
        ingest.ingest(load(root, {"sales": source}), root)


def test_wrong_delimiter_hint(root):
    write_sales(root, SALES_ROWS[:1])
    with pytest.raises(IngestError, match=r"is sources.sales.delimiter ',' right"):
        ingest.ingest(load(root, {"sales": {**SALES_SOURCE, "delimiter": ","}}), root)


def test_empty_file(root):
    (root / "in" / "sales.csv").write_bytes(b"")
    with pytest.raises(IngestError, match=r"sales.csv is empty"):
        ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)


def test_unknown_canonical_field_in_mapping(root):
    write_sales(root, SALES_ROWS[:1])
    source = {**SALES_SOURCE, "columns": {**SALES_SOURCE["columns"], "colour": "Группа"}}
    with pytest.raises(IngestError, match=r"sources.sales.columns names unknown canonical field\(s\) colour"):
        ingest.ingest(load(root, {"sales": source}), root)


def test_required_field_not_mapped(root):
    write_sales(root, SALES_ROWS[:1])
    columns = {k: v for k, v in SALES_SOURCE["columns"].items() if k != "amount"}
    with pytest.raises(IngestError, match=r"must map the required field\(s\) amount"):
        ingest.ingest(load(root, {"sales": {**SALES_SOURCE, "columns": columns}}), root)


def test_written_tables_are_typed_parquet(root, tmp_path):
    write_sales(root, SALES_ROWS[:2])
    result = ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)
    result.write(tmp_path / "run")
    back = pd.read_parquet(tmp_path / "run" / "receipts.parquet")
    assert pd.api.types.is_datetime64_any_dtype(back["datetime"]) and back["amount"].dtype == "float64"
    assert {"customers.parquet", "ingest_quarantine.parquet", "ingest_accounting.parquet"} <= {p.name for p in (tmp_path / "run").iterdir()}
