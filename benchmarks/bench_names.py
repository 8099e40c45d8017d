"""Benchmark of analysis.names on 1.3 million synthetic one-field and split names (a script, not a test)."""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from analysis import names

SURNAMES = ("Иванов Петров Сидоров Смирнов Кузнецов Попов Васильев Соколов Михайлов Новиков Фёдоров Морозов "
            "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров "
            "Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов "
            "Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв "
            "Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов "
            "Осипов Сидоренко Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов "
            "Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов "
            "Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев "
            "Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников "
            "Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин "
            "Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов "
            "Анисимов Еремин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев "
            "Харитонов Князев Цветков Левин Митрофанов Воронцов Рябов Поляков Мамедов Алиев Гусейнов Ким Цой "
            "Шевченко Бондаренко Коваленко Ткаченко Кравченко Мельниченко Петровский Вишневский Ковальчук").split()
MALE = ("Александр Алексей Андрей Антон Артём Борис Вадим Валентин Валерий Василий Виктор Виталий Владимир "
        "Владислав Вячеслав Геннадий Георгий Глеб Григорий Даниил Денис Дмитрий Евгений Егор Иван Игорь Илья "
        "Кирилл Константин Лев Леонид Максим Марк Матвей Михаил Никита Николай Олег Павел Пётр Роман Руслан "
        "Сергей Станислав Степан Тимофей Тимур Фёдор Юрий Ярослав Рашид Эльдар").split()
FEMALE = ("Александра Алина Алла Анастасия Анна Валентина Валерия Вера Вероника Виктория Галина Дарья Диана "
          "Евгения Екатерина Елена Елизавета Жанна Зоя Инна Ирина Карина Кристина Ксения Лариса Лидия Любовь "
          "Людмила Маргарита Марина Мария Надежда Наталья Нина Оксана Олеся Ольга Полина Раиса Светлана София "
          "Софья Тамара Татьяна Ульяна Юлия Яна Лейла").split()
FATHERS = ("Александр Алексей Андрей Анатолий Борис Валерий Василий Виктор Владимир Геннадий Григорий "
           "Дмитрий Евгений Иван Игорь Михаил Николай Олег Павел Пётр Сергей Юрий").split()


def _patronymic(father: str, female: bool) -> str:
    if father.endswith("й"):
        stem = father[:-1]
        return stem + ("евна" if female else "евич")
    stem = father.replace("ё", "е")
    return stem + ("овна" if female else "ович")


def _feminine(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname


def synthetic_names(n_unique: int, rng: np.random.Generator) -> list[str]:
    """Distinct-ish one-field names in several orders, cases and with typical defects."""
    out = []
    for _ in range(n_unique):
        female = rng.random() < 0.55
        last = str(rng.choice(SURNAMES))
        last = _feminine(last) if female else last
        first = str(rng.choice(FEMALE if female else MALE))
        patr = _patronymic(str(rng.choice(FATHERS)), female)
        kind = rng.random()
        if kind < 0.55:
            text = f"{last} {first} {patr}"
        elif kind < 0.65:
            text = f"{first} {patr} {last}"
        elif kind < 0.75:
            text = f"{last} {first}"
        elif kind < 0.82:
            text = f"{last} {first[0]}.{patr[0]}."
        elif kind < 0.88:
            text = f"{last.upper()}  {first.lower()} {patr}"
        elif kind < 0.93:
            text = f"{last} {first} {patr}".replace("а", "a", 1)
        elif kind < 0.97:
            text = f"{last}-{_feminine(str(rng.choice(SURNAMES))) if female else rng.choice(SURNAMES)} {first}"
        else:
            text = str(rng.choice(["тест", "xxx", "???", "-", "нет", "Иванов 2", ""]))
        out.append(text)
    return out


def _timed(label: str, rows: int, func):
    """Run func() and print wall-clock and CPU seconds with rows per second (CPU time is robust to a busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label}: {wall:.2f} s wall ({rows / wall:,.0f} rows/s), {cpu:.2f} s CPU ({rows / cpu:,.0f} rows/s)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_300_000)
    parser.add_argument("--unique", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    pool = np.array(synthetic_names(args.unique, rng), dtype=object)
    values = pd.Series(pool[rng.integers(0, len(pool), args.rows)], dtype="string[pyarrow]")
    print(f"{len(values):,} rows, {values.nunique():,} distinct names")

    full = _timed("parse_full_names", len(values), lambda: names.parse_full_names(values))
    print(full["quality"].value_counts().sort_index().to_string())
    _timed("check_split_names", len(values),
           lambda: names.check_split_names(full["last_name"], full["first_name"], full["patronymic"]))
    _timed("neutral_surname", len(values), lambda: names.neutral_surname(full["last_name"], full["name_gender"]))

if __name__ == "__main__":
    main()
