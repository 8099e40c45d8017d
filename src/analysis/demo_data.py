"""Deterministic synthetic retail-chain data (1C + loyalty exports, campaign, truth) for demos and tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import demo_people, demo_sales
from analysis.xlsx_writer import Sheet, data_bytes, write_xlsx

_ROWS_PER_WRITE = 500_000


def generate(out_dir: Path, persons: int = 5000, seed: int = 7, end_date: date = date(2026, 10, 31)) -> dict[str, int]:
    """Write the demo data set into ``out_dir`` and return the number of data rows of each file.

    The same (persons, seed, end_date) always produce byte-identical files.
    """
    if isinstance(persons, bool) or not isinstance(persons, (int, np.integer)) or persons < 1:
        raise ValueError(f"persons must be a positive integer, got {persons!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not isinstance(end_date, date):
        raise ValueError(f"end_date must be a datetime.date, got {end_date!r}")
    end_date = end_date if type(end_date) is date else date(end_date.year, end_date.month, end_date.day)
    out = Path(out_dir)
    for sub in ("1c", "loyalty", "campaigns", "truth"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    rng_people, rng_records, rng_dirt, rng_shop, rng_campaign, rng_sales = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6))
    params = demo_sales.SalesParams()

    people = demo_people.make_persons(rng_people, int(persons), end_date)
    records = demo_people.make_records(rng_records, people, end_date)
    records, errors = demo_people.inject_errors(rng_dirt, records, people, end_date)
    stores = demo_sales.make_stores()
    catalogue = demo_sales.make_catalogue(rng_shop)
    behaviour = demo_sales.make_behaviour(rng_shop, people, stores, params)
    contacts, campaign_truth, extra = demo_sales.make_campaign(rng_campaign, people, records, behaviour, catalogue,
                                                               end_date, params)
    sales = demo_sales.make_sales(rng_sales, people, records, behaviour, catalogue, len(stores), extra, end_date,
                                  params, rng_campaign)

    counts = {"stores.csv": write_csv(out / "stores.csv", [pa.Table.from_pandas(stores.astype(str))])}
    counts["1c/kontragenty.csv"] = write_csv(out / "1c" / "kontragenty.csv", [demo_people.onec_customers(records)],
                                             sep=";", encoding=demo_sales.ONEC_ENCODING, eol="\r\n")
    counts["1c/prodazhi.csv"] = write_csv(out / "1c" / "prodazhi.csv",
                                          demo_sales.onec_sales_chunks(sales, records, stores, catalogue),
                                          sep=";", encoding=demo_sales.ONEC_ENCODING, eol="\r\n")
    clients, phone_numbers = demo_people.loyalty_customers(records)
    counts["loyalty/customers.xlsx"] = write_xlsx(out / "loyalty" / "customers.xlsx",
                                                  [Sheet("clients", clients, numbers={"phone": phone_numbers})])[0]
    counts["loyalty/receipts.csv"] = write_csv(out / "loyalty" / "receipts.csv",
                                               [demo_sales.loyalty_receipts(sales, records, stores)])
    counts["campaigns/contacts.csv"] = write_csv(out / "campaigns" / "contacts.csv",
                                                 [pa.Table.from_pandas(contacts, preserve_index=False)])
    faults = _append_export_faults(out, end_date)
    truth = {"persons": demo_people.persons_truth(people), "records": demo_people.records_truth(records, people),
             "errors": errors, "campaign": campaign_truth, "ingest_faults": faults}
    for name, frame in truth.items():
        frame.to_parquet(out / "truth" / f"{name}.parquet", index=False)
        counts[f"truth/{name}.parquet"] = len(frame)
    return counts


def _append_export_faults(out: Path, end_date: date) -> pd.DataFrame:
    """Append the faults real exports carry, so the ingest quarantine has something to show; returns what was added.

    1C sales: a line with an extra field, a document whose amount is not a number (its other line then goes
    too), a date that does not exist, and a sale in a new store missing from the store directory (loaded, not
    quarantined). Loyalty receipts: one receipt exported twice.
    """
    day = (end_date - timedelta(days=3)).strftime("%d.%m.%Y")
    doc = f"Чек ККМ 0099-000001 от {day} 12:00:00"
    onec = [
        f"{day} 12:00:00;{doc};;;Магазин №1 Профсоюзная;Пакет;A-999999;Упаковка;1;5,00;лишнее поле",
        f"{day} 13:00:00;Чек ККМ 0099-000002 от {day} 13:00:00;;;Магазин №1 Профсоюзная;Пакет;A-999999;Упаковка;1;н/д",
        f"{day} 13:00:00;Чек ККМ 0099-000002 от {day} 13:00:00;;;Магазин №1 Профсоюзная;Пакет;A-999999;Упаковка;1;5,00",
        f"31.02.{end_date.year} 14:00:00;Чек ККМ 0099-000003;;;Магазин №1 Профсоюзная;Пакет;A-999999;Упаковка;1;5,00",
        f"{day} 15:00:00;Чек ККМ 0013-000001 от {day} 15:00:00;;;Магазин №13 Новая Рига;Пакет;A-999999;Упаковка;1;5,00",
    ]
    with (out / "1c" / "prodazhi.csv").open("ab") as fh:
        fh.write(("\r\n".join(onec) + "\r\n").encode(demo_sales.ONEC_ENCODING))
    receipts = out / "loyalty" / "receipts.csv"
    first = receipts.read_text(encoding="utf-8").split("\n", 2)[1]
    with receipts.open("a", encoding="utf-8", newline="") as fh:
        fh.write(first + "\n")
    return pd.DataFrame({
        "file": ["1c/prodazhi.csv"] * 4 + ["loyalty/receipts.csv"],
        "reason": ["malformed_row", "non_numeric", "document_incomplete", "unparseable_date", "duplicate_id"],
    })


# ----------------------------------------------------------------------------------------------------------------------
# Writers.

def write_csv(path: Path, tables: Iterable[pa.Table], *, sep: str = ",", encoding: str = "utf-8",
              eol: str = "\n") -> int:
    """Write tables (same columns) as one CSV with a header, quoting values only when needed (like csv.QUOTE_MINIMAL).

    Text is encoded strictly: a character missing from ``encoding`` raises UnicodeEncodeError. Returns data rows.
    """
    rows = 0
    with open(path, "wb") as handle:
        for i, table in enumerate(tables):
            if i == 0:
                header = [_quote_text(name, sep) for name in table.column_names]
                handle.write((sep.join(header) + eol).encode(encoding))
            for begin in range(0, table.num_rows, _ROWS_PER_WRITE):
                part = table.slice(begin, _ROWS_PER_WRITE)
                columns = [_encode(_quoted(_as_text(col), sep), encoding) for col in part.columns]
                columns[-1] = pc.binary_join_element_wise(columns[-1], eol.encode(encoding), b"")
                handle.write(data_bytes(pc.binary_join_element_wise(*columns, sep.encode(encoding))))
            rows += table.num_rows
    return rows


def _quote_text(value: str, sep: str) -> str:
    """Minimal CSV quoting of one value."""
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if re.search(f'[{re.escape(sep)}"\r\n]', value) else value


def _as_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column as non-null strings (binary columns are kept: they hold already encoded text)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not (pa.types.is_string(column.type) or pa.types.is_binary(column.type)):
        column = pc.cast(column, pa.string())
    return pc.fill_null(column, b"" if pa.types.is_binary(column.type) else "")


def _quoted(column: pa.Array, sep: str) -> pa.Array:
    """Quote the values that contain the separator, a quote or a line break."""
    specials = (sep, '"', "\r", "\n")
    data = memoryview(data_bytes(column)).tobytes()  # scan all values at once (memchr): the specials are ASCII
    if not any(special.encode("ascii") in data for special in specials):
        return column
    mask = None
    for special in specials:
        found = pc.match_substring(column, special)
        mask = found if mask is None else pc.or_(mask, found)
    quote = b'"' if pa.types.is_binary(column.type) else '"'
    quoted = pc.binary_join_element_wise(quote, pc.replace_substring(column, '"', '""'), quote, quote[:0])
    return pc.if_else(mask, quoted, column)


def _encode(column: pa.Array, encoding: str) -> pa.Array:
    """Strings as bytes in ``encoding`` (non-ASCII values are encoded once per distinct value)."""
    if pa.types.is_binary(column.type):
        return column
    if encoding.lower().replace("-", "") == "utf8" or pc.all(pc.string_is_ascii(column)).as_py() in (True, None):
        return pc.cast(column, pa.binary())
    encoded = pc.dictionary_encode(column)
    values = [v.encode(encoding) for v in encoded.dictionary.to_pylist()]
    return pa.array(values, pa.binary()).take(encoded.indices)
