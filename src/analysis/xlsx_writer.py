"""Fast XLSX writing of Arrow tables: every cell of a column is turned into SpreadsheetML at once with Arrow
string kernels (openpyxl and pandas' ``to_excel`` spend ~20 µs per cell in Python: minutes for a million rows).

Cells: integers, floats and decimals are numbers (NaN and ±inf are empty); booleans are TRUE / FALSE; timestamps
and dates are date-time numbers shown in ``datetime_format`` (ISO text before 1900-03-01 and after 9999, which
Excel cannot show as dates); everything else is text written as it is, empty strings and nulls as empty cells.
Only what a cell cannot hold is changed: XML control characters become U+FFFD and text past Excel's 32 767
characters is cut (text such as ``_x000D_``, which Excel would read as an escaped character, is escaped itself).
Every cell keeps its reference (``r="B7"``), which some readers require. A sheet may also shade cells (light red),
offer a drop-down list on a column and, styled, keep leading columns in view. The same input always gives a
byte-identical file; openpyxl, pandas and calamine read it.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MAX_ROWS = 1_048_576  # rows of a sheet, header included
MAX_DATA_ROWS = MAX_ROWS - 1  # rows below the header
MAX_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767
_CELLS_PER_WRITE = 2_000_000  # cells turned into XML at once: bounds memory, the file does not depend on it
_EXCEL_EPOCH_OFFSET = 25569  # days from 1899-12-30 (Excel day 0) to 1970-01-01
_SERIALS = (61, 2_958_466)  # 1900-03-01 (Excel's 1900 leap-year bug before it) .. 9999-12-31 + 1 day
_UNITS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
_WIDTH_SAMPLE = 10_000  # rows read to fit column widths
_WIDTHS = (6, 60)
_ILLEGAL_XML = "[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
_EXCEL_ESCAPE = "_x[0-9A-Fa-f]{4}_"  # Excel reads _x000D_ in text as a character: such text gets its "_x" escaped
_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
_MAX_LIST_CHARS = 255  # Excel's limit for a drop-down's list written in the rule, and for its prompt
_SHADE = "FFF4CCCC"  # light red
_STYLE = {"date": ' s="1"', "header": ' s="2"', "shaded": ' s="3"', "shaded date": ' s="4"'}  # indices in _styles
# Bytes that need a look at the text: XML specials, control characters, and 0xEF (lead byte of U+FFFE / U+FFFF).
_SPECIAL = np.zeros(256, dtype=bool)
_SPECIAL[[*range(32), ord("&"), ord("<"), ord(">"), 0xEF]] = True
_SPECIAL[[ord("\t"), ord("\n")]] = False

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


@dataclass(frozen=True)
class DropDown:
    """A list to pick a column's values from (other values may still be typed; empty is allowed) and the hint shown
    when one of its cells is selected."""

    values: Sequence[str]
    prompt: str = ""


@dataclass(frozen=True)
class Sheet:
    """A worksheet: its name and rows (a header row of column names goes above them); per column, optionally:
    ``numbers`` (text columns) the cells (digits only) to write as numbers, ``shaded`` the cells to shade (empty
    ones too), ``drop_downs`` a drop-down on its data cells; ``frozen_columns``: with ``styled``, the leading
    columns that stay in view beside the frozen header."""

    name: str
    table: pa.Table
    numbers: Mapping[str, np.ndarray] = field(default_factory=dict)
    shaded: Mapping[str, np.ndarray] = field(default_factory=dict)
    drop_downs: Mapping[str, DropDown] = field(default_factory=dict)
    frozen_columns: int = 0


def write_xlsx(path: Path, sheets: Sequence[Sheet], *, styled: bool = False,
               datetime_format: str = "yyyy-mm-dd hh:mm:ss") -> list[int]:
    """Write a workbook with ``sheets`` in order; returns the data rows of each sheet.

    ``styled``: a bold header row, frozen, with filter buttons, and column widths fitted to the first rows (for
    people reading the file); without it the sheets are plain, like an application's export. Raises ValueError
    (before writing anything) on a sheet name Excel refuses, more rows or columns than a sheet holds (cut long
    tables with `split_rows`), a time-zone-aware timestamp, a mask, drop-down or ``frozen_columns`` that does not
    fit; TypeError on a column type no cell can hold.
    """
    _check(sheets)
    # Members opened by name get zipfile's fixed default timestamp (1980-01-01): the same input, the same bytes.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in _package_parts(sheets, styled, datetime_format):
            with archive.open(name, "w") as member:
                member.write(text.encode("utf-8"))
        for i, sheet in enumerate(sheets, start=1):
            with archive.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as member:
                _write_sheet(member, sheet, styled, datetime_format)
    return [sheet.table.num_rows for sheet in sheets]


def split_rows(table: pa.Table, max_rows: int = MAX_DATA_ROWS) -> list[pa.Table]:
    """``table`` cut into consecutive parts of at most ``max_rows`` rows (one empty part for an empty table)."""
    if isinstance(max_rows, bool) or not isinstance(max_rows, int) or not 1 <= max_rows <= MAX_DATA_ROWS:
        raise ValueError(f"max_rows must be an integer from 1 to {MAX_DATA_ROWS}, got {max_rows!r}")
    return [table.slice(begin, max_rows) for begin in range(0, max(table.num_rows, 1), max_rows)]


def from_pandas(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table for `write_xlsx` (index dropped, column names as text); an object column
    Arrow cannot type (mixed values) is written as text."""
    arrays = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        try:
            arrays.append(pa.array(column, from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            arrays.append(pa.array([None if _missing(v) else str(v) for v in column], pa.string()))
    return pa.Table.from_arrays(arrays, names=[str(name) for name in frame.columns])


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


# ----------------------------------------------------------------------------------------------------------------------
# Checks and package parts.

def _check(sheets: Sequence[Sheet]) -> None:
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    seen: set[str] = set()
    for sheet in sheets:
        name = sheet.name
        if (not isinstance(name, str) or not 1 <= len(name) <= 31 or _FORBIDDEN_IN_SHEET_NAME.search(name)
                or name.startswith("'") or name.endswith("'") or re.search(_ILLEGAL_XML, name)):
            raise ValueError(f"sheet name {name!r}: Excel wants 1–31 characters, none of []:*?/\\ and no ' at either end")
        if name.casefold() in seen or name.casefold() == "history":
            raise ValueError(f"sheet name {name!r} is used twice or reserved (names are compared ignoring case)")
        seen.add(name.casefold())
        if not isinstance(sheet.table, pa.Table):
            raise TypeError(f"sheet {name!r}: expected a pyarrow.Table (convert a DataFrame with from_pandas), "
                            f"got {type(sheet.table).__name__}")
        if sheet.table.num_rows > MAX_DATA_ROWS:
            raise ValueError(f"sheet {name!r}: {sheet.table.num_rows} rows, more than the {MAX_DATA_ROWS} an Excel "
                             "sheet holds below its header; cut the table with split_rows")
        if sheet.table.num_columns > MAX_COLUMNS:
            raise ValueError(f"sheet {name!r}: {sheet.table.num_columns} columns, more than Excel's {MAX_COLUMNS}")
        for column_name, column_type in zip(sheet.table.column_names, sheet.table.schema.types):
            _check_type(name, column_name, column_type)
        _check_extras(sheet)


def _check_extras(sheet: Sheet) -> None:
    """Masks, drop-downs and frozen columns that fit the sheet's table."""
    name, columns, rows = sheet.name, sheet.table.column_names, sheet.table.num_rows
    for what, masks in (("numbers", sheet.numbers), ("shaded", sheet.shaded)):
        for column_name, mask in masks.items():
            if column_name not in columns or len(mask) != rows:
                raise ValueError(f"sheet {name!r}: {what}[{column_name!r}] must name a column and have one flag "
                                 f"per row ({rows})")
    for column_name, drop_down in sheet.drop_downs.items():
        values = list(drop_down.values)
        if (column_name not in columns or not values or len(",".join(values)) > _MAX_LIST_CHARS
                or len(drop_down.prompt) > _MAX_LIST_CHARS
                or any(not isinstance(v, str) or not v or "," in v or '"' in v for v in values)):
            raise ValueError(f"sheet {name!r}: drop_downs[{column_name!r}] must name a column and list non-empty "
                             f"values without commas or quotes, at most {_MAX_LIST_CHARS} characters in all "
                             "(and in the prompt)")
    frozen = sheet.frozen_columns
    if isinstance(frozen, bool) or not isinstance(frozen, int) or not 0 <= frozen <= len(columns):
        raise ValueError(f"sheet {name!r}: frozen_columns must be an integer from 0 to {len(columns)}, got {frozen!r}")


def _check_type(sheet: str, column: str, kind: pa.DataType) -> None:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        raise ValueError(f"sheet {sheet!r}, column {column!r}: Excel has no time zones; convert {kind} to local time "
                         "without a zone first")
    if not (pa.types.is_null(kind) or pa.types.is_boolean(kind) or pa.types.is_integer(kind)
            or pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_timestamp(kind)
            or pa.types.is_date(kind) or pa.types.is_time(kind)
            or pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)):
        raise TypeError(f"sheet {sheet!r}, column {column!r}: a cell cannot hold {kind}; convert it to text first")


def _package_parts(sheets: Sequence[Sheet], styled: bool, datetime_format: str) -> list[tuple[str, str]]:
    """Every part of the package but the worksheets, in the order they are stored."""
    count = len(sheets)
    content_types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
                  for i in range(1, count + 1))
        + f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>')
    root_rels = (
        f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    names = "".join(f'<sheet name="{_xml_attr(s.name)}" sheetId="{i}" r:id="rId{i}"/>' for i, s in enumerate(sheets, 1))
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{_xml_attr(_quoted_sheet(s.name))}!$A$1:${_column_letter(s.table.num_columns - 1)}${s.table.num_rows + 1}"
        "</definedName>"
        for i, s in enumerate(sheets) if styled and s.table.num_columns)
    workbook = (f'{_XML}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{names}</sheets>'
                + (f"<definedNames>{filters}</definedNames>" if filters else "") + "</workbook>")
    workbook_rels = (
        f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, count + 1))
        + f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>')
    return [("[Content_Types].xml", content_types), ("_rels/.rels", root_rels), ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels), ("xl/styles.xml", _styles(datetime_format))]


def _styles(datetime_format: str) -> str:
    """Cell formats (see _STYLE): 0 plain, 1 date-time, 2 bold header, 3 shaded, 4 shaded date-time."""
    font = '<sz val="11"/><name val="Calibri"/>'
    return (
        f'{_XML}<styleSheet xmlns="{_MAIN_NS}">'
        f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{_xml_attr(datetime_format)}"/></numFmts>'
        f'<fonts count="2"><font>{font}</font><font><b/>{font}</font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        f'</fill><fill><patternFill patternType="solid"><fgColor rgb="{_SHADE}"/><bgColor indexed="64"/></patternFill>'
        '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="0" fontId="0" fillId="2" borderId="0" xfId="0" applyFill="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="2" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


# ----------------------------------------------------------------------------------------------------------------------
# Worksheets.

def _write_sheet(out: IO[bytes], sheet: Sheet, styled: bool, datetime_format: str) -> None:
    table = sheet.table
    if table.num_columns == 0:
        out.write(f'{_XML}<worksheet xmlns="{_MAIN_NS}"><dimension ref="A1"/><sheetData/></worksheet>'.encode())
        return
    letters = [_column_letter(i) for i in range(table.num_columns)]
    style = _STYLE["header"] if styled else ""
    header = "".join(
        f'<c r="{col}1"{style} t="inlineStr"><is><t{_space(name)}>{_header_text(name)}</t></is></c>'
        for col, name in zip(letters, table.column_names))
    last_ref = f"{letters[-1]}{table.num_rows + 1}"
    view = ""
    if styled:
        widths = _widths(table, datetime_format)
        view = (f'<sheetViews><sheetView workbookViewId="0">{_frozen_pane(sheet.frozen_columns)}</sheetView></sheetViews>'
                "<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                                   for i, w in enumerate(widths, start=1)) + "</cols>")
    out.write(f'{_XML}<worksheet xmlns="{_MAIN_NS}"><dimension ref="A1:{last_ref}"/>{view}'
              f'<sheetData><row r="1">{header}</row>'.encode())
    rows_per_write = max(1, _CELLS_PER_WRITE // table.num_columns)
    # One part is deflated while the next is built: zlib and the Arrow kernels both release the GIL.
    with ThreadPoolExecutor(max_workers=1) as deflate:
        pending: Future[int] | None = None
        for begin in range(0, table.num_rows, rows_per_write):
            part = table.slice(begin, rows_per_write)
            row_no = pc.cast(pa.array(np.arange(begin + 2, begin + 2 + part.num_rows)), pa.string())
            cells = [_cells(part.column(i), letters[i], row_no, _rows_of(sheet.numbers, name, begin, part.num_rows),
                            _rows_of(sheet.shaded, name, begin, part.num_rows))
                     for i, name in enumerate(part.column_names)]
            rows = pc.binary_join_element_wise('<row r="', row_no, '">', *cells, "</row>", "",
                                               null_handling="skip")  # an empty cell (null) is left out
            if pending is not None:
                pending.result()
            pending = deflate.submit(out.write, data_bytes(pc.cast(rows, pa.binary())))
        if pending is not None:
            pending.result()
    out.write(b"</sheetData>" + (f'<autoFilter ref="A1:{last_ref}"/>'.encode() if styled else b"")
              + _drop_downs(sheet, letters).encode() + b"</worksheet>")


def _rows_of(masks: Mapping[str, np.ndarray], name: str, begin: int, size: int) -> np.ndarray | None:
    """The part of a column's mask for rows ``begin`` .. ``begin + size`` (None without a mask)."""
    return np.asarray(masks[name][begin: begin + size], bool) if name in masks else None


def _cells(column: pa.ChunkedArray, letter: str, row_no: pa.Array, as_number: np.ndarray | None,
           shaded: np.ndarray | None) -> pa.Array:
    """The <c> elements of one column (null for an empty cell), the ``shaded`` ones (empty or not) shaded."""
    column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    cells = _column_cells(column, letter, row_no, as_number, shaded=False)
    if shaded is not None and shaded.any():
        picked = pa.array(shaded)
        row_no = row_no.filter(picked)
        restyled = _column_cells(column.filter(picked), letter, row_no,
                                 None if as_number is None else as_number[shaded], shaded=True)
        blank = pc.binary_join_element_wise(f'<c r="{letter}', row_no, f'"{_STYLE["shaded"]}/>', "")
        cells = pc.replace_with_mask(cells, picked, pc.coalesce(restyled, blank))
    return cells


def _column_cells(column: pa.Array, letter: str, row_no: pa.Array, as_number: np.ndarray | None,
                  shaded: bool) -> pa.Array:
    """The <c> elements of a plain (not dictionary) column, all plain or all shaded."""
    style = _STYLE["shaded"] if shaded else ""
    kind = column.type
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        if pa.types.is_floating(kind):
            column = pc.if_else(pc.is_finite(column), column, pa.scalar(None, kind))
        return _numbers(letter, row_no, pc.cast(column, pa.string()), style)
    if pa.types.is_boolean(kind):
        return pc.binary_join_element_wise(f'<c r="{letter}', row_no, f'"{style} t="b"><v>',
                                           pc.if_else(column, "1", "0"), "</v></c>", "")
    if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
        return _date_cells(column, letter, row_no, shaded)
    text, specials = _text(column)
    cells = _text_cells(letter, row_no, text, specials, style)
    if as_number is not None:
        cells = pc.if_else(pa.array(as_number), _numbers(letter, row_no, text, style), cells)
    return cells


def _numbers(letter: str, row_no: pa.Array, values: pa.Array, style: str) -> pa.Array:
    """Number cells of numbers written as text."""
    return pc.binary_join_element_wise(f'<c r="{letter}', row_no, f'"{style}><v>', values, "</v></c>", "")


def _text_cells(letter: str, row_no: pa.Array, text: pa.Array, specials: set[str], style: str) -> pa.Array:
    """Inline-string cells; ``specials``: which of & < > and CR the text holds."""
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):  # CR: a parser reads LF
        if char in specials:
            text = pc.replace_substring(text, char, entity)
    return pc.binary_join_element_wise(f'<c r="{letter}', row_no, f'"{style} t="inlineStr"><is><t xml:space="preserve">',
                                       text, "</t></is></c>", "")


def _date_cells(column: pa.Array, letter: str, row_no: pa.Array, shaded: bool) -> pa.Array:
    """Date-time number cells (date style); ISO text where Excel has no date."""
    if pa.types.is_date(column.type):
        column = pc.cast(column, pa.timestamp("s"))
    per_second = _UNITS_PER_SECOND[column.type.unit]
    raw = pc.fill_null(column.cast(pa.int64()), 0).to_numpy()
    seconds = raw // per_second
    serial = seconds / 86400.0 + _EXCEL_EPOCH_OFFSET
    rest = raw - seconds * per_second
    if rest.any():
        serial += rest / (86400.0 * per_second)
    values = pa.array(serial, mask=pc.is_null(column).to_numpy(zero_copy_only=False) if column.null_count else None)
    style = _STYLE["shaded date" if shaded else "date"]
    cells = pc.binary_join_element_wise(f'<c r="{letter}', row_no, f'"{style}><v>', pc.cast(values, pa.string()),
                                        "</v></c>", "")
    outside = (serial < _SERIALS[0]) | (serial >= _SERIALS[1])
    if outside.any():
        iso = pc.strftime(pc.cast(column, pa.timestamp("s"), safe=False), "%Y-%m-%d %H:%M:%S")
        cells = pc.if_else(pa.array(outside),
                           _text_cells(letter, row_no, iso, set(), _STYLE["shaded"] if shaded else ""), cells)
    return cells


def _text(column: pa.Array) -> tuple[pa.Array, set[str]]:
    """A column as strings that fit in a cell (control characters as U+FFFD, cut at MAX_CELL_CHARS; empty strings
    as nulls), and which of & < > and CR they hold (one look at the bytes: clean text costs no search)."""
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    if len(column) == 0:
        return column, set()
    lengths = np.diff(_offsets(column))
    if ((lengths == 0) & column.is_valid().to_numpy(zero_copy_only=False)).any():
        column = pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)
    data = np.frombuffer(data_bytes(column), dtype=np.uint8)
    found = set(np.unique(data[_SPECIAL[data]]).tolist())
    if found - {ord("&"), ord("<"), ord(">"), ord("\r")}:  # control characters, or maybe U+FFFE / U+FFFF
        column = pc.replace_substring_regex(column, _ILLEGAL_XML, "\ufffd")
    if lengths.max() > MAX_CELL_CHARS:  # bytes ≥ characters: a cheap first test
        column = pc.utf8_slice_codeunits(column, 0, MAX_CELL_CHARS)
    underscores = np.flatnonzero(data[:-1] == ord("_"))
    if (data[underscores + 1] == ord("x")).any():
        escaped = pc.match_substring_regex(column, _EXCEL_ESCAPE)
        if pc.any(escaped).as_py():
            column = pc.if_else(escaped, pc.replace_substring(column, "_x", "_x005F_x"), column)
    return column, {chr(b) for b in found if b < 128}


def _widths(table: pa.Table, datetime_format: str) -> list[float]:
    """Column widths (characters) fitted to the header and the first rows."""
    sample = table.slice(0, _WIDTH_SAMPLE)
    widths = []
    for name, column in zip(sample.column_names, sample.columns):
        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            longest = len(datetime_format)
        elif pa.types.is_boolean(kind):
            longest = 6
        elif len(column) and not pa.types.is_null(kind):
            longest = pc.max(pc.utf8_length(pc.cast(column, pa.string()))).as_py() or 0
        else:
            longest = 0
        widths.append(float(min(max(len(name) + 3, longest + 2, _WIDTHS[0]), _WIDTHS[1])))
    return widths


def _offsets(column: pa.Array) -> np.ndarray:
    return np.frombuffer(column.buffers()[1], dtype=np.int32)[column.offset: column.offset + len(column) + 1]


def data_bytes(column: pa.Array | pa.ChunkedArray) -> pa.Buffer | bytes:
    """The concatenated values of a string or binary array (a zero-copy buffer; chunks are combined first)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    data = column.buffers()[2]
    if len(column) == 0 or data is None:
        return b""
    offsets = _offsets(column)
    return data[int(offsets[0]): int(offsets[-1])]


def _frozen_pane(columns: int) -> str:
    """A pane that keeps the header row and the ``columns`` leading columns in view."""
    corner = f"{_column_letter(columns)}2"
    split, pane = (f'xSplit="{columns}" ', "bottomRight") if columns else ("", "bottomLeft")
    return (f'<pane {split}ySplit="1" topLeftCell="{corner}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{corner}" sqref="{corner}"/>')


def _drop_downs(sheet: Sheet, letters: Sequence[str]) -> str:
    """The data validations of the sheet's drop-downs (on its data rows; none without rows)."""
    rows = sheet.table.num_rows
    if not rows or not sheet.drop_downs:
        return ""
    rules = []
    for name, drop_down in sheet.drop_downs.items():
        letter = letters[sheet.table.column_names.index(name)]
        prompt = f' showInputMessage="1" prompt="{_xml_attr(drop_down.prompt)}"' if drop_down.prompt else ""
        listed = '"' + ",".join(drop_down.values) + '"'
        rules.append(f'<dataValidation type="list" allowBlank="1"{prompt} sqref="{letter}2:{letter}{rows + 1}">'
                     f"<formula1>{_xml_text(listed)}</formula1></dataValidation>")
    return f'<dataValidations count="{len(rules)}">{"".join(rules)}</dataValidations>'


def _column_letter(index: int) -> str:
    """Spreadsheet column letter(s) of a zero-based column index."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xml_text(text: str) -> str:
    return re.sub(_ILLEGAL_XML, "\ufffd", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _header_text(name: str) -> str:
    """A column name as cell text (see _text)."""
    return _xml_text(name.replace("_x", "_x005F_x") if re.search(_EXCEL_ESCAPE, name) else name)


def _xml_attr(text: str) -> str:
    return _xml_text(text).replace('"', "&quot;")


def _space(text: str) -> str:
    """xml:space for header text whose outer spaces must survive."""
    return ' xml:space="preserve"' if text != text.strip() else ""


def _quoted_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"
