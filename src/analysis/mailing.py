"""Mailing lists: channel cascade with a stop list, randomized holdout, event lists, planned contacts, CSV/XLSX export.

Decisions documented here (one place):
- a customer goes to the first channel of the cascade on which they are reachable: viber/sms need
  `contactable_<channel>`, consent and `phone_e164`; email needs `contactable_email`, consent and `email`;
  post needs an address with a postcode (the `postcode` column when present, else a 6-digit postcode in
  the address; there is no consent field for letters). Otherwise the channel is 'none';
- stop list: a listed phone blocks viber and sms, a listed e-mail blocks email, when it is any of the
  customer's numbers/addresses (`phone_e164`/`phones_all`, `email`/`emails_all`); a listed customer_key
  blocks every channel. Values are normalized as the quality audit does before matching;
- holdout: within each stratum (segment by default) round-half-up(share × reachable customers) go to the
  control group: those with the lowest keyed hash (siphash of customer_key, key from `seed`), so the draw
  is random yet depends on neither row order nor the run; control rows keep their planned channel, cost 0;
- event lists: the next occurrence strictly after `as_of` and at most `days` later; 29 February falls on
  28 February in other years (Civil Code art. 192); anniversaries start at 1 year.
"""
from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis import labels, lifecycle, xlsx_writer
from analysis.addresses import POSTCODE  # the one postcode rule
from analysis.customer_metrics import require_columns
from analysis.emails import normalize_emails
from analysis.lifecycle import SEGMENTS
from analysis.phones import normalize_phones
from analysis.quality_codes import is_utf8

CHANNELS = ("viber", "sms", "email", "post")
UNREACHABLE = "none"
TREATMENT, CONTROL = "treatment", "control"
EVENTS = ("birthday", "anniversary")
GOLDEN_SOURCE = "golden"  # `source` of planned contacts: source_customer_id is the customer_key
CONTACT_FILE_COLUMNS = (
    "campaign_id", "source", "source_customer_id", "group", "channel", "sent_at", "delivered", "read", "cost",
)
LIST_FIELDS = ("last_name", "first_name", "patronymic", "city")  # golden fields added to exported lists
STOP_KINDS = {"phone": ("viber", "sms"), "email": ("email",)}  # contact kind -> channels a listed value blocks
_CHANNEL_FIELDS = {  # channel -> (contact column, consent column, contactable flag)
    "viber": ("phone_e164", "consent_viber", "contactable_viber"),
    "sms": ("phone_e164", "consent_sms", "contactable_sms"),
    "email": ("email", "consent_email", "contactable_email"),
    "post": ("address", None, None),
}
_ALL_VALUES = {"phone": ("phone_e164", "phones_all"), "email": ("email", "emails_all")}
_UNSAFE = re.compile(r"[^\w-]+")


def keyed(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """`frame` with customer_key as a column (moved from a customer_key index when needed)."""
    if isinstance(frame, pd.DataFrame) and "customer_key" not in frame.columns and frame.index.name == "customer_key":
        return frame.reset_index()
    require_columns(frame, ["customer_key"], what)
    return frame


def check_channels(channels: Sequence[str], what: str = "mailing.channels") -> tuple[str, ...]:
    """The channels as a tuple; ValueError for an unknown, repeated or empty list."""
    if isinstance(channels, str) or not channels:
        raise ValueError(f"{what}: expected a non-empty list of channels out of {list(CHANNELS)}, got {channels!r}")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or len(set(channels)) != len(channels):
        raise ValueError(f"{what}: channels must be distinct and among {list(CHANNELS)}, got {list(channels)}")
    return tuple(channels)


def stop_list(raw: pd.DataFrame, key_column: str = "customer_key", region: str = "RU") -> pd.DataFrame:
    """Normalized stop entries (kind 'customer' | 'phone' | 'email', value) from a file read as text.

    Cells of the column named `key_column` (any case) are customer keys; every other cell is an e-mail
    when it holds '@', else phone text (headers and junk normalize to nothing and are dropped).
    """
    if not isinstance(raw, pd.DataFrame):
        raise ValueError(f"stop list: expected a pandas DataFrame, got {type(raw).__name__}")
    is_key = [str(c).strip().lower() == key_column.lower() for c in raw.columns]
    keys = pd.concat([raw[c] for c, k in zip(raw.columns, is_key) if k] or [pd.Series(dtype=object)])
    cells = pd.concat([raw[c] for c, k in zip(raw.columns, is_key) if not k] or [pd.Series(dtype=object)])
    cells = cells.dropna().astype(str).str.strip()
    cells = cells[cells != ""].drop_duplicates().reset_index(drop=True)
    mail = cells.str.contains("@", regex=False)
    phones = normalize_phones(cells[~mail], region)["phone_all"].dropna().str.split(";").explode()
    parts = [
        ("customer", keys.dropna().astype(str).str.strip()),
        ("phone", phones),
        ("email", normalize_emails(cells[mail])["email"].dropna()),
    ]
    out = pd.concat([pd.DataFrame({"kind": kind, "value": values.astype(str)}) for kind, values in parts])
    return out[out["value"] != ""].drop_duplicates().reset_index(drop=True)


def read_stop_file(path: str | Path, key_column: str = "customer_key") -> pd.DataFrame:
    """A stop-list file (CSV/TXT in UTF-8 or cp1251 with any separator, or XLSX) as text cells for `stop_list`.

    The first row is a header only when one of its cells is `key_column`; otherwise every row is data.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"mailing.stop_list: file not found: {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        raw = pd.read_excel(path, header=None, dtype=str)
    else:
        data = path.read_bytes()
        text = data.decode("utf-8-sig") if is_utf8(data) else data.decode("cp1251")
        lines = text.splitlines()
        try:
            separator = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t|").delimiter
        except csv.Error:
            separator = ";"
        raw = pd.DataFrame([row for row in csv.reader(lines, delimiter=separator) if any(c.strip() for c in row)])
    first = raw.iloc[0].astype(str).str.strip().str.lower().tolist() if len(raw) else []
    if key_column.lower() in first:
        raw = raw.iloc[1:].set_axis(first, axis=1)
    return raw.reset_index(drop=True)


def reachability(golden: pd.DataFrame, channels: Sequence[str], stop: pd.DataFrame | None = None) -> pd.DataFrame:
    """One boolean column per channel (index and order of `golden`): the customer can get a message there."""
    channels = check_channels(channels)
    reach = _open_channels(golden, channels) & ~_stopped_channels(golden, channels, stop)
    return pd.DataFrame(reach, index=golden.index, columns=list(channels))


def _open_channels(golden: pd.DataFrame, channels: Sequence[str]) -> np.ndarray:
    """Boolean matrix (customers × channels): valid contact, consent and contactable flag (post: postcode)."""
    needed = {f for c in channels for f in _CHANNEL_FIELDS[c] if f}
    require_columns(golden, sorted(needed), "customers_golden")
    out = np.zeros((len(golden), len(channels)), dtype=bool)
    for j, channel in enumerate(channels):
        contact, consent, flag = _CHANNEL_FIELDS[channel]
        ok = golden[contact].notna().to_numpy(bool)
        if flag:
            ok &= golden[flag].fillna(False).to_numpy(bool) & golden[consent].fillna(False).to_numpy(bool)
        else:
            ok &= _has_postcode(golden)
        out[:, j] = ok
    return out


def _stopped_channels(golden: pd.DataFrame, channels: Sequence[str], stop: pd.DataFrame | None) -> np.ndarray:
    """Boolean matrix (customers × channels): the stop list closes the channel for the customer."""
    blocked = _blocked(golden, stop)
    out = np.repeat(blocked["customer"][:, None], len(channels), axis=1)
    for j, channel in enumerate(channels):
        for kind, blocks in STOP_KINDS.items():
            if channel in blocks:
                out[:, j] |= blocked[kind]
    return out


def assign_channels(
    golden: pd.DataFrame,
    targets: pd.DataFrame,
    channels: Sequence[str],
    costs: Mapping[str, float],
    stop: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The targets (customer_key, segment and any extra columns) with channel, contact, cost and stop_listed.

    `channels` is the cascade order; channel is 'none' (cost 0) when no channel reaches the customer or the
    customer_key is not in `golden`. stop_listed: the stop list closed at least one channel otherwise open.
    """
    golden, targets = keyed(golden, "customers_golden"), keyed(targets, "targets")
    require_columns(targets, ["segment"], "targets")
    channels = check_channels(channels)
    price = _check_costs(costs, channels)
    if golden["customer_key"].duplicated().any():
        raise ValueError("customers_golden: customer_key must be unique")
    if targets.duplicated(["customer_key", "segment"]).any():
        raise ValueError("targets: a customer appears twice in one segment")
    free = _open_channels(golden, channels)
    reach = free & ~_stopped_channels(golden, channels, stop)
    first = np.where(reach.any(axis=1), reach.argmax(axis=1), len(channels))
    pos = pd.Index(golden["customer_key"]).get_indexer(targets["customer_key"])  # -1 (not in golden) picks the sentinel
    chosen = np.append(first, len(channels))[pos]
    contact = np.full(len(targets), None, dtype=object)
    for j, channel in enumerate(channels):
        rows = np.flatnonzero(chosen == j)
        contact[rows] = golden[_CHANNEL_FIELDS[channel][0]].iloc[pos[rows]].to_numpy(dtype=object)
    names = np.array([*channels, UNREACHABLE], dtype=object)
    rates = np.array([price[c] for c in channels] + [0.0])
    return targets.reset_index(drop=True).assign(
        channel=names[chosen],
        contact=contact,
        cost=rates[chosen],
        stop_listed=np.append((free != reach).any(axis=1), False)[pos],
    )


def select_segments(segments: pd.DataFrame, codes: Sequence[str]) -> pd.DataFrame:
    """Customers (customer_key, segment) of the lifecycle segments `codes` (params: mailing.target_segments)."""
    segments = keyed(segments, "segments")
    require_columns(segments, ["segment"], "segments")
    unknown = [c for c in codes if c not in SEGMENTS]
    if isinstance(codes, str) or unknown:
        raise ValueError(f"mailing.target_segments: unknown segment(s) {unknown or codes!r}; choose from {list(SEGMENTS)}")
    chosen = segments["segment"].astype(str).to_numpy()
    picked = np.isin(chosen, list(codes))
    return pd.DataFrame({"customer_key": segments["customer_key"].to_numpy()[picked], "segment": chosen[picked]})


def assign_holdout(
    assigned: pd.DataFrame, share: float, seed: int, by: Sequence[str] = ("segment",)
) -> pd.DataFrame:
    """`assigned` with `group` ('treatment' | 'control'; NA when unreachable); control rows cost 0."""
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share < 1:
        raise ValueError(f"mailing.holdout_share must be a number in [0, 1), got {share!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"mailing.holdout_seed must be an integer, got {seed!r}")
    require_columns(assigned, ["customer_key", "channel", "cost", *by], "assigned")
    rows = np.flatnonzero((assigned["channel"] != UNREACHABLE).to_numpy())
    reach = assigned.iloc[rows]
    stratum = reach.groupby(list(by), sort=False, dropna=False, observed=True).ngroup().to_numpy()
    draw = pd.util.hash_array(reach["customer_key"].astype(str).to_numpy(dtype=object), hash_key=f"{int(seed) % 2**64:016x}")
    order = np.lexsort((draw, stratum))
    sizes = np.bincount(stratum, minlength=stratum.max(initial=-1) + 1)
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    control = np.zeros(len(assigned), dtype=bool)
    control[rows] = rank < np.floor(share * sizes + 0.5)[stratum]
    group = np.full(len(assigned), None, dtype=object)
    group[rows] = np.where(control[rows], CONTROL, TREATMENT)
    return assigned.assign(group=pd.array(group, dtype="string"), cost=np.where(control, 0.0, assigned["cost"]))


def contact_file(assigned: pd.DataFrame, campaign_id: str) -> pd.DataFrame:
    """Planned contacts in the campaign_contacts layout, one campaign per segment ('<campaign_id>_<segment>')."""
    if not isinstance(campaign_id, str) or not campaign_id.strip():
        raise ValueError(f"mailing.campaign_id must be non-empty text, got {campaign_id!r}")
    require_columns(assigned, ["customer_key", "segment", "group", "channel", "cost"], "assigned (run assign_holdout)")
    rows = assigned[assigned["channel"] != UNREACHABLE]
    n = len(rows)
    return pd.DataFrame({
        "campaign_id": (campaign_id.strip() + "_" + rows["segment"].astype(str)).to_numpy(),
        "source": np.full(n, GOLDEN_SOURCE, dtype=object),
        "source_customer_id": rows["customer_key"].astype(str).to_numpy(),
        "group": rows["group"].to_numpy(dtype=object),
        "channel": rows["channel"].to_numpy(dtype=object),
        "sent_at": pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"),
        "delivered": pd.array([pd.NA] * n, dtype="boolean"),
        "read": pd.array([pd.NA] * n, dtype="boolean"),
        "cost": rows["cost"].to_numpy(dtype=float),
    })


def summary(assigned: pd.DataFrame) -> pd.DataFrame:
    """segment, channel, customers (to message; on 'none': unreachable), control, cost (₽, messaged only)."""
    require_columns(assigned, ["segment", "channel", "cost"], "assigned")
    control = assigned["group"].isin([CONTROL]).to_numpy() if "group" in assigned.columns else False
    frame = pd.DataFrame({
        "segment": assigned["segment"].astype(str).to_numpy(), "channel": assigned["channel"].to_numpy(),
        "customers": np.where(control, 0, 1), "control": np.where(control, 1, 0),
        "cost": assigned["cost"].to_numpy(dtype=float),
    })
    table = frame.groupby(["segment", "channel"], sort=False).sum().reset_index()
    order = {c: i for i, c in enumerate((*CHANNELS, UNREACHABLE))}
    segments = {s: i for i, s in enumerate(dict.fromkeys(frame["segment"]))}
    rank = table["segment"].map(segments) * 10 + table["channel"].map(order)
    return table.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)


def upcoming_events(
    golden: pd.DataFrame, as_of: dt.date, days: int, events: Iterable[str] = EVENTS
) -> pd.DataFrame:
    """Birthdays and registration anniversaries in (as_of, as_of + days]: customer_key, segment (the event),
    event_date, days_until, years (age reached or years since registration; NA when the birth year is unknown)."""
    golden = keyed(golden, "customers_golden")
    events = list(events)
    if any(e not in EVENTS for e in events):
        raise ValueError(f"mailing.events: unknown event(s) in {events}; choose from {list(EVENTS)}")
    if isinstance(days, bool) or not isinstance(days, (int, np.integer)) or not 1 <= days <= 366:
        raise ValueError(f"mailing.event_days must be an integer from 1 to 366, got {days!r}")
    start = pd.Timestamp(as_of).normalize()
    parts = []
    if "birthday" in events:
        require_columns(golden, ["birth_month", "birth_day"], "customers_golden")
        born = golden["birth_date"] if "birth_date" in golden.columns else pd.Series(pd.NaT, index=golden.index)
        when = pd.to_datetime(born)
        month, day, year = (_filled(golden, f"birth_{part}", getattr(when.dt, part)) for part in ("month", "day", "year"))
        parts.append(_event_rows(golden, "birthday", month, day, year, start, days))
    if "anniversary" in events:
        require_columns(golden, ["registration_date"], "customers_golden")
        reg = pd.to_datetime(golden["registration_date"])
        rows = _event_rows(golden, "anniversary", reg.dt.month, reg.dt.day, reg.dt.year.astype("Float64"), start, days)
        parts.append(rows[rows["years"] >= 1])
    columns = ["customer_key", "segment", "event_date", "days_until", "years"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _filled(frame: pd.DataFrame, column: str, fallback: pd.Series) -> pd.Series:
    """`frame[column]` (NA when absent) as Float64 with gaps filled from `fallback`."""
    base = frame[column] if column in frame.columns else pd.Series(pd.NA, index=frame.index)
    return base.astype("Float64").fillna(fallback.astype("Float64"))


def _event_rows(golden: pd.DataFrame, event: str, month: pd.Series, day: pd.Series, year: pd.Series,
                start: pd.Timestamp, days: int) -> pd.DataFrame:
    m = pd.to_numeric(month, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    d = pd.to_numeric(day, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    mi, di = np.where(ok, m, 1).astype(int), np.where(ok, d, 1).astype(int)
    when = _on_year(mi, di, start.year)
    when = np.where(when <= start.to_datetime64(), _on_year(mi, di, start.year + 1), when)
    until = (when - start.to_datetime64()).astype("timedelta64[D]").astype(int)
    keep = ok & (until <= days)
    event_date = pd.to_datetime(when[keep])
    years = pd.array(event_date.year, dtype="Int64") - pd.array(year.to_numpy()[keep], dtype="Float64").astype("Int64")
    return pd.DataFrame({
        "customer_key": golden["customer_key"].to_numpy()[keep], "segment": event,
        "event_date": event_date, "days_until": until[keep].astype("int64"), "years": years,
    })


def _on_year(month: np.ndarray, day: np.ndarray, year: int) -> np.ndarray:
    """Dates of (month, day) in `year` (datetime64[ns]); 29 Feb becomes 28 Feb outside leap years; days past
    the month's end (31 April) are clipped to its last day."""
    first = np.datetime64(f"{year}-01", "M") + (month - 1)
    last = ((first + 1).astype("datetime64[D]") - first.astype("datetime64[D]")).astype(int)
    return (first.astype("datetime64[D]") + (np.minimum(day, last) - 1)).astype("datetime64[ns]")


def export_lists(assigned: pd.DataFrame, golden: pd.DataFrame, folder: Path, language: str = "ru") -> list[Path]:
    """Write one CSV + XLSX per segment × channel (messaged customers with full contacts) and the summary.

    `folder` is reports/<date>/lists (created). Headers are the report language's labels.
    """
    require_columns(assigned, ["customer_key", "segment", "channel", "contact", "cost"], "assigned")
    golden = keyed(golden, "customers_golden")
    sent = assigned[assigned["channel"] != UNREACHABLE]
    if "group" in sent.columns:
        sent = sent[sent["group"].isin([TREATMENT]).to_numpy()].drop(columns="group")
    fields = [f for f in LIST_FIELDS if f in golden.columns and f not in sent.columns]
    people = sent.merge(golden[["customer_key", *fields]], on="customer_key", how="left")
    front = ["customer_key", *fields, "contact", "segment", "channel", "cost"]
    people = people[front + [c for c in people.columns if c not in front and c != "stop_listed"]]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for (segment, channel), rows in people.groupby(["segment", "channel"], sort=False):
        stem = _UNSAFE.sub("_", f"{segment}_{channel}")
        written += write_table(labels.localize(rows, language), folder / stem)
    written += write_table(labels.localize(summary(assigned), language), folder / "summary")
    return written


def write_table(frame: pd.DataFrame, stem: Path) -> list[Path]:
    """Write `<stem>.csv` (UTF-8 with BOM, ';', decimal comma: opens in Excel with Russian settings) and
    `<stem>.xlsx` (sheets of at most Excel's row limit); returns both paths."""
    csv_path, xlsx_path = Path(f"{stem}.csv"), Path(f"{stem}.xlsx")
    frame.to_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig", index=False, date_format="%d.%m.%Y")
    parts = xlsx_writer.split_rows(xlsx_writer.from_pandas(frame))
    xlsx_writer.write_xlsx(xlsx_path, [xlsx_writer.Sheet(str(n), part) for n, part in enumerate(parts, start=1)],
                           styled=True, datetime_format="dd.mm.yyyy")
    return [csv_path, xlsx_path]


def _check_costs(costs: Mapping[str, float], channels: Sequence[str]) -> dict[str, float]:
    if not isinstance(costs, Mapping):
        raise ValueError(f"mailing.cost must be a mapping channel: ₽ per message, got {costs!r}")
    out = {}
    for channel in channels:
        value = costs.get(channel)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ValueError(f"mailing.cost.{channel}: expected a non-negative number of ₽ per message, got {value!r}")
        out[channel] = float(value)
    return out


def _has_postcode(golden: pd.DataFrame) -> np.ndarray:
    if "postcode" in golden.columns:
        return golden["postcode"].notna().to_numpy(bool) & golden["address"].notna().to_numpy(bool)
    codes, uniques = pd.factorize(golden["address"])
    found = np.array([bool(POSTCODE.search(str(u))) for u in np.asarray(uniques, dtype=object)] + [False])
    return found[codes]


def _blocked(golden: pd.DataFrame, stop: pd.DataFrame | None) -> dict[str, np.ndarray]:
    """Per stop kind, which customers of `golden` it hits (';'-joined cells are split with Arrow)."""
    none = np.zeros(len(golden), dtype=bool)
    if stop is None or stop.empty:
        return {"customer": none, **{kind: none for kind in STOP_KINDS}}
    require_columns(stop, ["kind", "value"], "stop list")
    values = {kind: stop.loc[stop["kind"] == kind, "value"].astype(str).unique() for kind in ("customer", *STOP_KINDS)}
    out = {"customer": golden["customer_key"].astype(str).isin(values["customer"]).to_numpy()}
    for kind, columns in _ALL_VALUES.items():
        out[kind] = none.copy()
        listed = pa.array(values[kind], type=pa.string())
        for column in (c for c in columns if c in golden.columns and len(listed)):
            cells = pc.split_pattern(pa.array(golden[column].astype(object), type=pa.string(), from_pandas=True), ";")
            hit = pc.is_in(pc.utf8_trim_whitespace(pc.list_flatten(cells)), value_set=listed).to_numpy(zero_copy_only=False)
            out[kind][pc.list_parent_indices(cells).to_numpy()[hit]] = True
    return out


def localized_summary(plan: pd.DataFrame, language: str) -> pd.DataFrame:
    """The summary with segment and channel names in the report language (ad-hoc segments keep their names)."""
    def segment_name(code: str) -> str:
        if code in lifecycle.SEGMENTS:
            return lifecycle.label([code], language)[0]
        return labels.t(f"mailing.segment.{code}", language) if f"mailing.segment.{code}" in labels.LABELS else code

    return plan.assign(segment=plan["segment"].map(segment_name),
                       channel=plan["channel"].map(lambda c: labels.t(f"mailing.channel.{c}", language)))


def plan_facts(plan: pd.DataFrame, assigned: pd.DataFrame, language: str) -> dict[str, str]:
    """Figures for the mailing sentence: customers to message, cost, control, unreachable, stop-listed."""
    reached = plan["channel"] != "none"
    return {"customers": labels.fmt_int(plan.loc[reached, "customers"].sum(), language),
            "cost": labels.fmt_int(plan["cost"].sum(), language),
            "control": labels.fmt_int(plan["control"].sum(), language),
            "unreachable": labels.fmt_int(plan.loc[~reached, "customers"].sum(), language),
            "stopped": labels.fmt_int(int(assigned["stop_listed"].sum()), language)}
