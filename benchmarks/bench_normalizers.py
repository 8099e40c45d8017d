"""Benchmark of the field normalizers of the quality audit on 1.3 million synthetic rows (a script, not a test).

Each field is a pool of `--unique` realistic raw values (formats, typos, fakes, placeholders) sampled with
repetition into `--rows` rows. Real customer tables repeat values (~70% duplicates): try
`--unique 400000` for that share, the default few thousand for a dictionary-like column.
"""
from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from analysis import addresses, birthdates, documents, emails, geo, phones

CITIES = ["Москва", "г. Москва", "Мск", "МОСКВА", "Мсква", "Санкт-Петербург", "СПб", "Питер", "г Санкт-Петербург",
          "Екатеринбург", "Екб", "Екатеринбур", "Новосибирск", "Новосибрск", "Казань", "Нижний Новгород",
          "Н.Новгород", "Самара", "Ростов-на-Дону", "Ростов на Дону", "Краснодар", "Подольск", "Орёл", "Орел",
          "Тула", "Химки", "Балашиха", "Лимоново", "Зеленоград", "", "-"]
COUNTRIES = ["Россия", "РФ", "Российская Федерация", "Russia", "RU", "россия", "Казахстан", "Беларусь",
             "Белоруссия", "Узбекистан", "Лимония", "", "Kazakhstan", "Армения"]
DOMAINS = ["mail.ru", "gmail.com", "yandex.ru", "bk.ru", "list.ru", "inbox.ru", "ya.ru", "rambler.ru", "icloud.com",
           "mial.ru", "gmial.com", "yandex.ry", "company.ru", "test.ru"]
STREETS = ["Ленина", "Мира", "Гагарина", "Советская", "Московская", "Садовая", "Лесная", "Пушкина"]
STREET_TYPES = ["ул.", "улица", "ул", "пр-т", "проспект", "пер.", "б-р"]


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, n))


def _phone(rng: np.random.Generator) -> str:
    national = f"9{_digits(rng, 9)}" if rng.random() < 0.85 else f"495{_digits(rng, 7)}"
    roll = rng.random()
    if roll < 0.3:
        return f"+7{national}"
    if roll < 0.55:
        return f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"
    if roll < 0.7:
        return national
    if roll < 0.8:
        return f"7{national}"
    if roll < 0.85:
        return f"+7 {national[:3]} {national[3:6]} {national[6:8]} {national[8:]}, 8{9}{_digits(rng, 9)}"
    if roll < 0.88:
        return f"8 7{_digits(rng, 2)} {_digits(rng, 7)}"
    return str(rng.choice(["0000000", "+7 (999) 999-99-99", "нет", "123", "+7 999 000-00-00", "", "-"]))


def _email(rng: np.random.Generator) -> str:
    local = f"{rng.choice(['ivan', 'olga', 'petrov', 'anna.s', 'user'])}{_digits(rng, int(rng.integers(0, 5)))}"
    if rng.random() < 0.05:
        return str(rng.choice(["нет", "-", "no@mail.ru", "test@test.ru", "ivan@", ""]))
    address = f"{local}@{rng.choice(DOMAINS)}"
    return address.upper() if rng.random() < 0.05 else address


def _passport(rng: np.random.Generator) -> str:
    series, number = _digits(rng, 4), _digits(rng, 6)
    return str(rng.choice([f"{series} {number}", f"{series}{number}", f"{series[:2]} {series[2:]} {number}",
                           f"серия {series} № {number}", "0000000000", f"{series} {number[:4]}"]))


def _inn(rng: np.random.Generator) -> str:
    body = _digits(rng, 10 if rng.random() < 0.9 else 9)
    inn = body + documents.inn_check_digits(body)
    return inn if rng.random() < 0.9 else inn[:-1] + str((int(inn[-1]) + 1) % 10)


def _snils(rng: np.random.Generator) -> str:
    body = _digits(rng, 9)
    check = documents.snils_check_digits(body)
    return f"{body[:3]}-{body[3:6]}-{body[6:]} {check}" if rng.random() < 0.7 else body + check


def _birth_date(rng: np.random.Generator) -> str:
    day = dt.date(1940, 1, 1) + dt.timedelta(days=int(rng.integers(0, 70 * 365)))
    roll = rng.random()
    if roll < 0.8:
        return day.strftime("%d.%m.%Y")
    if roll < 0.88:
        return day.isoformat()
    if roll < 0.93:
        return str(day.year)
    if roll < 0.96:
        return day.strftime("%d.%m")
    return str(rng.choice(["01.01.0001", "", "31.02.1985", "12.03.2030"]))


def _city(rng: np.random.Generator) -> str:
    city = str(rng.choice(CITIES))
    if len(city) > 5 and rng.random() < 0.3:  # a random typo: one letter dropped
        cut = int(rng.integers(1, len(city) - 1))
        city = city[:cut] + city[cut + 1:]
    return city


def _country(rng: np.random.Generator) -> str:
    return str(rng.choice(COUNTRIES))


def _address(rng: np.random.Generator) -> str:
    city = rng.choice(["г. Москва", "Москва", "г Казань", "Санкт-Петербург"])
    street = f"{rng.choice(STREET_TYPES)} {rng.choice(STREETS)}"
    house, flat = int(rng.integers(1, 200)), int(rng.integers(1, 400))
    text = f"{city}, {street}, д. {house}, кв. {flat}" if rng.random() < 0.8 else f"{city} {street} дом {house}"
    return f"{int(rng.integers(101000, 690000))}, {text}" if rng.random() < 0.3 else text


FIELDS: dict[str, tuple[Callable[[np.random.Generator], str], Callable[[pd.Series], pd.DataFrame]]] = {
    "normalize_phones": (_phone, phones.normalize_phones),
    "normalize_emails": (_email, emails.normalize_emails),
    "normalize_passports": (_passport, documents.normalize_passports),
    "validate_inn": (_inn, documents.validate_inn),
    "validate_snils": (_snils, documents.validate_snils),
    "parse_birth_dates": (_birth_date, lambda v: birthdates.parse_birth_dates(v, as_of=dt.date(2025, 6, 30))),
    "normalize_countries": (_country, geo.normalize_countries),
    "normalize_cities": (_city, geo.normalize_cities),
    "normalize_addresses": (_address, addresses.normalize_addresses),
}


def _timed(label: str, rows: int, distinct: int, func: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Run func() and print wall-clock and CPU seconds with rows per second (CPU time is robust to a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:20s} {distinct:>9,} distinct  {wall:6.2f} s wall ({rows / wall:>12,.0f} rows/s)  "
          f"{cpu:6.2f} s CPU ({rows / cpu:>12,.0f} rows/s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_300_000)
    parser.add_argument("--unique", type=int, default=4_000, help="size of the pool of raw values per field")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", nargs="*", choices=sorted(FIELDS), help="run only these normalizers")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{args.rows:,} rows per field, pools of {args.unique:,} raw values")
    for label, (make, normalize) in FIELDS.items():
        if args.only and label not in args.only:
            continue
        pool = np.array([make(rng) for _ in range(args.unique)], dtype=object)
        values = pd.Series(pool[rng.integers(0, len(pool), args.rows)], dtype="string[pyarrow]")
        normalize(values.head(10))  # load reference lists and translations outside the timing
        result = _timed(label, len(values), values.nunique(dropna=False), lambda normalize=normalize, values=values: normalize(values))
        shares = result["quality"].value_counts(normalize=True).sort_index()
        print("    quality shares: " + ", ".join(f"{code}: {share:.1%}" for code, share in shares.items()))


if __name__ == "__main__":
    main()
