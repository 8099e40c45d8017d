"""Benchmark of the dedup engine on synthetic customers_clean-shaped records with a known truth (a script, not a test).

Synthesizes persons in numpy (Russian-like names from small lists, spouses sharing surname, address and sometimes a
phone or e-mail), writes them as 1C / loyalty records with duplicates (typos, gaps, swaps, year-only birth dates,
second phones, other e-mail domains, new cards), runs `analysis.dedup_groups.deduplicate` and prints seconds per
step, peak memory and F1 (with the pattern ceiling: what any classifier of the same comparison levels could reach),
with the engine of params/default.yaml. With --demo, the records are the demo chain's
customers after ingest and the quality audit, and the truth is the demo's.

    .venv/bin/python benchmarks/bench_dedup.py --persons 1000000          # 1.3 million synthetic records
    .venv/bin/python benchmarks/bench_dedup.py --demo --persons 1000000   # 1.24 million demo records
"""
from __future__ import annotations

import argparse
import functools
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis import dedup_candidates, dedup_eval, demo_data, email_names, ingest, params, quality
from analysis.dedup_groups import deduplicate

ROOT = Path(__file__).resolve().parents[1]

SURNAMES = ("Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
            "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
            "Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв "
            "Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
            "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
            "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев "
            "Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков "
            "Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов "
            "Потапов Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров "
            "Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев "
            "Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров "
            "Шевченко Бондаренко Коваленко Ткаченко Кравченко Петровский Вишневский Ким Цой Алиев Мамедов").split()
MALE = ("Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Владимир Николай Денис Павел "
        "Роман Игорь Олег Никита Илья Антон Кирилл Юрий Виктор Вадим Константин Егор Тимур Руслан Владислав "
        "Станислав Василий Георгий Анатолий Виталий Валерий Григорий Борис Пётр Фёдор Лев Степан Семён Матвей "
        "Тимофей Даниил Ярослав Арсений Глеб Леонид Геннадий").split()
FEMALE = ("Анна Елена Ольга Наталья Татьяна Ирина Екатерина Мария Светлана Юлия Анастасия Марина Людмила Галина "
          "Надежда Валентина Оксана Алёна Виктория Дарья Ксения Полина Евгения Александра Вера Любовь Нина Лариса "
          "Алина Кристина Елизавета Софья Ангелина Вероника Валерия Диана Маргарита Тамара Зинаида Раиса Лидия "
          "Жанна Инна Яна Олеся Карина Милана Варвара Ульяна Таисия").split()
FATHERS = ("Александр Сергей Владимир Николай Алексей Андрей Михаил Иван Виктор Юрий Анатолий Евгений Дмитрий "
           "Игорь Олег Павел Валерий Геннадий Борис Пётр Василий Григорий Фёдор Константин Леонид Роман").split()
CITIES = np.array(["Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань", "Нижний Новгород",
                   "Самара", "Краснодар"], dtype=object)
STREETS = np.array("Ленина Советская Мира Гагарина Садовая Лесная Школьная Молодёжная Центральная Пушкина Победы "
                   "Кирова Октябрьская Зелёная Набережная Строителей Комсомольская Чапаева Горького Луговая".split(),
                   dtype=object)
DOMAINS = np.array(["mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru", "rambler.ru"], dtype=object)
TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split()))
TYPO_LETTERS = "аеиоунтскрлвмд"



def _feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname


def _patronymic(father: str, female: bool) -> str:
    stem = father[:-1] if father.endswith("й") else father
    suffix = ("ьевна" if female else "ьевич") if father.endswith("ий") else \
        ("евна" if female else "евич") if father.endswith("й") else ("овна" if female else "ович")
    return (stem[:-1] if father.endswith("ий") else stem) + suffix


def _key(text: str) -> str:
    return text.lower().replace("ё", "е")


def _translit(text: str) -> str:
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower()).replace("_", "")


def _surnames(rng: np.random.Generator, extra: int) -> list[str]:
    """The list above plus `extra` made-up rarer surnames: distinct surnames grow with the population."""
    cons, vows = np.array(list("бвгдзклмнпрстфхчш")), np.array(list("аеиоуя"))
    size = 2 * extra
    parts = [cons[rng.integers(0, len(cons), size)], vows[rng.integers(0, len(vows), size)],
             cons[rng.integers(0, len(cons), size)], vows[rng.integers(0, len(vows), size)],
             np.where(rng.random(size) < 0.5, cons[rng.integers(0, len(cons), size)], ""),
             np.array(["ов", "ин", "ев"])[rng.integers(0, 3, size)]]
    words = functools.reduce(np.char.add, parts)
    made = dict.fromkeys(w for w in (str(x).capitalize() for x in words) if w not in SURNAMES)
    return SURNAMES + list(made)[:extra]


def _zipf(k: int, offset: float = 10.0) -> np.ndarray:
    w = 1.0 / (np.arange(k) + offset)
    return w / w.sum()


def _unique_ints(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    values = np.unique(rng.integers(low, high, int(n * 1.1) + 10))
    return rng.permutation(values)[:n]


def _typo(words: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One substituted, deleted or doubled letter in each word."""
    out = words.copy()
    for i, w in enumerate(words):
        if not isinstance(w, str) or len(w) < 3:
            continue
        p, kind = int(rng.integers(1, len(w))), rng.random()
        letter = TYPO_LETTERS[int(rng.integers(0, len(TYPO_LETTERS)))]
        out[i] = w[:p] + letter + w[p + 1:] if kind < 0.5 else w[:p] + w[p + 1:] if kind < 0.8 else w[:p] + w[p] + w[p:]
    return out


def synthesize(n_persons: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """customers_clean-shaped records and the true person of each record."""
    rng = np.random.default_rng(seed)
    n = n_persons
    surnames = _surnames(rng, max(6000, n // 10))
    sur = rng.choice(len(surnames), n, p=_zipf(len(surnames)))
    female = rng.random(n) < 0.54
    first_m = rng.choice(len(MALE), n, p=_zipf(len(MALE), 5))
    first_f = rng.choice(len(FEMALE), n, p=_zipf(len(FEMALE), 5))
    father = rng.choice(len(FATHERS), n, p=_zipf(len(FATHERS), 5))
    birth = (np.datetime64("1980-07-01", "D").astype(np.int64) + rng.normal(0, 13 * 365.25, n)).astype(np.int64)
    phone = _unique_ints(rng, n, 9_000_000_000, 9_999_999_999)
    city = rng.choice(len(CITIES), n, p=[.34, .17, .09, .08, .08, .08, .08, .08])
    street = rng.integers(0, len(STREETS), n)
    house, apt = rng.integers(1, 120, n), rng.integers(1, 300, n)
    email_domain = rng.integers(0, len(DOMAINS), n)
    has_email = rng.random(n) < 0.75
    k = n // 50  # spouses: 2% of persons in pairs sharing surname and address, sometimes a phone or an e-mail
    a, b = rng.permutation(n)[: 2 * k].reshape(2, k)
    female[b] = ~female[a]
    for arr in (sur, city, street, house, apt):
        arr[b] = arr[a]
    birth[b] = birth[a] + rng.integers(200, 4000, k)
    share = rng.random(k)
    phone[b[share < 0.15]] = phone[a[share < 0.15]]
    mail_owner = np.arange(n)
    email_share = (share >= 0.15) & (share < 0.30)
    mail_owner[b[email_share]] = a[email_share]
    has_email[b[email_share]] = has_email[a[email_share]]
    documents = {name: _unique_ints(rng, n, 10 ** (width - 1), 10 ** width)
                 for name, width in (("inn", 12), ("snils", 11), ("passport", 10), ("card", 10))}

    per_person = rng.choice(3, n, p=[0.75, 0.2, 0.05])
    person = np.concatenate([np.arange(n), np.repeat(np.arange(n), per_person)])
    m = len(person)
    dup = np.arange(m) >= n
    onec = rng.random(m) < 0.6
    onec[dup] = np.where(rng.random(dup.sum()) < 0.7, ~onec[person[dup]], onec[person[dup]])
    fem = female[person]

    sur_m = np.array([_key(s) for s in surnames], dtype=object)
    last_key = sur_m[sur[person]]
    last_name = np.where(fem, np.array([_feminine(s) for s in surnames], dtype=object)[sur[person]],
                         np.array(surnames, dtype=object)[sur[person]])
    first_name = np.where(fem, np.array(FEMALE, dtype=object)[first_f[person]],
                          np.array(MALE, dtype=object)[first_m[person]])
    patronymic = np.where(fem, np.array([_patronymic(f, True) for f in FATHERS], dtype=object)[father[person]],
                          np.array([_patronymic(f, False) for f in FATHERS], dtype=object)[father[person]])
    typo = dup & (rng.random(m) < 0.25)
    last_key[typo] = _typo(last_key[typo], rng)
    last_name[typo] = [s.capitalize() for s in last_key[typo]]
    first_key = np.array([_key(s) for s in first_name], dtype=object)
    typo = dup & (rng.random(m) < 0.03)
    first_key[typo] = _typo(first_key[typo], rng)
    patronymic_key = np.array([_key(s) for s in patronymic], dtype=object)
    no_patr = rng.random(m) < np.where(onec, 0.1, 0.25)
    patronymic[no_patr], patronymic_key[no_patr] = None, None
    swapped = ~onec & (rng.random(m) < 0.015)
    last_key[swapped], first_key[swapped] = first_key[swapped], np.array([_key(s) for s in last_name[swapped]],
                                                                         dtype=object)
    junk = rng.random(m) < 0.005
    for arr in (last_key, first_key, patronymic_key, last_name, first_name, patronymic):
        arr[junk] = None
    name_gender = np.where(fem, "F", "M").astype(object)
    name_gender[junk] = None
    gender = name_gender.copy()
    gender[rng.random(m) < 0.1] = None
    flip = rng.random(m) < 0.01
    gender[flip] = np.where(fem[flip], "M", "F")

    dates = pd.to_datetime(birth[person], unit="D")
    typo = dup & (rng.random(m) < 0.02)  # a wrong day of the month, or day and month swapped
    day_of_month = np.where(typo, rng.integers(1, 29, m), dates.day)
    swap = typo & (dates.day <= 12) & (rng.random(m) < 0.5)
    dates = pd.to_datetime(pd.DataFrame({"year": dates.year, "month": np.where(swap, dates.day, dates.month),
                                         "day": np.where(swap, dates.month, day_of_month)})).dt
    precision = np.where(rng.random(m) < np.where(onec, 0.75, 0.8), "full", None).astype(object)
    partial = ~onec & (precision == "full") & (rng.random(m) < 0.05)
    precision[partial] = np.where(rng.random(partial.sum()) < 0.8, "year", "day_month")
    year = pd.array(np.where(np.isin(precision, ["full", "year"]), dates.year, -1), dtype="Int64")
    month = pd.array(np.where(np.isin(precision, ["full", "day_month"]), dates.month, -1), dtype="Int64")
    dom = pd.array(np.where(np.isin(precision, ["full", "day_month"]), dates.day, -1), dtype="Int64")
    for arr in (year, month, dom):
        arr[arr == -1] = pd.NA

    main = pd.Series(phone[person]).astype(str).radd("+7")
    second = dup & onec & (rng.random(m) < 0.3)
    other = pd.Series(_unique_ints(rng, m, 9_000_000_000, 9_999_999_999)).astype(str)
    phone_all = main.where(~second, main + ";+7" + other)
    phone_all[rng.random(m) > np.where(onec, 0.88, 0.97)] = None
    owner = mail_owner[person]
    latin_first = np.array([_translit(f) for f in FEMALE + MALE], dtype=object)
    latin_last = np.array([_translit(s) for s in sur_m], dtype=object)
    local = pd.Series(latin_first[np.where(female, first_f, len(FEMALE) + first_m)[owner]] + "."
                      + latin_last[sur[owner]] + owner.astype(str).astype(object))
    domain = DOMAINS[np.where(dup & (rng.random(m) < 0.4), rng.integers(0, len(DOMAINS), m), email_domain[owner])]
    email = (local + "@" + domain).where(has_email[owner] & (rng.random(m) < np.where(onec, 0.55, 0.7)), None)
    card = pd.Series(documents["card"][person]).astype(str)
    new_card = dup & (rng.random(m) < 0.3)
    card[new_card] = pd.Series(_unique_ints(rng, int(new_card.sum()), 10 ** 10, 10 ** 11)).astype(str).to_numpy()
    city_name = pd.Series(CITIES[city[person]]).where(rng.random(m) < 0.85, None)
    address = (pd.Series(CITIES[city[person]]) + ", ул. " + STREETS[street[person]] + ", д. "
               + house[person].astype(str)
               + ", кв. " + apt[person].astype(str)).where(rng.random(m) < np.where(onec, 0.65, 0.1), None)
    gaps = dup & (rng.random(m) < 0.3)
    which = rng.integers(0, 4, m)
    phone_all[gaps & (which == 0)] = None
    email[gaps & (which == 1)] = None
    city_name[gaps & (which == 3)] = None
    drop_birth = gaps & (which == 2)
    precision[drop_birth] = None
    for arr in (year, month, dom):
        arr[drop_birth] = pd.NA
    full = precision == "full"
    registered = np.datetime64("2020-01-01") + rng.integers(0, 6 * 365, m).astype("timedelta64[D]")
    frame = pd.DataFrame({
        "record_key": np.where(onec, "1c:", "loyalty:").astype(object) + np.arange(m).astype(str).astype(object),
        "source": np.where(onec, "1c", "loyalty"), "source_id": np.arange(m).astype(str),
        "last_name": last_name, "first_name": first_name, "patronymic": patronymic,
        "last_key": last_key, "first_key": first_key, "patronymic_key": patronymic_key,
        "name_gender": name_gender, "gender": gender,
        "birth_date": pd.Series(dates.normalize()).where(full),
        "birth_year": year, "birth_month": month, "birth_day": dom,
        "birth_precision": precision,
        "phone_e164": phone_all.str.split(";").str[0], "phone_all": phone_all,
        "email": email, "email_local": email.str.split("@").str[0], "email_domain": email.str.split("@").str[1],
        "city": city_name, "address": address,
        "passport": _document(documents["passport"][person], onec & (rng.random(m) < 0.45)),
        "inn": _document(documents["inn"][person], onec & (rng.random(m) < 0.35)),
        "snils": _document(documents["snils"][person], onec & (rng.random(m) < 0.3)),
        "card_number": card.where(rng.random(m) < np.where(onec, 0.6, 0.95), None),
        "registration_date": registered,
        "updated_at": registered + rng.integers(0, 400, m).astype("timedelta64[D]"),
        "consent_sms": pd.array(rng.random(m) < 0.6, dtype="boolean"),
        "consent_email": pd.array(rng.random(m) < 0.5, dtype="boolean"),
        "consent_viber": pd.array(rng.random(m) < 0.3, dtype="boolean"),
    })
    frame["email_local_key"] = email_names.name_free_local(frame["email_local"], frame["last_name"], frame["first_name"],
                                                           frame["patronymic"])  # as the quality audit makes it
    text = [c for c in frame.columns if frame[c].dtype == object]
    frame[text] = frame[text].astype("string[pyarrow]")
    return frame, person


def _document(values: np.ndarray, present: np.ndarray) -> pd.Series:
    return pd.Series(values.astype(str), dtype=object).where(present, None)


def _engine(columns: pd.Index) -> dict:
    """The default engine of params/default.yaml, its golden record limited to the columns the records have."""
    engine = params.load(root=ROOT)["dedup"]["engine"]
    surv = engine["survivorship"]
    fields = {group: [c for c in cols if c in columns] for group, cols in surv["fields"].items()}
    return {**engine, "survivorship": {**surv, "fields": {g: cols for g, cols in fields.items() if cols}}}


def _demo_records(persons: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """customers_clean of the demo chain (generated, ingested and audited) and the true person of each record."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "demo"
        start = time.perf_counter()
        demo_data.generate(out, persons=persons, seed=seed)
        demo = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
        sources = {n: {**s, "path": str(out / Path(s["path"]).relative_to("data/demo"))}
                   for n, s in demo["sources"].items() if s["table"] == "customers"}
        profile = Path(tmp) / "bench.yaml"
        profile.write_text(yaml.safe_dump({"as_of": demo["as_of"], "sources": sources}, allow_unicode=True),
                           encoding="utf-8")
        p = params.load(profile, root=ROOT)
        customers = ingest.ingest(p, ROOT).tables["customers"]
        clean = quality.audit(customers, p["as_of"], p["quality"]).clean
        truth = pd.read_parquet(out / "truth" / "records.parquet")
    person = clean[["source", "source_id"]].merge(truth[["source", "source_id", "person_id"]], how="left")["person_id"]
    print(f"demo chain of {persons:,} persons generated, ingested and audited in {time.perf_counter() - start:.0f} s")
    return clean, person.to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--demo", action="store_true", help="the demo chain's audited customers instead of synthesis")
    parser.add_argument("--no-golden", action="store_true", help="skip golden records")
    parser.add_argument("--max-block-size", type=int, help="override dedup.engine.blocking.max_block_size")
    args = parser.parse_args()
    start = time.perf_counter()
    if args.demo:
        records, truth = _demo_records(args.persons, args.seed)
    else:
        records, truth = synthesize(args.persons, args.seed)
        print(f"synthesized {len(records):,} records of {args.persons:,} persons in {time.perf_counter() - start:.1f} s")
    config = _engine(records.columns)
    if args.no_golden:
        config["survivorship"] = None
    if args.max_block_size:
        config["blocking"] = {**config["blocking"], "max_block_size": args.max_block_size}
    start, cpu = time.perf_counter(), time.process_time()
    result = deduplicate(records, config)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    for step in ("candidates", "comparisons", "classify", "groups", "golden"):
        print(f"{step:>12}: {result.stats[step + '_s']:7.2f} s wall {result.stats[step + '_cpu_s']:7.2f} s CPU")
    print(f"{'total':>12}: {total:7.2f} s wall, {cpu:.2f} s CPU (all threads; the machine may be shared)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
    print(f"peak memory (max RSS, incl. synthesis): {peak:.2f} GB")
    print({k: int(v) for k, v in result.stats.items() if not k.endswith("_s")})  # counts
    names = dedup_candidates.rule_names(config["blocking"]["rules"])
    print(dedup_eval.blocking_recall(result.pairs, truth, names).to_string(index=False))
    match = (result.pairs["decision"] == "match").to_numpy()
    pairs = dedup_eval.pair_list_scores(result.pairs["left"].to_numpy()[match],
                                        result.pairs["right"].to_numpy()[match], truth)
    groups = dedup_eval.pairwise_scores(result.mapping["customer_key"].to_numpy(), truth)
    clusters = dedup_eval.cluster_scores(result.mapping["customer_key"].to_numpy(), truth)
    ceiling = dedup_eval.pattern_ceiling(result.pairs, [c["name"] for c in config["comparisons"]], truth)
    for name, s in (("pairs", pairs), ("pattern ceiling", ceiling), ("groups (pairwise)", groups),
                    ("clusters (exact)", clusters)):
        print(f"{name:>18}: precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}")
    print(f"pattern ceiling: the best pairs F1 of any classifier of the comparison levels alone; "
          f"{ceiling['mixed_pairs']:,.0f} candidate pairs share their vector with pairs of the other truth")


if __name__ == "__main__":
    main()
