"""Ingest: cp1251 and decimal commas, XLSX float trap, receipt grouping, returns, quarantine reasons, clear errors; Arrow
tables, CSV blocks, Parquet output and report summaries."""
import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from analysis import ingest, params, readers, typing_rules
from analysis import ingest_summary as summary
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


# ----------------------------------------------------------------------------------------------------------------------
# Scale: Arrow tables, per-block dictionaries, documents across blocks, Parquet as pandas writes it.

def test_tables_stay_in_arrow_until_asked_for(root):
    write_sales(root, SALES_ROWS[:2])
    result = ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)
    assert list(result.tables) == ["customers", "receipts", "receipt_lines", "stores", "campaign_contacts"]
    assert isinstance(result.tables.typed["receipt_lines"].table, pa.Table)
    lines = result.tables["receipt_lines"]
    assert lines is result.tables["receipt_lines"]  # converted once
    assert lines["receipt_id"].dtype == pd.StringDtype("pyarrow") and lines["is_return"].dtype == bool
    assert result.tables["customers"].empty and "source_id" in result.tables["customers"]


def test_documents_across_csv_blocks_and_out_of_order_lines(root, monkeypatch):
    monkeypatch.setattr(readers, "CSV_BLOCK_BYTES", 256)  # a dictionary every two lines or so
    doc = "Чек ККМ 0008-0000{:02d}"
    rows = [f"12.03.2024 9:05:11;{doc.format(n % 7)};;00000012{n % 7};Магазин №1;Пила;A-002;Инструмент;1;10,00" for n in range(40)]
    rows[5] = rows[5].replace("00000125", "00000199")  # document 5 disagrees on its customer, lines far apart
    write_sales(root, rows)
    result = ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)
    assert result.tables.typed["receipt_lines"].table.num_rows == 40 - 5
    receipts = result.tables["receipts"].set_index("receipt_id")
    assert receipts["items"].to_dict() == {doc.format(n): 6 if n < 5 else 5 for n in range(7) if n != 5}
    assert receipts["amount"].tolist() == [60.0, 60.0, 60.0, 60.0, 60.0, 50.0]
    assert receipts.index.tolist() == [doc.format(n) for n in (0, 1, 2, 3, 4, 6)]  # order of first appearance
    assert set(result.quarantine["reason"]) == {"inconsistent_document"} and len(result.quarantine) == 5


def test_duplicate_customer_in_a_later_file(root):
    (root / "in" / "c1.csv").write_text("id,name\n1,Иванов\n2,Петров\n2,Петров\n", encoding="utf-8")
    (root / "in" / "c2.csv").write_text("id,name\n3,Сидоров\n1,Иванов-2\n", encoding="utf-8")
    source = {"table": "customers", "system": "x", "path": "in/c*.csv", "columns": {"source_id": "id", "full_name": "name"}}
    result = ingest.ingest(load(root, {"c": source}), root)
    assert result.tables["customers"]["source_id"].tolist() == ["1", "2", "3"]
    q = result.quarantine
    assert list(zip(q["file"].str[-6:], q["row"], q["reason"])) == [("c1.csv", 4, "duplicate_id"), ("c2.csv", 3, "duplicate_id")]


def test_written_parquet_is_what_pandas_writes(root, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "_ROW_GROUP", 3)
    write_sales(root, SALES_ROWS)
    (root / "in" / "app.csv").write_text("id,client,shop,at,total,n,kind,orig\nR1,100,MSK-01,2024-03-01T10:00:00,1,2,sale,\n"
                                         "R2,,MSK-01,2024-03-02T10:00:00,5,,return,R1\n", encoding="utf-8")
    result = ingest.ingest(load(root, {"stores": STORES_SOURCE, "sales": SALES_SOURCE, "app": APP_RECEIPTS}), root)
    result.write(tmp_path / "run")
    for name, frame in result.tables.items():
        frame.to_parquet(tmp_path / f"{name}.parquet", index=False, row_group_size=3)
        ours, theirs = tmp_path / "run" / f"{name}.parquet", tmp_path / f"{name}.parquet"
        assert pq.read_schema(ours).equals(pq.read_schema(theirs), check_metadata=True), name
        assert pq.ParquetFile(ours).metadata.num_row_groups == pq.ParquetFile(theirs).metadata.num_row_groups
        pd.testing.assert_frame_equal(pd.read_parquet(ours), pd.read_parquet(theirs), check_exact=True)
    assert result.tables["receipts"]["items"].dtype == "Int64"  # a receipt source's Int64 with the lines' int64
    assert result.write_in_background(tmp_path / "later").result() is None
    for path in sorted((tmp_path / "run").glob("*.parquet")):
        assert pq.read_table(tmp_path / "later" / path.name).equals(pq.read_table(path), check_metadata=True), path.name


def test_xlsx_cells_read_as_pandas_reads_them(root):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "phone", "when", "born", "flag", "note", "id", None])
    ws.append([1, 79161234567, dt.datetime(2023, 1, 5, 10, 0), dt.date(1985, 9, 30), True, "NA", "a", "x"])
    ws.append([1.5, "+7 916", dt.date(2023, 1, 6), "1985", 1, "n/a", "b", None])
    ws.append([None, None, None, None, None, None, None, "only here"])  # empty in every needed column: left out
    ws.append([1e20, -5, None, dt.datetime(1990, 1, 1, 12, 30), "да", " NA", None, None])
    wb.save(root / "in" / "x.xlsx")
    raw = readers.read_file(root / "in" / "x.xlsx", "x", {"format": "xlsx", "sheet": ""}, ["id", "phone", "when", "born", "flag", "note", "id.1"])
    text = {c: raw.table[c].cast(pa.string()).to_pylist() for c in raw.table.column_names if c != "when"}
    assert raw.lines.tolist() == [2, 3, 5]
    assert text["id"] == ["1", "1.5", "100000000000000000000"]
    assert text["phone"] == ["79161234567", "+7 916", "-5"]
    assert text["born"] == ["1985-09-30", "1985", "1990-01-01T12:30:00"]
    assert text["flag"] == ["True", "True", "да"]  # pandas takes TRUE and 1 for one value, the first seen
    assert text["note"] == [None, None, " NA"]  # pandas' NA strings are missing; ' NA' is not one
    assert text["id.1"] == ["a", "b", None]
    assert raw.table["when"].to_pylist() == [dt.datetime(2023, 1, 5, 10, 0), dt.datetime(2023, 1, 6), None]


def test_xlsx_date_cells_in_a_text_field_become_dates_as_text(root):
    wb = openpyxl.Workbook()
    wb.active.append(["id", "born"])
    wb.active.append([1, dt.date(1985, 9, 30)])
    wb.active.append([2, dt.datetime(1990, 1, 1, 12, 30)])
    wb.save(root / "in" / "c.xlsx")
    source = {"table": "customers", "system": "app", "path": "in/c.xlsx", "format": "xlsx", "columns": {"source_id": "id", "birth_date": "born"}}
    customers = ingest.ingest(load(root, {"c": source}), root).tables["customers"]
    assert customers["birth_date"].tolist() == ["1985-09-30", "1990-01-01T12:30:00"]


def test_printing_from_parts_matches_arrows_strftime():
    stamps = pa.array([dt.datetime(999, 1, 2, 3, 4, 5), dt.datetime(2024, 2, 29, 23, 59, 59), None, dt.datetime(1, 1, 1)], pa.timestamp("s"))
    for fmt in ("%d.%m.%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d", "%d/%m/%y %%"):
        assert typing_rules._strftime(stamps, fmt).cast(pa.string()).to_pylist() == pc.strftime(stamps, format=fmt).to_pylist()
    text = pd.Series(["31.02.2024 10:00:00", "1.3.2024 9:05:01", "12.03.2024  9:05:11", "2024-03-12T09:05:11"], dtype=pd.StringDtype("pyarrow"))
    parsed = typing_rules.to_datetime(text, ["%d.%m.%Y %H:%M:%S"])
    assert parsed.tolist()[:3] == [pd.NaT, pd.Timestamp("2024-03-01 09:05:01"), pd.NaT]  # rolled over / two spaces
    assert parsed.iloc[3] == pd.Timestamp("2024-03-12 09:05:11")  # ISO 8601 fallback


def test_demo_quarantine_is_the_declared_export_faults(demo_profile, demo_dir):
    result = ingest.ingest(params.load(demo_profile))
    faults = pd.read_parquet(demo_dir / "truth" / "ingest_faults.parquet")
    assert sorted(result.quarantine["reason"]) == sorted(faults["reason"])
    acc = result.accounting
    assert (acc["rows_read"] == acc["rows_loaded"] + acc["rows_quarantined"]).all()
    loaded = acc.groupby("table")["rows_loaded"].sum()
    assert loaded["receipt_lines"] == len(result.tables["receipt_lines"]) and loaded["customers"] == len(result.tables["customers"])


@pytest.mark.parametrize("encoded", [False, True], ids=["plain text", "dictionary text as ingest keeps it"])
def test_summaries_per_source(encoded):
    text = pd.StringDtype("pyarrow")
    receipts = pd.DataFrame({
        "source": pd.Series(["1c", "1c", "1c", "app", None], dtype=text),
        "source_customer_id": pd.Series(["1", None, "9", "1", "1"], dtype=text),
        "datetime": pd.to_datetime(["2024-01-05", "2024-01-31", "2024-02-10", "2024-02-01", "2024-02-01"]),
        "amount": [100.0, 50.0, -20.0, 10.0, 1.0], "is_return": [False, False, True, False, False],
        "store": pd.Series(["Тверская", "Тверская", None, "A7", "A7"], dtype=text),
        "store_key": pd.Series([None, None, None, "s1", None], dtype=text),
    })
    customers = pd.DataFrame({"source": pd.Series(["1c", "app"], dtype=text), "source_id": pd.Series(["1", "2"], dtype=text),
                              "registration_date": pd.to_datetime(["2023-05-01", None])})

    def arrow(frame: pd.DataFrame) -> pa.Table:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if not encoded:
            return table
        return pa.table({c: pc.dictionary_encode(table[c]) if pa.types.is_large_string(table[c].type) else table[c]
                         for c in table.column_names})

    receipts, customers = arrow(receipts), arrow(customers)
    orphans = summary.anonymous_and_orphans(receipts, customers)
    assert orphans.to_dict("list") == {"source": ["1c", "app"], "receipts": [3, 1], "anonymous": [1, 0], "orphans": [1, 1]}
    assert orphans["source"].dtype == text
    returns = summary.returns(receipts).set_index("source")
    assert returns.loc["1c", "returns"] == 1 and returns.loc["1c", "revenue_returned_share"] == pytest.approx(20 / 150)
    assert returns.loc["app", "return_share"] == 0 and returns.loc["app", "revenue_returned_share"] == 0
    monthly = summary.monthly(receipts)
    assert monthly[["month", "source", "receipts", "revenue", "complete"]].values.tolist() == [
        [pd.Timestamp("2024-01-01"), "1c", 2, 150.0, False], [pd.Timestamp("2024-02-01"), "1c", 0, -20.0, False],
        [pd.Timestamp("2024-02-01"), "app", 1, 10.0, False]]
    coverage = summary.coverage({"receipts": receipts, "customers": customers})
    assert coverage.values.tolist() == [
        ["receipts", "1c", 3, pd.Timestamp("2024-01-05"), pd.Timestamp("2024-02-10")],
        ["receipts", "app", 1, pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-01")],
        ["customers", "1c", 1, pd.Timestamp("2023-05-01"), pd.Timestamp("2023-05-01")],
        ["customers", "app", 1, pd.NaT, pd.NaT]]
    assert summary.unmapped_stores(receipts).values.tolist() == [["1c", "Тверская", 2]]


def test_monthly_marks_the_months_the_history_covers_whole():
    days = pd.to_datetime(["2024-01-01 10:00", "2024-02-15 00:00", "2024-03-31 23:00"])
    receipts = pa.table({"source": ["1c"] * 3, "datetime": days, "is_return": [False] * 3, "amount": [1.0, 2.0, 3.0]})
    assert summary.monthly(receipts)["complete"].tolist() == [True, True, True]
    assert summary.monthly(receipts.slice(0, 2))["complete"].tolist() == [True, False]


def test_parquet_source_reads_ids_as_text_and_keeps_timestamps(root):
    frame = pd.DataFrame({"id": [7, 8, 8], "at": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", None]),
                          "total": ["1,5", None, "2"], "client": ["001", None, "003"]})
    frame.to_parquet(root / "in" / "r.parquet", index=False)
    source = {"table": "receipts", "system": "pq", "path": "in/r.parquet", "format": "parquet", "decimal": ",",
              "columns": {"receipt_id": "id", "datetime": "at", "amount": "total", "source_customer_id": "client"}}
    result = ingest.ingest(load(root, {"r": source}), root)
    receipts = result.tables["receipts"]
    assert receipts["receipt_id"].tolist() == ["7"] and receipts["amount"].tolist() == [1.5]
    assert receipts["datetime"].tolist() == [pd.Timestamp("2024-03-01 10:00")] and receipts["source_customer_id"].tolist() == ["001"]
    assert result.quarantine[["row", "reason"]].values.tolist() == [[2, "missing_required"], [3, "missing_required"]]


def test_tables_without_a_source_keep_their_types(root):
    write_sales(root, SALES_ROWS[9:11])  # the only document is inconsistent: no line is left
    result = ingest.ingest(load(root, {"sales": SALES_SOURCE}), root)
    empty = ingest.ingest(load(root, {"stores": STORES_SOURCE}), root)
    for tables in (result.tables, empty.tables):
        lines, receipts = tables["receipt_lines"], tables["receipts"]
        assert lines.empty and lines["is_return"].dtype == "boolean" and lines["datetime"].dtype == "datetime64[ns]"
        assert receipts.empty and receipts["items"].dtype == "Int64" and receipts["store_key"].dtype == pd.StringDtype("pyarrow")


def test_reading_in_another_process_gives_the_same_raw_file_and_errors(root):
    wb = openpyxl.Workbook()
    wb.active.append(["id", "phone", "when"])
    wb.active.append([1, 79161234567, dt.datetime(2023, 1, 5, 10, 0)])
    wb.active.append([None, None, None])
    wb.active.append(["x2", "NA", None])
    wb.save(root / "in" / "p.xlsx")
    source, needed = {"format": "xlsx", "sheet": ""}, ["id", "phone", "when"]
    here = readers.read_file(root / "in" / "p.xlsx", "p", source, needed)
    there = readers.read_in_process(root / "in" / "p.xlsx", "p", source, needed)
    assert there.table.equals(here.table) and there.lines.tolist() == here.lines.tolist() == [2, 4]
    assert there.path == here.path and there.malformed == here.malformed == []
    with pytest.raises(IngestError, match=r"no column\(s\) 'born'"):
        readers.read_in_process(root / "in" / "p.xlsx", "p", source, [*needed, "born"])
