"""Deterministic synthetic retail-chain data (1C + loyalty exports, campaign, truth) for demos and tests."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import demo_people, demo_sales

_ROWS_PER_WRITE = 500_000
_EXCEL_EPOCH_OFFSET = 25569  # days from 1899-12-30 (Excel day 0) to 1970-01-01


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
    counts["loyalty/customers.xlsx"] = write_xlsx(out / "loyalty" / "customers.xlsx", clients, "clients",
                                                  numbers={"phone": phone_numbers})
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
                handle.write(_data_bytes(pc.binary_join_element_wise(*columns, sep.encode(encoding))))
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
    data = memoryview(_data_bytes(column)).tobytes()  # scan all values at once (memchr): the specials are ASCII
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


def _data_bytes(column: pa.Array) -> pa.Buffer | bytes:
    """The concatenated values of a binary array (a zero-copy buffer)."""
    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if len(column) == 0:
        return b""
    offsets = np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset: column.offset + len(column) + 1]
    return column.buffers()[2][int(offsets[0]): int(offsets[-1])]


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="{sheet}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def write_xlsx(path: Path, table: pa.Table, sheet: str, numbers: dict[str, np.ndarray] | None = None) -> int:
    """Write one sheet: integer columns as numbers, timestamps as date-time cells, strings as text cells
    (empty strings as empty cells). ``numbers`` marks string cells (digits only) to be written as numbers.

    A vectorized SpreadsheetML writer (openpyxl writes ~20 µs per cell, too slow for a million rows); openpyxl
    and pandas read the result. Returns data rows.
    """
    numbers = numbers or {}
    letters = [_column_letter(i) for i in range(table.num_columns)]
    header = "".join(f'<c r="{col}1" t="inlineStr"><is><t>{_xml_escape(name)}</t></is></c>'
                     for col, name in zip(letters, table.column_names))
    last_ref = f"{letters[-1]}{table.num_rows + 1}"
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:{last_ref}"/><sheetData><row r="1">{header}</row>')
    # Members opened by name get zipfile's fixed default timestamp (1980-01-01): the file is byte-identical per run.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
                           ("xl/workbook.xml", _WORKBOOK.format(sheet=_xml_escape(sheet))),
                           ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS), ("xl/styles.xml", _STYLES)):
            with archive.open(name, "w") as member:
                member.write(text.encode("utf-8"))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet_file:
            sheet_file.write(head.encode("utf-8"))
            for begin in range(0, table.num_rows, _ROWS_PER_WRITE):
                part = table.slice(begin, _ROWS_PER_WRITE)
                row_no = pc.cast(pa.array(np.arange(begin + 2, begin + 2 + part.num_rows)), pa.string())
                cells = [_xlsx_cells(part.column(i), letters[i], row_no,
                                     None if part.column_names[i] not in numbers
                                     else numbers[part.column_names[i]][begin: begin + part.num_rows])
                         for i in range(part.num_columns)]
                rows = pc.binary_join_element_wise('<row r="', row_no, '">', *cells, "</row>", "")
                sheet_file.write(_data_bytes(pc.cast(rows, pa.binary())))
            sheet_file.write(b"</sheetData></worksheet>")
    return table.num_rows


def _column_letter(index: int) -> str:
    """Spreadsheet column letter(s) of a zero-based column index."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xlsx_cells(column: pa.ChunkedArray, letter: str, row_no: pa.Array, as_number: np.ndarray | None) -> pa.Array:
    """The <c> elements of one column ('' for empty cells)."""
    column = column.combine_chunks()
    ref = pc.binary_join_element_wise(f'<c r="{letter}', row_no, '"', "")
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        cells = pc.binary_join_element_wise(ref, "><v>", pc.cast(column, pa.string()), "</v></c>", "")
        return pc.fill_null(pc.if_else(pc.is_null(column), "", cells), "")
    if pa.types.is_timestamp(column.type):
        seconds = pc.cast(column, pa.timestamp("s")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        serial = pc.cast(pa.array(seconds / 86400.0 + _EXCEL_EPOCH_OFFSET), pa.string())
        return pc.binary_join_element_wise(ref, ' s="1"><v>', serial, "</v></c>", "")
    text = _as_text(column)
    escaped = pc.replace_substring(pc.replace_substring(pc.replace_substring(text, "&", "&amp;"), "<", "&lt;"),
                                   ">", "&gt;")
    cells = pc.binary_join_element_wise(ref, ' t="inlineStr"><is><t xml:space="preserve">', escaped, "</t></is></c>",
                                        "")
    if as_number is not None:
        number_cells = pc.binary_join_element_wise(ref, "><v>", text, "</v></c>", "")
        cells = pc.if_else(pa.array(np.asarray(as_number, bool)), number_cells, cells)
    return pc.if_else(pc.equal(text, ""), "", cells)

