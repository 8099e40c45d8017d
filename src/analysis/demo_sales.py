"""Synthetic sales of the demo chain: stores, catalogue, receipts with lines and returns, and campaign C2026-09."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis.demo_people import CITIES, concat_text, format_days, history_window, int_text

CAMPAIGN_ID = "C2026-09"
ONEC_ENCODING = "cp1251"
SECONDS_PER_DAY = 86400

# (store_key, location, city, loyalty city code); onec_name is 'Магазин №<n> <location>'.
_STORES = (("S01", "Профсоюзная", "Москва", "MSK"), ("S02", "Митино", "Москва", "MSK"),
           ("S03", "Тверская", "Москва", "MSK"), ("S04", "Невский", "Санкт-Петербург", "SPB"),
           ("S05", "Парнас", "Санкт-Петербург", "SPB"), ("S06", "Уралмаш", "Екатеринбург", "EKB"),
           ("S07", "Академический", "Екатеринбург", "EKB"), ("S08", "Левобережный", "Новосибирск", "NSK"),
           ("S09", "Горки", "Казань", "KZN"), ("S10", "Сормово", "Нижний Новгород", "NNV"),
           ("S11", "Безымянка", "Самара", "SMR"), ("S12", "Юбилейный", "Краснодар", "KRD"))

# category -> (median price, unit, product bases); each base comes in three grades (price factors below).
_CATALOGUE = {
    "Электроинструмент": (5500, "шт", "Дрель ударная|Шуруповёрт аккумуляторный|Перфоратор|Углошлифовальная машина|"
                          "Электролобзик|Циркулярная пила|Шлифмашина орбитальная|Строительный фен|Реноватор"),
    "Ручной инструмент": (650, "шт", "Молоток слесарный|Набор отвёрток|Рулетка 5 м|Уровень строительный|"
                          "Ножовка по дереву|Набор ключей|Плоскогубцы|Топор|Шпатель"),
    "Сад и огород": (900, "шт", "Лопата штыковая|Грабли веерные|Шланг поливочный 20 м|Секатор|Тачка садовая|"
                     "Грунт универсальный 50 л|Удобрение комплексное|Перчатки садовые"),
    "Крепёж": (300, "кг", "Саморезы по дереву|Саморезы по металлу|Гвозди строительные|Дюбели распорные|"
               "Шурупы универсальные|Болты с гайкой|Шайбы плоские|Заклёпки вытяжные"),
    "Краски и лаки": (950, "шт", "Краска интерьерная белая|Эмаль ПФ-115|Грунтовка глубокого проникновения|"
                      "Лак для дерева|Антисептик для дерева|Валик малярный|Кисть плоская|Малярный скотч"),
    "Сантехника": (2600, "шт", "Смеситель для кухни|Смеситель для ванной|Унитаз-компакт|Раковина|Сифон|"
                   "Гибкая подводка|Душевой гарнитур|Кран шаровой"),
    "Электрика": (450, "м", "Кабель ВВГнг 3x2,5|Провод ПВС 2x0,75|Гофротруба 20 мм|Кабель-канал 25x16"),
    "Электрофурнитура": (350, "шт", "Розетка двойная|Выключатель одноклавишный|Удлинитель 5 м|"
                         "Автоматический выключатель|Распределительная коробка|Изолента ПВХ"),
    "Освещение": (1200, "шт", "Лампа светодиодная E27|Люстра потолочная|Светильник настенный|Настольная лампа|"
                  "Прожектор светодиодный|Светодиодная лента 5 м|Торшер|Фонарь налобный"),
    "Товары для дома": (750, "шт", "Сушилка для белья|Гладильная доска|Коврик придверный|Контейнер для хранения|"
                        "Полка настенная|Зеркало|Штора для ванной|Табурет"),
    "Бытовая химия": (260, "шт", "Средство для мытья посуды|Стиральный порошок 3 кг|Чистящее средство|"
                      "Освежитель воздуха|Мешки для мусора|Губки для посуды|Средство для стёкол|Отбеливатель"),
    "Стройматериалы": (600, "шт", "Цемент М500 50 кг|Штукатурка гипсовая 30 кг|Шпаклёвка финишная|"
                       "Плиточный клей 25 кг|Гипсокартон 12,5 мм|Монтажная пена|Герметик силиконовый|"
                       "Утеплитель минвата"),
    "Декор и праздники": (650, "шт", "Гирлянда светодиодная|Ёлка искусственная 180 см|Набор ёлочных шаров|"
                          "Свечи ароматические|Рамка для фото|Ваза декоративная|Подушка декоративная|Плед"),
}
_GRADES = (("Эконом", 0.7), ("Стандарт", 1.0), ("Проф", 1.7))
_SUPER_DRILL = ("Супер дрель", "Электроинструмент", 4499000)
# Category demand by month (1..12); months not listed have factor 1.
_CATEGORY_SEASON = {"Сад и огород": {1: 0.5, 2: 0.6, 4: 2.0, 5: 2.5, 6: 2.0, 7: 1.5, 8: 1.2, 11: 0.6, 12: 0.5},
                    "Декор и праздники": {11: 1.5, 12: 4.0, 1: 1.2}}
_MONTH_FACTOR = (0.75, 0.85, 1.0, 1.1, 1.2, 1.1, 1.0, 1.0, 0.95, 0.95, 1.0, 1.45)
_WEEKDAY_FACTOR = (0.85, 0.85, 0.9, 0.95, 1.1, 1.3, 1.15)  # Monday..Sunday
_HOLIDAY_BOOST = (((12, 20), (12, 31), 1.6), ((2, 20), (2, 22), 1.5), ((3, 4), (3, 7), 1.6))  # pre-holiday days
_HOUR_WEIGHTS = (4, 6, 8, 9, 9, 8, 7, 8, 10, 11, 10, 7, 3)  # opening hours 9:00..21:59
_PIECE_QTY = ((2, 72), (4, 18), (6, 5), (8, 3), (10, 2))  # (2 x quantity, weight) for pieces under 3000 rub
_KG_QTY = tuple((q2, 1) for q2 in range(1, 11))  # 0.5 .. 5 kg
_METRE_QTY = ((4, 2), (6, 2), (10, 3), (20, 3), (30, 2), (40, 1), (50, 1), (60, 1))
_CHANNEL_DELIVERY = {"viber": 0.85, "sms": 0.95, "email": 0.93}
_CHANNEL_READ = {"viber": 0.75, "sms": 0.55, "email": 0.45}
_CHANNEL_COST = {"viber": "0.90", "sms": "1.20", "email": "0.10"}
# Probability of an extra purchase after a delivered message, by gender and age band (<25, 25-44, 45-59, 60+): a
# coupon mailing strong enough that the 5 000-person demo measures it (men 60+ do not respond: a true null cell).
_CONVERSION = {"F": (0.20, 0.40, 0.30, 0.12), "M": (0.12, 0.25, 0.15, 0.0)}
_AGE_BANDS = (25, 45, 60)


@dataclass(frozen=True)
class SalesParams:
    """Behaviour of the generated customers (module defaults reproduce the documented demo data)."""

    rate_mean: float = 6.0  # purchases per year among active customers
    rate_shape: float = 1.2  # gamma shape of the individual purchase rate (smaller = longer tail)
    lifetime_years: float = 6.0  # mean of the exponential lifetime after registration
    one_shot_share: float = 0.10  # customers who never come back after the registration purchase
    lines_beta: tuple[float, float] = (2.4, 2.6)  # receipt lines = 1 + Binomial(5, p), p ~ Beta per person
    home_store_share: float = 0.88
    return_share: float = 0.04
    anonymous_share: float = 0.05  # of 1C sale documents
    campaign_target_share: float = 0.75  # of the records with a contact (at most every contactable person)
    control_share: float = 0.30
    campaign_days_before_end: int = 46
    effect_window_days: int = 30
    effect_mean_delay_days: float = 6.0


def make_stores() -> pd.DataFrame:
    """stores.csv: store_key, name, city, onec_name, loyalty_code."""
    rows = [(key, loc, city, f"Магазин №{i} {loc}", f"{code}-{i:02d}")
            for i, (key, loc, city, code) in enumerate(_STORES, start=1)]
    return pd.DataFrame(rows, columns=["store_key", "name", "city", "onec_name", "loyalty_code"])


def make_catalogue(rng: np.random.Generator) -> pd.DataFrame:
    """About 300 products in 13 categories with log-normal prices (50..60 000 rub) and popularity weights."""
    rows = []
    for category, (median, unit, bases) in _CATALOGUE.items():
        for base in bases.split("|"):
            base_price = median * np.exp(rng.normal(0, 0.55))
            for grade, factor in _GRADES:
                rows.append((f"{base} {grade}", category, unit, base_price * factor * np.exp(rng.normal(0, 0.1))))
    frame = pd.DataFrame(rows, columns=["product", "category", "unit", "price_rub"])
    price = frame["price_rub"].clip(50, 60000).to_numpy()
    kop = np.where(price >= 100, (np.ceil(price / 10) * 10 - 1) * 100, np.ceil(price) * 100 - 10).astype(np.int64)
    frame["price_kop"] = kop
    drill = pd.DataFrame([{"product": _SUPER_DRILL[0], "category": _SUPER_DRILL[1], "unit": "шт",
                           "price_kop": _SUPER_DRILL[2]}])
    frame = pd.concat([frame.drop(columns="price_rub"), drill], ignore_index=True)
    frame["sku"] = [f"A-{i:06d}" for i in range(101, 101 + len(frame))]
    popularity = (frame["price_kop"] / 100.0) ** -0.6 * np.exp(rng.normal(0, 0.7, len(frame)))
    frame["weight"] = popularity / popularity.sum()
    for column in ("product", "category"):
        if frame[column].str.contains('[;"\r\n]').any():
            raise ValueError(f"catalogue {column} must not contain CSV special characters")
    return frame[["sku", "product", "category", "unit", "price_kop", "weight"]]


def _qty_table(unit: str, price_kop: int) -> tuple[tuple[int, int], ...]:
    """Quantity distribution (2 x quantity, weight) of a product."""
    if unit == "кг":
        return _KG_QTY
    if unit == "м":
        return _METRE_QTY
    return ((2, 1),) if price_kop >= 300000 else _PIECE_QTY


def _mean_qty(unit: str, price_kop: int) -> float:
    table = np.array(_qty_table(unit, price_kop), dtype=float)
    return float((table[:, 0] / 2 * table[:, 1]).sum() / table[:, 1].sum())


def _month_product_weights(catalogue: pd.DataFrame) -> np.ndarray:
    """Product choice probabilities for each month (12 x products)."""
    weights = np.tile(catalogue["weight"].to_numpy(), (12, 1))
    for category, months in _CATEGORY_SEASON.items():
        in_cat = (catalogue["category"] == category).to_numpy()
        for month, factor in months.items():
            weights[month - 1, in_cat] *= factor
    return weights / weights.sum(axis=1, keepdims=True)


def expected_line_amount(catalogue: pd.DataFrame) -> np.ndarray:
    """Expected amount of one receipt line (kopecks) in each month 1..12, under the generating model."""
    mean_qty = np.array([_mean_qty(u, p) for u, p in zip(catalogue["unit"], catalogue["price_kop"])])
    return _month_product_weights(catalogue) @ (catalogue["price_kop"].to_numpy() * mean_qty)


@functools.cache
def _time_texts() -> tuple[pa.Array, pa.Array]:
    """Seconds of the day as 1C 'H:MM:SS' and ISO 'HH:MM:SS'."""
    sec = np.arange(SECONDS_PER_DAY)
    h, mi, s = sec // 3600, sec // 60 % 60, sec % 60
    onec = [f"{a}:{b:02d}:{c:02d}" for a, b, c in zip(h, mi, s)]
    iso = [f"{a:02d}:{b:02d}:{c:02d}" for a, b, c in zip(h, mi, s)]
    return pa.array(onec, pa.string()), pa.array(iso, pa.string())


# ----------------------------------------------------------------------------------------------------------------------
# Receipts.

@dataclass
class Sales:
    """All generated sales (arrays are aligned per receipt / per line, a receipt's lines are contiguous; times in
    seconds since 1970)."""

    receipt_record: np.ndarray  # record row, -1 for anonymous
    receipt_onec: np.ndarray  # True: 1C document, False: loyalty receipt
    receipt_store: np.ndarray
    receipt_ts: np.ndarray
    receipt_first_line: np.ndarray
    receipt_lines: np.ndarray
    line_product: np.ndarray
    line_q2: np.ndarray  # 2 x quantity
    line_amount: np.ndarray  # kopecks
    return_of: np.ndarray  # receipt index of each return
    return_ts: np.ndarray
    return_line: np.ndarray  # line indices of all returns, grouped by return
    return_first: np.ndarray  # first position in return_line of each return
    return_count: np.ndarray


def _day_weights(start: int, days: int) -> np.ndarray:
    """Relative purchase intensity of each day (month, weekday and pre-holiday pattern; mean 1)."""
    day = pd.to_datetime(np.arange(start, start + days), unit="D")
    w = np.asarray(_MONTH_FACTOR)[day.month - 1] * np.asarray(_WEEKDAY_FACTOR)[day.dayofweek]
    for (m1, d1), (m2, d2), boost in _HOLIDAY_BOOST:
        key = day.month * 100 + day.day
        w = np.where((key >= m1 * 100 + d1) & (key <= m2 * 100 + d2), w * boost, w)
    return w / w.mean()


def _seconds_of_day(rng: np.random.Generator, size: int) -> np.ndarray:
    """Times of day within opening hours 9:00-21:59:59 with a lunch and an evening peak."""
    hours = 9 + rng.choice(len(_HOUR_WEIGHTS), size, p=np.asarray(_HOUR_WEIGHTS) / sum(_HOUR_WEIGHTS))
    return hours * 3600 + rng.integers(0, 3600, size)


def _sample_days(rng: np.random.Generator, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Days in [lo, hi] (window day indices) drawn with the day weights whose cumulative sum is ``cum``."""
    u = cum[lo] + rng.random(len(lo)) * (cum[hi + 1] - cum[lo])
    return np.clip(np.searchsorted(cum, u, side="right") - 1, lo, hi)


def make_behaviour(rng: np.random.Generator, persons: pd.DataFrame, stores: pd.DataFrame,
                   params: SalesParams) -> pd.DataFrame:
    """Per person: purchase rate, churn day, lines propensity, home store and share of 1C among systems."""
    n = len(persons)
    reg = persons["registered_day"].to_numpy()
    one_shot = rng.random(n) < params.one_shot_share
    lifetime = rng.exponential(params.lifetime_years * 365.25, n).astype(np.int64)
    city_stores = [np.flatnonzero(stores["city"].to_numpy() == c) for c in CITIES]
    city = persons["city_idx"].to_numpy()
    home = np.empty(n, dtype=np.int64)
    for i, options in enumerate(city_stores):
        rows = np.flatnonzero(city == i)
        home[rows] = options[rng.integers(0, len(options), len(rows))]
    return pd.DataFrame({
        "rate": rng.gamma(params.rate_shape, params.rate_mean / params.rate_shape, n),
        "churn_day": np.where(one_shot, reg, reg + lifetime),
        "line_p": rng.beta(*params.lines_beta, n),
        "home_store": home,
        "share_1c": rng.beta(2, 2, n),
    })


def _record_slots(records: pa.Table, n_persons: int) -> tuple[np.ndarray, np.ndarray]:
    """Per person the record rows (-1 if none) and their registration days for 1C, 1C dup, loyalty, loyalty dup."""
    person = records["person"].to_numpy()
    slot = np.where(_is_onec(records), 0, 2) + records["is_dup"].to_numpy()
    rec = np.full((n_persons, 4), -1, dtype=np.int64)
    reg = np.full((n_persons, 4), np.iinfo(np.int64).max, dtype=np.int64)
    rec[person, slot] = np.arange(records.num_rows)
    reg[person, slot] = records["registered"].to_numpy().astype("datetime64[D]").astype(np.int64)
    return rec, reg


def _assign_records(rng: np.random.Generator, person: np.ndarray, day: np.ndarray, behaviour: pd.DataFrame,
                    slots: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Record row of each receipt: a system by the person's 1C share, then the original or the duplicate record,
    among the records registered on or before the receipt day."""
    rec, reg = slots
    share = behaviour["share_1c"].to_numpy()[person]
    eligible = (rec[person] >= 0) & (reg[person] <= day[:, None])
    n_1c = eligible[:, :2].sum(axis=1, keepdims=True)
    n_loy = eligible[:, 2:].sum(axis=1, keepdims=True)
    w = np.column_stack([eligible[:, :2] * (share[:, None] / np.maximum(n_1c, 1)),
                         eligible[:, 2:] * ((1 - share)[:, None] / np.maximum(n_loy, 1))])
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(person)) * cum[:, -1]
    choice = np.minimum((cum <= u[:, None]).sum(axis=1), 3)
    fallback = np.argmax(rec[person] >= 0, axis=1)
    choice = np.where(cum[:, -1] > 0, choice, fallback)
    return rec[person, choice]


def make_sales(rng: np.random.Generator, persons: pd.DataFrame, records: pa.Table, behaviour: pd.DataFrame,
               catalogue: pd.DataFrame, n_stores: int, extra: tuple[np.ndarray, np.ndarray], end_date: date,
               params: SalesParams, campaign_rng: np.random.Generator) -> Sales:
    """Receipts of the history window: registration purchases, a seasonal Poisson process per person until churn,
    anonymous 1C cash sales, then lines and returns; and the campaign's extra purchases (never returned).

    The extra purchases draw from ``campaign_rng`` and are merged in time order at the end, so every other receipt
    (time, customer record, store, lines, returns) is the same whatever the campaign does.
    """
    start, end = history_window(end_date)
    weights = _day_weights(start, end - start + 1)
    cum = np.concatenate([[0.0], np.cumsum(weights)])
    reg = persons["registered_day"].to_numpy()
    lo = np.maximum(reg, start) - start
    hi = np.minimum(behaviour["churn_day"].to_numpy(), end) - start
    active = hi >= lo
    expected = np.where(active, behaviour["rate"].to_numpy() / 365.25 * (cum[np.where(active, hi, 0) + 1] -
                                                                          cum[np.where(active, lo, 0)]), 0.0)
    count = rng.poisson(expected)
    person = np.repeat(np.arange(len(persons)), count)
    ts = (start + _sample_days(rng, cum, lo[person], hi[person])) * SECONDS_PER_DAY + \
        _seconds_of_day(rng, len(person))
    first_ts = np.full(len(persons), np.iinfo(np.int64).max)
    np.minimum.at(first_ts, records["person"].to_numpy(), records["registered"].to_numpy().astype(np.int64))
    at_reg = np.flatnonzero((reg >= start) & (reg <= end))
    person = np.concatenate([person, at_reg])
    ts = np.concatenate([ts, first_ts[at_reg] + rng.integers(60, 900, len(at_reg))])
    slots = _record_slots(records, len(persons))
    record_onec = _is_onec(records)
    record, onec, store, line_p = _place_receipts(rng, person, ts, behaviour, slots, record_onec, n_stores, params)

    n_anon = int(round(onec.sum() * params.anonymous_share / (1 - params.anonymous_share)))
    anon_day = _sample_days(rng, cum, np.zeros(n_anon, np.int64), np.full(n_anon, end - start))
    record = np.concatenate([record, np.full(n_anon, -1)])
    onec = np.concatenate([onec, np.ones(n_anon, bool)])
    store = np.concatenate([store, rng.integers(0, n_stores, n_anon)])
    ts = np.concatenate([ts, (start + anon_day) * SECONDS_PER_DAY + _seconds_of_day(rng, n_anon)])
    line_p = np.concatenate([line_p, np.full(n_anon, 0.25)])
    base = _with_lines(rng, catalogue, ts, (record, onec, store, line_p))
    returns = _make_returns(rng, base.receipt_ts, base.receipt_lines, base.receipt_first_line, end, params)
    base = replace(base, **returns)

    extra_person, extra_ts = extra
    placed = _place_receipts(campaign_rng, extra_person, extra_ts, behaviour, slots, record_onec, n_stores, params)
    return _merge_sales(base, _with_lines(campaign_rng, catalogue, extra_ts, placed))


def _place_receipts(rng: np.random.Generator, person: np.ndarray, ts: np.ndarray, behaviour: pd.DataFrame,
                    slots: tuple[np.ndarray, np.ndarray], record_onec: np.ndarray, n_stores: int,
                    params: SalesParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Customer record, 1C flag, store and lines propensity of each receipt of a person."""
    record = _assign_records(rng, person, ts // SECONDS_PER_DAY, behaviour, slots)
    home = rng.random(len(person)) < params.home_store_share
    store = np.where(home, behaviour["home_store"].to_numpy()[person], rng.integers(0, n_stores, len(person)))
    return record, record_onec[record], store, behaviour["line_p"].to_numpy()[person]


def _with_lines(rng: np.random.Generator, catalogue: pd.DataFrame, ts: np.ndarray,
                placed: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> Sales:
    """Receipts at ``ts`` placed as ``_place_receipts`` returns, in time order (random order within a second), with
    their lines and no returns yet."""
    order = np.lexsort((rng.random(len(ts)), ts))
    record, onec, store, line_p = (x[order] for x in placed)
    ts = ts[order]
    n_lines = 1 + rng.binomial(5, line_p)
    first_line = np.cumsum(n_lines) - n_lines
    product, q2, amount = _make_lines(rng, catalogue, np.repeat(ts, n_lines))
    none = np.zeros(0, dtype=np.int64)
    return Sales(record, onec, store, ts, first_line, n_lines, product, q2, amount, none, none, none, none, none)


def _merge_sales(base: Sales, extra: Sales) -> Sales:
    """Receipts of both in time order (``base`` first within a second); the extra receipts' lines follow the base
    lines (each receipt's lines stay contiguous) and the returns of base receipts are re-indexed."""
    order = np.argsort(np.concatenate([base.receipt_ts, extra.receipt_ts]), kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))

    def both(name: str) -> np.ndarray:
        return np.concatenate([getattr(base, name), getattr(extra, name)])

    receipts = {name: both(name)[order] for name in ("receipt_record", "receipt_onec", "receipt_store", "receipt_ts",
                                                     "receipt_lines")}
    first_line = np.concatenate([base.receipt_first_line, extra.receipt_first_line + len(base.line_product)])[order]
    return Sales(**receipts, receipt_first_line=first_line, line_product=both("line_product"), line_q2=both("line_q2"),
                 line_amount=both("line_amount"), return_of=position[base.return_of], return_ts=base.return_ts,
                 return_line=base.return_line, return_first=base.return_first, return_count=base.return_count)


def _make_lines(rng: np.random.Generator, catalogue: pd.DataFrame,
                line_ts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Product, 2 x quantity and amount (kopecks) of each line; the product mix follows the month."""
    n = len(line_ts)
    month = pd.to_datetime(line_ts // SECONDS_PER_DAY, unit="D").month.to_numpy()
    probs = _month_product_weights(catalogue)
    product = np.empty(n, dtype=np.int64)
    for m in range(1, 13):
        rows = np.flatnonzero(month == m)
        product[rows] = np.searchsorted(np.cumsum(probs[m - 1]), rng.random(len(rows)) * probs[m - 1].sum())
    product = np.minimum(product, len(catalogue) - 1)
    tables = [_qty_table(u, p) for u, p in zip(catalogue["unit"], catalogue["price_kop"])]
    table_id = pd.factorize(pd.Series([str(t) for t in tables]))[0]
    q2 = np.empty(n, dtype=np.int64)
    for t in np.unique(table_id):
        table = np.array(tables[int(np.argmax(table_id == t))])
        rows = np.flatnonzero(table_id[product] == t)
        q2[rows] = table[rng.choice(len(table), len(rows), p=table[:, 1] / table[:, 1].sum()), 0]
    amount = (catalogue["price_kop"].to_numpy()[product] * q2 + 1) // 2
    return product, q2, amount


def _make_returns(rng: np.random.Generator, ts: np.ndarray, n_lines: np.ndarray, first_line: np.ndarray,
                  end: int, params: SalesParams) -> dict[str, np.ndarray]:
    """Returns 1-14 days after ~4% of the receipts (not after end_date): all lines or some of them."""
    chosen = np.flatnonzero(rng.random(len(ts)) < params.return_share)
    day = ts[chosen] // SECONDS_PER_DAY + rng.integers(1, 15, len(chosen))
    keep = day <= end
    chosen, day = chosen[keep], day[keep]
    ret_ts = day * SECONDS_PER_DAY + _seconds_of_day(rng, len(chosen))
    counts = n_lines[chosen]
    which = np.repeat(np.arange(len(chosen)), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    line = np.repeat(first_line[chosen], counts) + offset
    full = rng.random(len(chosen)) < 0.55
    selected = full[which] | (rng.random(len(line)) < 0.5)
    n_sel = np.bincount(which, weights=selected, minlength=len(chosen))
    selected |= (n_sel[which] == 0) & (offset == 0)
    partial_all = ~full & (n_sel == counts) & (counts > 1)
    selected &= ~(partial_all[which] & (offset == counts[which] - 1))
    which, line = which[selected], line[selected]
    ret_count = np.bincount(which, minlength=len(chosen))
    ret_first = np.cumsum(ret_count) - ret_count
    return {"return_of": chosen, "return_ts": ret_ts, "return_line": line, "return_first": ret_first,
            "return_count": ret_count}


# ----------------------------------------------------------------------------------------------------------------------
# Campaign C2026-09.

def _age_band(birth_day: np.ndarray, on_day: int) -> np.ndarray:
    """Age band index (<25, 25-44, 45-59, 60+) on a day."""
    age = (on_day - birth_day) / 365.25
    return np.searchsorted(np.asarray(_AGE_BANDS), age, side="right")


def _is_onec(records: pa.Table) -> np.ndarray:
    """Mask of the 1C records."""
    return pc.equal(records["source"], "1c").to_numpy()


def _channels(records: pa.Table) -> np.ndarray:
    """Campaign channel of each record from its contacts and consents ('' when it cannot be contacted)."""
    def equal(name: str, value: str) -> np.ndarray:
        return pc.equal(records[name], value).to_numpy()

    onec = _is_onec(records)
    phone, email = ~equal("phone", ""), ~equal("email", "")
    yes_sms = np.where(onec, equal("consent_sms", "Да"), equal("consent_sms", "1"))
    yes_email = np.where(onec, equal("consent_email", "Да"), equal("consent_email", "1"))
    viber = ~onec & phone & equal("consent_viber", "1")
    return np.select([viber, phone & yes_sms, email & yes_email], ["viber", "sms", "email"], "")


def make_campaign(rng: np.random.Generator, persons: pd.DataFrame, records: pa.Table, behaviour: pd.DataFrame,
                  catalogue: pd.DataFrame, end_date: date,
                  params: SalesParams) -> tuple[pd.DataFrame, pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """Contacts file, the true per-person effect, and the extra purchases it causes (person, timestamp)."""
    _, end = history_window(end_date)
    sent_day = end - params.campaign_days_before_end
    sent_ts = sent_day * SECONDS_PER_DAY + 10 * 3600
    channel = _channels(records)
    registered = records["registered"].to_numpy().astype(np.int64)
    candidate = np.flatnonzero((channel != "") & (registered < sent_ts))
    person = records["person"].to_numpy()
    # one contact per person: the most recently registered candidate record
    order = candidate[np.lexsort((-registered[candidate], person[candidate]))]
    first = np.concatenate([[True], person[order][1:] != person[order][:-1]]) if len(order) else np.ones(0, bool)
    pool = order[first]
    k = min(len(pool), int(round(params.campaign_target_share * len(candidate))))
    active = behaviour["churn_day"].to_numpy()[person[pool]] >= sent_day
    key = np.log(rng.random(len(pool))) / np.where(active, 4.0, 1.0)
    target = np.sort(pool[np.argsort(-key, kind="stable")[:k]])
    onec = _is_onec(records)[target]
    tp = person[target]
    gender = persons["gender"].to_numpy()[tp]
    band = _age_band(persons["birth_day"].to_numpy()[tp], sent_day)
    # the same control share in every system × gender × age band cell, like the mailing stage's holdout
    control = _stratified_draw(rng, (onec * 2 + (gender == "F")) * (len(_AGE_BANDS) + 1) + band, params.control_share)

    ch = channel[target]
    valid = np.where(ch == "email", records["email_ok"].to_numpy()[target], records["phone_ok"].to_numpy()[target])
    p_deliver = pd.Series(ch).map(_CHANNEL_DELIVERY).to_numpy(float) * valid
    p_read = pd.Series(ch).map(_CHANNEL_READ).to_numpy(float)
    delivered = ~control & (rng.random(len(target)) < p_deliver)
    read = delivered & (rng.random(len(target)) < p_read)
    q = np.where(gender == "F", np.asarray(_CONVERSION["F"])[band], np.asarray(_CONVERSION["M"])[band])
    converts = delivered & (rng.random(len(target)) < q)
    delay_pmf, delay_days = _delay_pmf(params)
    lift = q * p_deliver
    line_kop = expected_line_amount(catalogue)
    months = pd.to_datetime(sent_day + delay_days, unit="D").month.to_numpy()
    check_kop = (1 + 5 * behaviour["line_p"].to_numpy()[tp]) * float(delay_pmf @ line_kop[months - 1])
    buyers = np.flatnonzero(converts)
    delay = rng.choice(delay_days, len(buyers), p=delay_pmf)
    extra_ts = (sent_day + delay) * SECONDS_PER_DAY + _seconds_of_day(rng, len(buyers))

    contacts = pd.DataFrame({
        "campaign_id": CAMPAIGN_ID, "system": np.where(onec, "1c", "loyalty"),
        "client_ref": records["source_id"].to_numpy()[target], "group": np.where(control, "контроль", "рассылка"),
        "channel": ch,
        "sent_at": np.where(control, "", pd.Timestamp(sent_ts, unit="s").strftime("%Y-%m-%d %H:%M:%S")),
        "delivered": np.where(control, "", delivered.astype(int).astype(str)),
        "read": np.where(control, "", read.astype(int).astype(str)),
        "cost": np.where(control, "0.00", pd.Series(ch).map(_CHANNEL_COST).to_numpy(object)),
    })
    truth = pd.DataFrame({
        "person_id": persons["person_id"].to_numpy()[tp], "campaign_id": CAMPAIGN_ID,
        "group": np.where(control, "control", "treatment"), "gender": gender,
        "birth_date": pd.to_datetime(persons["birth_day"].to_numpy()[tp], unit="D").date,
        "expected_effect_rub": np.round(lift * check_kop / 100, 2), "expected_conversion_lift": lift,
    }).sort_values("person_id", kind="stable").reset_index(drop=True)
    return contacts, truth, (tp[buyers], extra_ts)


def _stratified_draw(rng: np.random.Generator, stratum: np.ndarray, share: float) -> np.ndarray:
    """Mask of round-half-up(share × size) members drawn at random from each stratum (codes 0..k)."""
    order = np.lexsort((rng.random(len(stratum)), stratum))
    sizes = np.bincount(stratum)
    rank = np.empty(len(stratum), dtype=np.int64)
    rank[order] = np.arange(len(stratum)) - (np.cumsum(sizes) - sizes)[stratum[order]]
    return rank < np.floor(share * sizes + 0.5)[stratum]


def _delay_pmf(params: SalesParams) -> tuple[np.ndarray, np.ndarray]:
    """Distribution of the extra purchase's day after sending: 1..window-1, exponential, truncated."""
    days = np.arange(1, params.effect_window_days)
    cdf = 1 - np.exp(-(days - 1) / params.effect_mean_delay_days)
    pmf = np.diff(np.append(cdf, 1.0))
    return pmf / pmf.sum(), days


# ----------------------------------------------------------------------------------------------------------------------
# Output tables.

def _onec_amount(kop: int) -> str:
    """1C money text: decimal comma, non-breaking-space thousands ('-1\xa0234,50')."""
    sign = "-" if kop < 0 else ""
    rub, cents = divmod(abs(kop), 100)
    return f"{sign}{rub:,}".replace(",", "\xa0") + f",{cents:02d}"


def _onec_qty(q2: int) -> str:
    """1C quantity text from 2 x quantity ('2', '1,5', '-1')."""
    sign = "-" if q2 < 0 else ""
    whole, half = divmod(abs(q2), 2)
    return f"{sign}{whole},5" if half else f"{sign}{whole}"


def _encoded(texts, encoding: str) -> pa.Array:
    """Texts as a binary array in ``encoding`` (for small lookup tables)."""
    return pa.array([t.encode(encoding) for t in texts], pa.binary())


def _line_lookup(catalogue: pd.DataFrame, encoding: str) -> tuple[dict[str, pa.Array], int]:
    """Encoded product, quantity and amount texts for every (product, 2 x quantity, sign) key; the key stride."""
    max_q2 = max(q for unit, price in zip(catalogue["unit"], catalogue["price_kop"])
                 for q, _ in _qty_table(unit, price)) + 1
    product = np.repeat(np.arange(len(catalogue)), max_q2 * 2)
    q2 = np.tile(np.repeat(np.arange(max_q2), 2), len(catalogue))
    sign = np.tile([1, -1], len(catalogue) * max_q2)
    amount = (catalogue["price_kop"].to_numpy()[product] * q2 + 1) // 2 * sign
    lookup = {
        "Номенклатура": _encoded(catalogue["product"].to_numpy()[product], encoding),
        "Артикул": _encoded(catalogue["sku"].to_numpy()[product], encoding),
        "Группа": _encoded(catalogue["category"].to_numpy()[product], encoding),
        "Количество": _encoded([_onec_qty(int(q * g)) for q, g in zip(q2, sign)], encoding),
        "Сумма": _encoded([_onec_amount(int(a)) for a in amount], encoding),
    }
    return lookup, max_q2


def _sequence_numbers(store: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Document numbers 1, 2, ... per store in time order."""
    order = np.lexsort((ts, store))
    rank = np.empty(len(ts), dtype=np.int64)
    sorted_store = store[order]
    group_start = np.searchsorted(sorted_store, sorted_store, side="left")
    rank[order] = np.arange(len(ts)) - group_start + 1
    return rank


def _onec_documents(sales: Sales) -> dict[str, np.ndarray]:
    """1C documents (sales «Чек ККМ» and returns «Возврат товаров от покупателя») in output order."""
    sale = np.flatnonzero(sales.receipt_onec)
    ret = np.flatnonzero(sales.receipt_onec[sales.return_of])
    orig = sales.return_of[ret]
    sale_no = np.zeros(len(sales.receipt_ts), dtype=np.int64)
    sale_no[sale] = _sequence_numbers(sales.receipt_store[sale], sales.receipt_ts[sale])
    docs = {
        "ts": np.concatenate([sales.receipt_ts[sale], sales.return_ts[ret]]),
        "is_return": np.concatenate([np.zeros(len(sale), bool), np.ones(len(ret), bool)]),
        "store": np.concatenate([sales.receipt_store[sale], sales.receipt_store[orig]]),
        "record": np.concatenate([sales.receipt_record[sale], sales.receipt_record[orig]]),
        "number": np.concatenate([sale_no[sale], _sequence_numbers(sales.receipt_store[orig], sales.return_ts[ret])]),
        "base_number": np.concatenate([np.zeros(len(sale), np.int64), sale_no[orig]]),
        "base_ts": np.concatenate([np.zeros(len(sale), np.int64), sales.receipt_ts[orig]]),
        "first": np.concatenate([sales.receipt_first_line[sale], sales.return_first[ret]]),
        "count": np.concatenate([sales.receipt_lines[sale], sales.return_count[ret]]),
    }
    order = np.lexsort((docs["number"], docs["is_return"], docs["ts"]))
    return {name: values[order] for name, values in docs.items()}


def _onec_period(ts: np.ndarray) -> pa.Array:
    """1C period text 'dd.mm.yyyy H:MM:SS' (ASCII, as binary)."""
    onec_time, _ = _time_texts()
    text = concat_text(format_days(ts // SECONDS_PER_DAY, "%d.%m.%Y"), " ",
                       onec_time.take(pa.array(ts % SECONDS_PER_DAY)))
    return pc.cast(text, pa.binary())


def onec_sales_chunks(sales: Sales, records: pa.Table, stores: pd.DataFrame, catalogue: pd.DataFrame,
                      encoding: str = ONEC_ENCODING, chunk_docs: int = 400_000) -> Iterator[pa.Table]:
    """The 1C «Продажи» export, one row per line, as consecutive tables of whole documents.

    Columns are binary, already encoded in ``encoding`` (built from encoded pieces, no per-row encoding).
    """
    docs = _onec_documents(sales)
    lookup, stride = _line_lookup(catalogue, encoding)
    till = _encoded([f"{i:04d}" for i in range(1, len(stores) + 1)], encoding)
    store_name = _encoded(stores["onec_name"], encoding)
    source_id = pc.cast(records["source_id"].combine_chunks(), pa.binary())
    sale_prefix, return_prefix = "Чек ККМ ".encode(encoding), "Возврат товаров от покупателя ".encode(encoding)
    dash, of = b"-", " от ".encode(encoding)
    returned = sales.return_line if len(sales.return_line) else np.zeros(1, dtype=np.int64)
    for begin in range(0, max(len(docs["ts"]), 1), chunk_docs):  # an empty export still gets its header
        d = {name: values[begin: begin + chunk_docs] for name, values in docs.items()}
        is_ret = d["is_return"]
        store_till = till.take(pa.array(d["store"]))
        period = _onec_period(d["ts"])
        prefix = pc.if_else(pa.array(is_ret), return_prefix, sale_prefix)
        number = pc.cast(int_text(d["number"], 6), pa.binary())
        registrar = pc.binary_join_element_wise(prefix, store_till, dash, number, of, period, b"")
        basis = pc.binary_join_element_wise(sale_prefix, store_till, dash, pc.cast(int_text(d["base_number"], 6),
                                            pa.binary()), of, _onec_period(d["base_ts"]), b"")
        basis = pc.if_else(pa.array(is_ret), basis, b"")
        record = d["record"]
        customer = pc.if_else(pa.array(record >= 0), source_id.take(pa.array(np.maximum(record, 0))), b"")
        counts = d["count"]
        doc_of_line = np.repeat(np.arange(len(counts)), counts)
        pos = np.repeat(d["first"], counts) + np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        line_is_ret = is_ret[doc_of_line]
        line = np.where(line_is_ret, returned[np.where(line_is_ret, pos, 0)], pos)
        key = pa.array((sales.line_product[line] * stride + sales.line_q2[line]) * 2 + line_is_ret)
        take = pa.array(doc_of_line)
        columns = {"Период": period.take(take), "Регистратор": registrar.take(take), "Основание": basis.take(take),
                   "Контрагент": customer.take(take), "Магазин": store_name.take(pa.array(d["store"][doc_of_line]))}
        columns.update({name: values.take(key) for name, values in lookup.items()})
        yield pa.table(columns)


def loyalty_receipts(sales: Sales, records: pa.Table, stores: pd.DataFrame) -> pa.Table:
    """loyalty/receipts.csv: sales and returns of the app, ids in time order."""
    sale = np.flatnonzero(~sales.receipt_onec)
    ret = np.flatnonzero(~sales.receipt_onec[sales.return_of])
    orig = sales.return_of[ret]
    line_cum = np.concatenate([[0], np.cumsum(sales.line_amount)])
    receipt_total = line_cum[sales.receipt_first_line + sales.receipt_lines] - line_cum[sales.receipt_first_line]
    ret_cum = np.concatenate([[0], np.cumsum(sales.line_amount[sales.return_line])])
    ret_total = ret_cum[sales.return_first + sales.return_count] - ret_cum[sales.return_first]
    ts = np.concatenate([sales.receipt_ts[sale], sales.return_ts[ret]])
    is_ret = np.concatenate([np.zeros(len(sale), bool), np.ones(len(ret), bool)])
    receipt = np.concatenate([sale, orig])
    order = np.lexsort((receipt, is_ret, ts))
    ts, is_ret, receipt = ts[order], is_ret[order], receipt[order]
    total = np.concatenate([receipt_total[sale], -ret_total[ret]])[order]
    items = np.concatenate([sales.receipt_lines[sale], sales.return_count[ret]])[order]
    number = np.zeros(len(sales.receipt_ts), dtype=np.int64)
    sale_rows = np.flatnonzero(~is_ret)
    number[receipt[sale_rows]] = sale_rows + 1
    _, iso_time = _time_texts()
    store_code = pa.array(stores["loyalty_code"].tolist(), pa.string())
    return pa.table({
        "receipt_id": concat_text("R", int_text(np.arange(1, len(ts) + 1), 8)),
        "client_id": records["source_id"].combine_chunks().take(pa.array(sales.receipt_record[receipt])),
        "store_code": store_code.take(pa.array(sales.receipt_store[receipt])),
        "created_at": concat_text(format_days(ts // SECONDS_PER_DAY, "%Y-%m-%d"), "T",
                           iso_time.take(pa.array(ts % SECONDS_PER_DAY))),
        "total": concat_text(pa.array(np.where(total < 0, "-", ""), pa.string()), int_text(np.abs(total) // 100),
                             ".", int_text(np.abs(total) % 100, 2)),
        "items": pa.array(items),
        "kind": pa.array(np.where(is_ret, "return", "sale"), pa.string()),
        "original_receipt_id": pc.if_else(pa.array(is_ret), concat_text("R", int_text(number[receipt], 8)), ""),
    })
