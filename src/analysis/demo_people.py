"""Synthetic customers of the demo chain: persons, their 1C and loyalty records, injected dirt and its truth."""

from __future__ import annotations

import functools
from datetime import date

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

# ----------------------------------------------------------------------------------------------------------------------
# Reference lists (names are ordered by popularity: earlier names are drawn more often).

_MALE = """Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Владимир Николай Денис
Павел Роман Игорь Олег Никита Илья Антон Кирилл Юрий Виктор Вадим Константин Егор Тимур Руслан Владислав
Станислав Василий Георгий Анатолий Виталий Валерий Григорий Борис Пётр Фёдор Лев Степан Семён Матвей Тимофей
Даниил Ярослав Арсений Глеб Леонид Геннадий Аркадий Вячеслав Эдуард Ростислав Марк Филипп Святослав Всеволод
Захар Савелий Платон Родион Богдан Валентин Герман Давид Демид Елисей Емельян Игнат Кузьма Лука Макар Мирон
Назар Остап Прохор Тарас Фома Яков Артур Альберт Вениамин Гавриил Данила Ефим Иннокентий Кондрат Лаврентий
Мстислав Никифор Осип Потап Савва Самуил Трофим Филимон Харитон Эмиль Юлиан Рудольф Роберт Ринат Рустам Марат
Айдар Ильдар Ильнур Рамиль Радик Азат Дамир Айрат Тагир Альфред Арнольд Стефан Эрик Адам Ян Лазарь Мартин Евсей
Архип Афанасий Ермолай Корней Наум Панкрат Тихон"""

_FEMALE = """Анна Елена Ольга Наталья Татьяна Ирина Екатерина Мария Светлана Юлия Анастасия Марина Людмила
Галина Надежда Валентина Оксана Алёна Виктория Дарья Ксения Полина Евгения Александра Вера Любовь Нина Лариса
Алина Кристина Елизавета Софья Ангелина Вероника Валерия Диана Маргарита Тамара Зинаида Раиса Лидия Жанна Инна
Яна Анжела Олеся Карина Милана Варвара Василиса Ульяна Таисия Эльвира Гульнара Альбина Регина Лилия Алсу Динара
Зарина Лейсан Камила Майя Ева Злата Арина Кира Алиса Есения Мирослава Снежана Стефания Эвелина Ярослава Антонина
Клавдия Серафима Агата Мила Нелли Римма Эмма Лада Влада Богдана Василина Доминика Инга Нонна Пелагея Прасковья
Фаина Элина Юлиана Ника Милена Алла Вита Дина Зоя Рената Сабина Лиана Элеонора Виолетта Изабелла Аделина Анфиса
Ариадна Аглая Глафира Евдокия Марфа Луиза Розалия Гузель Айгуль Венера Ильмира Наиля Резеда Софья Виталина Ольга"""

_SURNAMES = """Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев
Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев
Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов
Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов
Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов
Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин
Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев
Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев
Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев
Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов
Софронов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин Хохлов
Фадеев Молчанов Игнатов Литвинов Ершов Ушаков Дементьев Рябов Мухин Калашников Леонтьев Лобанов Кузин Корнеев
Евдокимов Бородин Платонов Некрасов Балашов Бобров Жданов Блинов Игнатьев Коротков Муравьёв Крюков Беляков
Богомолов Дроздов Лавров Зуев Петухов Ларин Никулин Серов Терентьев Зотов Устинов Фокин Самойлов Константинов
Сахаров Шишкин Самсонов Черкасов Чистяков Носов Спиридонов Карасёв Авдеев Воронцов Зверев Владимиров Селезнёв
Нечаев Кудряшов Седов Фирсов Андрианов Панин Головин Терехов Ульянов Шестаков Агеев Никонов Селиванов Баженов
Гордеев Кожевников Пахомов Зимин Костин Широков Филимонов Ларионов Овсянников Сазонов Суворов Нефёдов Корнилов
Любимов Львов Горбачёв Копылов Лукин Токарев Кулешов Шилов Большаков Панкратов Родин Шаповалов Бочаров Маркин
Горелов Агафонов Березин Ермолаев Зубков Куприянов Трифонов Круглов Третьяков Колосов Рожков Артамонов Шмелёв
Лаптев Лапин Федосеев Зиновьев Зорин Уткин Столяров Зубов Ткачёв Дорофеев Антипов Завьялов Свиридов Золотарёв
Кулаков Мещеряков Макеев Дьяконов Гуляев Бондарев Поздняков Панфилов Кочетков Суханов Рыжов Покровский
Никольский Петровский Вишневский Рождественский Успенский Введенский Островский Жуковский Каменский Троицкий
Белецкий Трубецкой Толстой Луговой Шевченко Бондаренко Ткаченко Коваленко Кравченко Черных Седых Белых Долгих
Гарипов Хабибуллин Сафин Галиев Валиев Шарипов Закиров Ахметов Мухаметов Нуриев"""

_TURKIC_MALE = "Эльдар Рашид Фуад Намик Ильхам Эльчин Рауф Вугар Самир Тофик Фарид Азер Рамиз Мубариз"
_TURKIC_FEMALE = "Айгюн Лейла Севиль Гюнай Нигяр Айсель Наргиз Самира Эльнара Лала Фидан Гюльнара"
_TURKIC_SURNAMES = ("Алиев Мамедов Гусейнов Гасанов Исмаилов Рзаев Керимов Сулейманов Бабаев Ахмедов Агаев Джафаров "
                    "Велиев")

# Patronymics that do not follow the regular suffix rules.
_PATRONYMIC_EXCEPTIONS = {
    "Илья": ("Ильич", "Ильинична"), "Никита": ("Никитич", "Никитична"), "Лука": ("Лукич", "Лукинична"),
    "Фома": ("Фомич", "Фоминична"), "Кузьма": ("Кузьмич", "Кузьминична"), "Савва": ("Саввич", "Саввична"),
    "Данила": ("Данилович", "Даниловна"), "Лев": ("Львович", "Львовна"), "Павел": ("Павлович", "Павловна"),
    "Пётр": ("Петрович", "Петровна"), "Яков": ("Яковлевич", "Яковлевна"), "Михаил": ("Михайлович", "Михайловна"),
    "Гавриил": ("Гаврилович", "Гавриловна"), "Дмитрий": ("Дмитриевич", "Дмитриевна"),
    "Георгий": ("Георгиевич", "Георгиевна"), "Ян": ("Янович", "Яновна"),
}

CITIES = ("Москва", "Санкт-Петербург", "Екатеринбург", "Новосибирск", "Казань", "Нижний Новгород", "Самара",
          "Краснодар")
_CITY_WEIGHTS = (0.34, 0.17, 0.09, 0.08, 0.08, 0.08, 0.08, 0.08)
_CITY_POSTCODE = ((101000, 129999), (190000, 199999), (620000, 620999), (630000, 630999), (420000, 420999),
                  (603000, 603999), (443000, 443999), (350000, 350999))
_CITY_REGION = ((77, 45), (78, 40), (66, 65), (54, 50), (16, 92), (52, 22), (63, 36), (23, 3))  # (INN, passport OKATO)
_CITY_LANDLINE = ("495", "812", "343", "383", "843", "831", "846", "861")
# Standard spellings of each city in the sources (not errors): (variant, weight).
_CITY_VARIANTS = {
    "Москва": (("Москва", 60), ("г. Москва", 20), ("г.Москва", 5), ("Мск", 5), ("МОСКВА", 5), ("москва", 5)),
    "Санкт-Петербург": (("Санкт-Петербург", 60), ("г. Санкт-Петербург", 15), ("СПб", 10), ("Питер", 5),
                        ("С.-Петербург", 5), ("санкт-петербург", 5)),
    "Екатеринбург": (("Екатеринбург", 70), ("г. Екатеринбург", 20), ("Екб", 10)),
    "Новосибирск": (("Новосибирск", 75), ("г. Новосибирск", 20), ("НОВОСИБИРСК", 5)),
    "Казань": (("Казань", 75), ("г. Казань", 20), ("казань", 5)),
    "Нижний Новгород": (("Нижний Новгород", 65), ("г. Нижний Новгород", 20), ("Н. Новгород", 10),
                        ("Н.Новгород", 5)),
    "Самара": (("Самара", 75), ("г. Самара", 20), ("САМАРА", 5)),
    "Краснодар": (("Краснодар", 75), ("г. Краснодар", 20), ("краснодар", 5)),
}
_CITY_MISSPELT = {
    "Москва": ("Мсква", "Моска", "Масква", "Моксва"), "Санкт-Петербург": ("Санкт-Петербур", "Санкт-Питербург"),
    "Екатеринбург": ("Екатеринбур", "Екатеренбург", "Екатиринбург"), "Новосибирск": ("Новосибрск", "Навосибирск"),
    "Казань": ("Казан", "Казаань"), "Нижний Новгород": ("Нижний Новгрод", "Нижний Новогород"),
    "Самара": ("Смара", "Саммара"), "Краснодар": ("Краснадар", "Краснодр"),
}
_STREETS = """Ленина Советская Мира Гагарина Садовая Лесная Школьная Молодёжная Центральная Пушкина Победы Кирова
Октябрьская Зелёная Набережная Строителей Комсомольская Чапаева Первомайская Горького Луговая Новая Заводская
Спортивная Парковая Полевая Солнечная Южная Северная Пролетарская Московская Гоголя Лермонтова Чехова Маяковского
Свердлова Куйбышева Фрунзе Калинина Тверская""".split()
_DOMAINS = (("mail.ru", 34), ("yandex.ru", 24), ("gmail.com", 16), ("bk.ru", 5), ("list.ru", 5), ("inbox.ru", 5),
            ("rambler.ru", 5), ("ya.ru", 6))
_DOMAIN_TYPOS = {
    "mail.ru": ("mial.ru", "mail.ri", "mail.ry", "maill.ru", "mai.ru"), "yandex.ru": ("yandex.ry", "yandx.ru",
                                                                                       "yadex.ru", "yandex.ri"),
    "gmail.com": ("gmial.com", "gmail.cm", "gmai.com", "gmail.con"), "bk.ru": ("bk.ry", "bk.ri"),
    "list.ru": ("lsit.ru", "list.ry"), "inbox.ru": ("inbox.ry", "imbox.ru"), "rambler.ru": ("rambler.ry", "ramber.ru"),
    "ya.ru": ("ya.ry", "ya.ri"),
}
_MOBILE_CODES = np.array([*range(900, 940), 950, 951, 952, 953, 958, *range(960, 970), *range(977, 1000)])  # DEF codes
_TRANSLIT = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split()))
_LATIN_LOOKALIKE = dict(zip("аеорсхСЕОРАТНКМВХ", "aeopcxCEOPATHKMBX"))
_TYPO_LETTERS = "аеиоунтскрлвмд"

# Injected dirt: code -> (field, systems, rate among eligible records).
ERROR_TYPES: dict[str, tuple[str, tuple[str, ...], float]] = {
    "name_latin_letters": ("name", ("1c", "loyalty"), 0.015),
    "name_patronymic_in_surname": ("name", ("loyalty",), 0.015),
    "name_swapped": ("name", ("loyalty",), 0.015),
    "name_junk": ("name", ("1c", "loyalty"), 0.008),
    "gender_conflict": ("gender", ("1c", "loyalty"), 0.01),
    "phone_fake": ("phone", ("1c", "loyalty"), 0.01),
    "phone_too_short": ("phone", ("1c", "loyalty"), 0.008),
    "phone_text": ("phone", ("1c", "loyalty"), 0.008),
    "phone_foreign": ("phone", ("1c", "loyalty"), 0.008),
    "email_domain_typo": ("email", ("1c", "loyalty"), 0.015),
    "email_invalid": ("email", ("1c", "loyalty"), 0.01),
    "email_spam": ("email", ("1c", "loyalty"), 0.01),
    "email_placeholder": ("email", ("1c", "loyalty"), 0.01),
    "birth_date_future": ("birth_date", ("1c", "loyalty"), 0.007),
    "birth_date_too_old": ("birth_date", ("1c", "loyalty"), 0.007),
    "birth_date_too_young": ("birth_date", ("1c", "loyalty"), 0.007),
    "birth_date_partial": ("birth_date", ("loyalty",), 0.02),
    "birth_date_unparseable": ("birth_date", ("loyalty",), 0.012),
    "country_unknown": ("country", ("1c", "loyalty"), 0.01),
    "city_misspelt": ("city", ("1c", "loyalty"), 0.015),
    "city_unknown": ("city", ("1c", "loyalty"), 0.007),
    "passport_invalid": ("passport", ("1c",), 0.03),
    "inn_invalid": ("inn", ("1c",), 0.04),
    "snils_invalid": ("snils", ("1c",), 0.05),
}
_JUNK_NAMES = ("тест", "xxx", "???", "123", "Тест Тестович", "test")
_PHONE_FAKE = ("0000000", "1234567", "+7 (999) 999-99-99", "89999999999", "+7 999 000-00-00", "+7 (900) 000-00-00",
               "11111111111")
_PHONE_TEXT = ("нет", "не дал", "НЕТ", "отказ")
_EMAIL_SPAM = ("test@test.ru", "no@mail.ru", "1@siteforspam.com", "asdf@asdf.ru", "qwerty@qwerty.ru", "test@mail.ru",
               "123@123.ru")
_EMAIL_PLACEHOLDER = ("нет", "-", "НЕТ", "--")
_COUNTRY_UNKNOWN = ("Лимония", "Нарния", "Атлантида", "Неверленд")
_CITY_UNKNOWN = ("Гдетотамск", "ыва", "йцукен", "Неизвестно")
_COUNTRY_1C = (("Россия", 45), ("РФ", 12), ("Российская Федерация", 8), ("Russia", 4), ("RU", 3), ("россия", 2),
               ("", 25), ("Казахстан", 0.5), ("Беларусь", 0.5))
_COUNTRY_LOYALTY = (("RU", 45), ("Россия", 25), ("", 30))


def _words(text: str) -> list[str]:
    """Split a reference block into unique words, keeping the first occurrence order."""
    return list(dict.fromkeys(text.split()))


def _female_surname(male: str) -> str:
    """The female form of a Russian surname given in the male form."""
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    if male.endswith(("ий", "ый", "ой")):
        return male[:-2] + "ая"
    return male


def _patronymics(father: str) -> tuple[str, str]:
    """Male and female patronymic derived from the father's first name."""
    if father in _PATRONYMIC_EXCEPTIONS:
        return _PATRONYMIC_EXCEPTIONS[father]
    if father.endswith("ий"):
        return father[:-2] + "ьевич", father[:-2] + "ьевна"
    if father.endswith(("й", "ь")):
        return father[:-1] + "евич", father[:-1] + "евна"
    if father.endswith("а"):
        return father[:-1] + "ич", father[:-1] + "ична"
    return father + "ович", father + "овна"


def _zipf(k: int) -> np.ndarray:
    """Popularity weights for a list ordered from the most to the least common item."""
    w = 1.0 / (np.arange(k) + 8.0) ** 1.1
    return w / w.sum()


@functools.cache
def _name_tables() -> dict[str, np.ndarray]:
    """Arrays of first names, surnames (male/female forms) and fathers (male/female patronymics)."""
    male, female = _words(_MALE), _words(_FEMALE)
    tmale, tfemale = _words(_TURKIC_MALE), _words(_TURKIC_FEMALE)
    surnames, tsurnames = _words(_SURNAMES), _words(_TURKIC_SURNAMES)
    patr = [_patronymics(f) for f in male] + [(f + " оглы", f + " кызы") for f in tmale]
    return {
        "male": np.array(male, dtype=object), "female": np.array(female, dtype=object),
        "tmale": np.array(tmale, dtype=object), "tfemale": np.array(tfemale, dtype=object),
        "surname_m": np.array(surnames + tsurnames, dtype=object),
        "surname_f": np.array([_female_surname(s) for s in surnames + tsurnames], dtype=object),
        "n_surnames": np.array(len(surnames)),
        "patr_m": np.array([p[0] for p in patr], dtype=object), "patr_f": np.array([p[1] for p in patr], dtype=object),
        "n_fathers": np.array(len(male)),
    }


def _translit(word: str) -> str:
    """Lower-case Latin transliteration of a Cyrillic word for e-mail local parts."""
    return "".join(_TRANSLIT.get(ch, ch) for ch in word.lower()).replace("_", "")


# ----------------------------------------------------------------------------------------------------------------------
# Small vectorized helpers on pyarrow string arrays.

def _day(d: date) -> int:
    """Day number (days since 1970-01-01) of a date."""
    return int(np.datetime64(d, "D").astype(np.int64))


def _arr(values) -> pa.Array:
    """A pyarrow string array from a numpy/list/arrow input."""
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    return values if isinstance(values, pa.Array) else pa.array(values, pa.string())


def _np(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean/numeric arrow array as numpy."""
    return values.to_numpy(zero_copy_only=False) if isinstance(values, pa.Array) else values.to_numpy()


def concat_text(*parts) -> pa.Array:
    """Element-wise concatenation of string arrays and scalars."""
    return pc.binary_join_element_wise(*[p if isinstance(p, str) else _arr(p) for p in parts], "")


def int_text(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal text, zero-padded to ``width``."""
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def _pick(rng: np.random.Generator, options, size: int, weights=None) -> pa.Array:
    """Draw ``size`` values from ``options`` (optionally weighted)."""
    p = None if weights is None else np.asarray(weights, float) / np.sum(weights)
    return pa.array(list(options), pa.string()).take(pa.array(rng.choice(len(options), size=size, p=p)))


def _weighted(rng: np.random.Generator, pairs, size: int) -> pa.Array:
    """Draw from ``(value, weight)`` pairs."""
    return _pick(rng, [v for v, _ in pairs], size, [w for _, w in pairs])


def format_days(days: np.ndarray, fmt: str) -> pa.Array:
    """Format day numbers (days since 1970-01-01) with strftime, working on the unique days only."""
    uniq, inv = np.unique(np.asarray(days, dtype=np.int64), return_inverse=True)
    texts = pd.to_datetime(uniq, unit="D").strftime(fmt)
    return pa.array(list(texts), pa.string()).take(pa.array(inv.ravel()))


def _where(mask: np.ndarray, a, b) -> pa.Array:
    """Element-wise choice between two string arrays/scalars."""
    return pc.if_else(pa.array(np.asarray(mask, bool)), a if isinstance(a, str) else _arr(a),
                      b if isinstance(b, str) else _arr(b))


def _fake_looking(national: np.ndarray) -> np.ndarray:
    """Mask of 10-digit numbers with runs of equal/sequential digits or one digit dominating the subscriber part."""
    digits = (national[:, None] // 10 ** np.arange(9, -1, -1)) % 10
    step = np.diff(digits, axis=1)
    bad = np.zeros(len(national), bool)
    for delta in (0, 1, -1):
        run = np.lib.stride_tricks.sliding_window_view(step == delta, 4, axis=1).all(axis=2)
        bad |= run.any(axis=1)
    counts = np.stack([(digits[:, 3:] == d).sum(axis=1) for d in range(10)], axis=1)
    return bad | (counts.max(axis=1) >= 5)


def _unique_numbers(rng: np.random.Generator, n: int, draw) -> np.ndarray:
    """``n`` distinct values from ``draw(rng, size)`` (which may return rejects as -1), order kept."""
    out = np.empty(0, dtype=np.int64)
    while len(out) < n:
        cand = draw(rng, int((n - len(out)) * 1.3) + 16)
        out = np.concatenate([out, cand[cand >= 0]])
        _, first = np.unique(out, return_index=True)
        out = out[np.sort(first)]
    return out[:n]


@functools.cache
def _ru_number_patterns() -> dict[str, str]:
    """phonenumbers' own patterns of valid Russian mobile and fixed-line national numbers."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("RU")
    return {"mobile": metadata.mobile.national_number_pattern,
            "fixed": metadata.fixed_line.national_number_pattern}


def _valid_ru(national: np.ndarray, kind: str) -> np.ndarray:
    """Mask of 10-digit national numbers that phonenumbers considers valid of the given kind."""
    return _np(pc.match_substring_regex(int_text(national), f"^(?:{_ru_number_patterns()[kind]})$"))


def _draw_mobile(rng: np.random.Generator, size: int) -> np.ndarray:
    """Random valid Russian mobile numbers (10 national digits) without fake-looking patterns; rejects are -1."""
    nums = rng.choice(_MOBILE_CODES, size) * 10 ** 7 + rng.integers(0, 10 ** 7, size)
    return np.where(_fake_looking(nums) | ~_valid_ru(nums, "mobile"), -1, nums)


def _draw_landlines(rng: np.random.Generator, area: np.ndarray) -> np.ndarray:
    """Random valid fixed-line numbers in the given area codes."""
    nums = area * 10 ** 7 + rng.integers(2_000_000, 10 ** 7, len(area))
    while (bad := np.flatnonzero(~_valid_ru(nums, "fixed") | _fake_looking(nums))).size:
        nums[bad] = area[bad] * 10 ** 7 + rng.integers(2_000_000, 10 ** 7, len(bad))
    return nums


def inn_check_digits(first10: np.ndarray) -> np.ndarray:
    """Personal INN (12 digits) from its first 10 digits, with the two check digits of the FNS algorithm."""
    digits = (first10[:, None] // 10 ** np.arange(9, -1, -1)) % 10
    c11 = (digits @ np.array([7, 2, 4, 10, 3, 5, 9, 4, 6, 8])) % 11 % 10
    c12 = (np.column_stack([digits, c11]) @ np.array([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8])) % 11 % 10
    return first10 * 100 + c11 * 10 + c12


def snils_control(number9: np.ndarray) -> np.ndarray:
    """SNILS control number for 9-digit numbers (weights 9..1; < 100 as is, 100/101 -> 0, else mod 101)."""
    digits = (number9[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    total = digits @ np.arange(9, 0, -1)
    return np.where(total < 100, total, np.where(total <= 101, 0, total % 101 % 100))


def _format_snils(number9: np.ndarray, control: np.ndarray) -> pa.Array:
    """SNILS as 'XXX-XXX-XXX CC'."""
    return concat_text(int_text(number9 // 10 ** 6, 3), "-", int_text(number9 // 1000 % 1000, 3), "-",
                       int_text(number9 % 1000, 3), " ", int_text(control, 2))


# ----------------------------------------------------------------------------------------------------------------------
# Persons.

def make_persons(rng: np.random.Generator, n: int, end_date: date) -> pd.DataFrame:
    """The true people behind the records, with clean attributes and spouse pairs (dedup traps)."""
    t = _name_tables()
    female = rng.random(n) < 0.54
    turkic = rng.random(n) < 0.012
    n_ru_surnames, n_ru_fathers = int(t["n_surnames"]), int(t["n_fathers"])
    surname = rng.choice(n_ru_surnames, n, p=_zipf(n_ru_surnames))
    surname[turkic] = n_ru_surnames + rng.integers(0, len(t["surname_m"]) - n_ru_surnames, turkic.sum())
    father = rng.choice(n_ru_fathers, n, p=_zipf(n_ru_fathers))
    father[turkic] = n_ru_fathers + rng.integers(0, len(t["patr_m"]) - n_ru_fathers, turkic.sum())

    # Spouses: pairs of different people sharing the surname and the address.
    k = int(round(n * 0.02))
    pairs = rng.permutation(n)[: 2 * k].reshape(k, 2) if k else np.empty((0, 2), dtype=np.int64)
    a, b = pairs[:, 0], pairs[:, 1]
    female[b] = ~female[a]
    surname[b] = surname[a]
    first = _first_names(rng, female, turkic)

    birth = _birth_days(rng, n)
    same = b[birth[b] == birth[a]]
    birth[same] += np.where(birth[same] > _day(date(1976, 1, 1)), -400, 400)
    city = rng.choice(len(CITIES), n, p=np.asarray(_CITY_WEIGHTS) / sum(_CITY_WEIGHTS))
    lo, hi = np.array(_CITY_POSTCODE).T
    postcode = rng.integers(lo[city], hi[city] + 1)
    street = rng.integers(0, len(_STREETS), n)
    house = rng.integers(1, 120, n)
    apt = rng.integers(1, 300, n)
    for arr in (city, postcode, street, house, apt):
        arr[b] = arr[a]

    spouse_of = np.full(n, -1, dtype=np.int64)
    spouse_of[a], spouse_of[b] = b + 1, a + 1
    phone = _unique_numbers(rng, n, _draw_mobile)
    has_email = rng.random(n) < 0.75
    frame = pd.DataFrame({
        "person_id": np.arange(1, n + 1, dtype=np.int64),
        "gender": np.where(female, "F", "M"),
        "last_name": np.where(female, t["surname_f"][surname], t["surname_m"][surname]),
        "first_name": first,
        "patronymic": np.where(female, t["patr_f"][father], t["patr_m"][father]),
        "birth_day": birth,
        "city": np.array(CITIES, dtype=object)[city],
        "city_idx": city,
        "street": np.array(_STREETS, dtype=object)[street],
        "house": house, "apt": apt, "postcode": postcode,
        "phone": phone,
        "has_email": has_email,
    })
    frame["email"] = _emails(rng, frame, has_email)
    share = rng.random(k)
    share_phone = (share < 0.15) | ((share < 0.30) & ~has_email[a])
    share_email = (share >= 0.15) & (share < 0.30) & has_email[a]
    frame.loc[b[share_phone], "phone"] = frame["phone"].to_numpy()[a[share_phone]]
    frame.loc[b[share_email], "email"] = frame["email"].to_numpy()[a[share_email]]
    frame.loc[b[share_email], "has_email"] = True
    frame["spouse_of"] = pd.Series(spouse_of).where(spouse_of > 0).astype("Int64")
    return frame.assign(**_documents(rng, frame, end_date))


def _first_names(rng: np.random.Generator, female: np.ndarray, turkic: np.ndarray) -> np.ndarray:
    """First names drawn by gender and origin with popularity weights."""
    t = _name_tables()
    out = np.empty(len(female), dtype=object)
    for key, mask in (("male", ~female & ~turkic), ("female", female & ~turkic), ("tmale", ~female & turkic),
                      ("tfemale", female & turkic)):
        names = t[key]
        out[mask] = names[rng.choice(len(names), int(mask.sum()), p=_zipf(len(names)))]
    return out


def _birth_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Birth dates 1945-01-01..2006-12-31 (day numbers), concentrated around 1980."""
    lo, hi = (np.datetime64(d, "D").astype(np.int64) for d in ("1945-01-01", "2006-12-31"))
    days = np.datetime64("1980-07-01", "D").astype(np.int64) + rng.normal(0, 13 * 365.25, n).astype(np.int64)
    outside = (days < lo) | (days > hi)
    days[outside] = rng.integers(lo, hi + 1, outside.sum())
    return days


def _emails(rng: np.random.Generator, persons: pd.DataFrame, has_email: np.ndarray) -> np.ndarray:
    """Unique e-mail addresses (translit local part + popular domain); None for persons without e-mail."""
    n = len(persons)
    first, last = (_translit_column(persons[column]) for column in ("first_name", "last_name"))
    year = pd.to_datetime(persons["birth_day"], unit="D").dt.year.to_numpy()
    f, l_ = _arr(first), _arr(last)
    initial = pc.utf8_slice_codeunits(f, 0, 1)
    yy = int_text(year % 100, 2)
    variants = [concat_text(f, ".", l_), concat_text(l_, ".", f), concat_text(l_, yy), concat_text(initial, ".", l_),
                concat_text(f, "_", l_), concat_text(l_, int_text(year)), concat_text(f, ".", l_, yy)]
    local = pc.choose(pa.array(rng.integers(0, len(variants), n).astype(np.int8)), *variants)
    email = pd.Series(concat_text(local, "@", _weighted(rng, _DOMAINS, n)).to_numpy(zero_copy_only=False))[has_email]
    while True:  # the k-th holder of a taken address gets the suffix k: ivanov85@mail.ru -> ivanov852@mail.ru
        rank = email.groupby(email, sort=False).cumcount()
        clash = rank > 0
        if not clash.any():
            break
        parts = email[clash].str.split("@", n=1, expand=True)
        email[clash] = parts[0] + (rank[clash] + 1).astype(str) + "@" + parts[1]
    out = np.full(n, None, dtype=object)
    out[has_email] = email.to_numpy()
    return out


def _translit_column(names: pd.Series) -> np.ndarray:
    """Transliteration of a name column, computed once per distinct name."""
    codes, uniques = pd.factorize(names)
    return np.array([_translit(name) for name in uniques], dtype=object)[codes]


def history_window(end_date: date) -> tuple[int, int]:
    """First and last day numbers of the three-year sales history ending on ``end_date`` (inclusive)."""
    return _day((pd.Timestamp(end_date) - pd.DateOffset(years=3)).date()), _day(end_date)


def _documents(rng: np.random.Generator, frame: pd.DataFrame, end_date: date) -> dict[str, np.ndarray]:
    """Clean passport, personal INN, SNILS, loyalty card number and registration day of each person."""
    n = len(frame)
    regions = np.array(_CITY_REGION)[frame["city_idx"].to_numpy()]
    birth_year = pd.to_datetime(frame["birth_day"], unit="D").dt.year.to_numpy()
    issue = np.where(birth_year + 45 <= end_date.year, birth_year + 45,
                     np.where(birth_year + 20 <= end_date.year, birth_year + 20, birth_year + 14))
    series = regions[:, 1] * 100 + issue % 100
    number = rng.integers(100000, 1000000, n)
    first10 = regions[:, 0] * 10 ** 8 + rng.integers(1, 40, n) * 10 ** 6 + rng.integers(1, 10 ** 6, n)

    def draw_snils(r: np.random.Generator, size: int) -> np.ndarray:
        nums = r.integers(2_000_000, 999_999_999, size)
        digits = (nums[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        triple = ((digits[:, 1:-1] == digits[:, :-2]) & (digits[:, 1:-1] == digits[:, 2:])).any(axis=1)
        return np.where(triple, -1, nums)

    snils = _unique_numbers(rng, n, draw_snils)
    card = rng.choice(10 ** 9, n, replace=False)
    start, end = history_window(end_date)
    before = rng.random(n) < 0.4  # customers registered before the sales history starts
    registered = np.where(before, rng.integers(start - 5 * 365, start, n), rng.integers(start, end + 1, n))
    adult = frame["birth_day"].to_numpy() + 16 * 365

    def text(values: pa.Array) -> np.ndarray:
        return values.to_numpy(zero_copy_only=False)

    return {
        "passport": text(concat_text(int_text(series, 4), " ", int_text(number, 6))), "passport_series": series,
        "passport_number": number, "inn": text(int_text(inn_check_digits(first10), 12)), "snils_number": snils,
        "snils": text(_format_snils(snils, snils_control(snils))), "card_number": card,
        "card_no": text(int_text(card, 10)), "registered_day": np.minimum(np.maximum(registered, adult), end),
    }


# ----------------------------------------------------------------------------------------------------------------------
# Records: every person as one or more customer records in 1C and/or the loyalty app.

_ONEC_NAME_FORMATS = (76, 5, 5, 6, 6, 2)  # F I O | I O F | I F | F I.O. | F I | F  (code 6 = I O, duplicates only)
_ONEC_PHONE_FORMATS = (30, 14, 14, 8, 10, 9, 7, 3, 2, 3)  # see _phone_variant
_LOYALTY_PHONE_FORMATS = (40, 30, 15, 15)
_ADDRESS_FORMATS = (50, 25, 15, 10)
_PASSPORT_FORMATS = (55, 20, 10, 15)
_SECONDS_PER_DAY = 86400


def _by_code(codes: np.ndarray, build) -> pa.Array:
    """Assemble a string column row by row from per-code builders ``build(code, rows) -> pa.Array``."""
    pieces, order = [], []
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        pieces.append(_arr(build(int(code), rows)))
        order.append(rows)
    rows_all = np.concatenate(order) if order else np.empty(0, dtype=np.int64)
    inverse = np.empty(len(codes), dtype=np.int64)
    inverse[rows_all] = np.arange(len(rows_all))
    values = pa.concat_arrays(pieces) if pieces else pa.array([], pa.string())
    return values.take(pa.array(inverse))


def _choice_codes(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Variant codes 0..len(weights)-1 drawn with the given weights."""
    return rng.choice(len(weights), size, p=np.asarray(weights, float) / np.sum(weights))


def _phone_parts(national: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """A 10-digit number split as 916 | 123 | 45 | 67."""
    return (int_text(national // 10 ** 7, 3), int_text(national // 10 ** 4 % 1000, 3),
            int_text(national // 100 % 100, 2),
            int_text(national % 100, 2))


def _phone_variant(code: int, national: np.ndarray, second: np.ndarray, ext: np.ndarray) -> pa.Array:
    """One written form of mobile numbers (codes 0-9: 1C forms, 10-13: loyalty text forms)."""
    c, a, b, d = _phone_parts(national)
    forms = {
        0: ("8 (", c, ") ", a, "-", b, "-", d), 1: ("+7 ", c, " ", a, " ", b, " ", d), 2: ("8", c, a, b, d),
        3: (c, a, b, d), 4: ("8-", c, "-", a, "-", b, "-", d), 5: ("+7(", c, ")", a, "-", b, "-", d),
        6: ("+7", c, a, b, d), 7: ("8 ", c, " ", a, "-", b, "-", d),
        8: ("8-", c, "-", a, "-", b, "-", d, " доб. ", int_text(ext)),
        10: ("+7 (", c, ") ", a, "-", b, "-", d), 11: ("+7", c, a, b, d), 12: ("8 ", c, " ", a, " ", b, " ", d),
        13: ("8", c, a, b, d),
    }
    if code == 9:  # two numbers: the mobile and a second (landline or another mobile)
        c2, a2, b2, d2 = _phone_parts(second)
        return concat_text("8 ", c, " ", a, "-", b, "-", d, ", 8 ", c2, " ", a2, "-", b2, "-", d2)
    return concat_text(*forms[code])


def _replace_yo(values: pa.Array) -> pa.Array:
    """The same names written with е instead of ё (a standard variant)."""
    return pc.replace_substring(pc.replace_substring(values, "ё", "е"), "Ё", "Е")


def _typo(words: list[str], u: np.ndarray, letters: np.ndarray) -> list[str]:
    """One letter of each word (not the first or the last two) replaced by another Cyrillic letter."""
    out = []
    for word, ui, li in zip(words, u, letters):
        if len(word) < 5:
            out.append(word)
            continue
        pos = 1 + int(ui * (len(word) - 3))
        new = _TYPO_LETTERS[li] if _TYPO_LETTERS[li] != word[pos] else _TYPO_LETTERS[(li + 1) % len(_TYPO_LETTERS)]
        out.append(word[:pos] + new + word[pos + 1:])
    return out


def make_records(rng: np.random.Generator, persons: pd.DataFrame, end_date: date) -> pa.Table:
    """Customer records of both systems with clean (standard-variant) raw values, before dirt injection."""
    rec = _record_skeleton(rng, persons, end_date)
    m = rec.num_rows
    pi = rec["person"].to_numpy()
    onec = _np(pc.equal(rec["source"], "1c"))
    dup = rec["is_dup"].to_numpy()
    cols: dict[str, pa.Array] = {}
    cols.update(_record_names(rng, persons, pi, onec, dup))
    female = persons["gender"].to_numpy()[pi] == "F"
    gender_present = rng.random(m) < np.where(onec, 0.85, 0.88)
    cols["gender"] = _where(~gender_present, "", _where(onec, _where(female, "Женский", "Мужской"),
                                                      _where(female, "f", "m")))
    birth = persons["birth_day"].to_numpy()[pi]
    birth_present = rng.random(m) < np.where(onec, 0.75, 0.8)
    cols["birth_date"] = _where(birth_present, _where(onec, format_days(birth, "%d.%m.%Y"),
                                                      format_days(birth, "%Y-%m-%d")), _where(onec, "01.01.0001", ""))
    cols.update(_record_contacts(rng, persons, pi, onec, dup))
    cols.update(_record_places(rng, persons, pi, onec))
    cols.update(_record_documents(rng, persons, pi, onec, dup))
    cols.update(_record_consents(rng, onec))
    missing = np.flatnonzero(dup & (rng.random(m) < 0.3))  # duplicates often lack a field the original has
    which = rng.integers(0, 4, len(missing))
    for field, code in (("phone", 0), ("email", 1), ("birth_date", 2), ("city", 3)):
        mask = np.zeros(m, bool)
        mask[missing[which == code]] = True
        empty = _where(onec, "01.01.0001", "") if field == "birth_date" else pa.array([""] * m)
        cols[field] = pc.if_else(pa.array(mask), empty, cols[field])
        if field == "phone":
            cols["phone_is_number"] = pa.array(cols["phone_is_number"].to_numpy(zero_copy_only=False) & ~mask)
    for name, values in cols.items():
        rec = rec.append_column(name, values)
    return rec


def _record_skeleton(rng: np.random.Generator, persons: pd.DataFrame, end_date: date) -> pa.Table:
    """Which records exist: system membership, duplicates, registration/update times and source ids."""
    n = len(persons)
    end = _day(end_date)
    reg = persons["registered_day"].to_numpy()
    u = rng.random(n)
    in_1c, in_loy = u < 0.65, u >= 0.45
    both = in_1c & in_loy
    first_1c = rng.random(n) < 0.5
    later = reg + ((end - reg) * rng.random(n) ** 2).astype(np.int64)
    reg_1c = np.where(both & ~first_1c, later, reg)
    reg_loy = np.where(both & first_1c, later, reg)
    p1, pl = np.flatnonzero(in_1c), np.flatnonzero(in_loy)
    d1, dl = p1[rng.random(len(p1)) < 0.04], pl[rng.random(len(pl)) < 0.02]
    person = np.concatenate([p1, d1, pl, dl])
    onec = np.arange(len(person)) < len(p1) + len(d1)
    is_dup = np.concatenate([np.zeros(len(p1), bool), np.ones(len(d1), bool), np.zeros(len(pl), bool),
                             np.ones(len(dl), bool)])
    reg_day = np.where(onec, reg_1c[person], reg_loy[person])
    m = len(person)
    reg_day = reg_day + np.where(is_dup, ((end - reg_day) * rng.random(m)).astype(np.int64) + 1, 0)
    reg_day = np.minimum(reg_day, end)
    reg_ts = reg_day * _SECONDS_PER_DAY + rng.integers(9 * 3600, 21 * 3600 + 40 * 60, m)
    end_ts = end * _SECONDS_PER_DAY + 22 * 3600
    updated = rng.random(m) < 0.8
    upd_ts = reg_ts + np.where(updated, ((end_ts - reg_ts) * rng.random(m) ** 2).astype(np.int64), 0)
    ids = np.empty(m, dtype=np.int64)
    tiebreak = rng.random(m)
    for system, base in ((True, 1000), (False, 100000)):
        rows = np.flatnonzero(onec == system)
        order = rows[np.lexsort((tiebreak[rows], reg_ts[rows]))]
        ids[order] = base + 1 + np.arange(len(order))
    source_id = _where(onec, int_text(ids, 9), int_text(ids))
    order = np.lexsort((ids, ~onec))
    table = pa.table({
        "source": _where(onec, "1c", "loyalty"), "source_id": source_id, "person": person, "is_dup": is_dup,
        "registered": reg_ts.astype("datetime64[s]"), "updated": upd_ts.astype("datetime64[s]"),
    })
    return table.take(pa.array(order))


def _record_names(rng: np.random.Generator, persons: pd.DataFrame, pi: np.ndarray, onec: np.ndarray,
                  dup: np.ndarray) -> dict[str, pa.Array]:
    """Names as written in each system: 1C one field in several orders, loyalty split fields; typos in duplicates."""
    m = len(pi)
    last = _arr(persons["last_name"].to_numpy()[pi])
    first = _arr(persons["first_name"].to_numpy()[pi])
    patr = _arr(persons["patronymic"].to_numpy()[pi])
    yo = pa.array(rng.random(m) < 0.5)
    last, first, patr = (pc.if_else(yo, _replace_yo(x), x) for x in (last, first, patr))
    typo_rows = np.flatnonzero(dup & (rng.random(m) < 0.25))
    if len(typo_rows):
        fixed = _typo(last.take(pa.array(typo_rows)).to_pylist(), rng.random(len(typo_rows)),
                      rng.integers(0, len(_TYPO_LETTERS), len(typo_rows)))
        mask = np.zeros(m, bool)
        mask[typo_rows] = True
        last = pc.replace_with_mask(last, pa.array(mask), pa.array(fixed, pa.string()))
    fmt = _choice_codes(rng, _ONEC_NAME_FORMATS, m)
    fmt[dup & (rng.random(m) < 0.15)] = 6

    def build(code: int, rows: np.ndarray) -> pa.Array:
        la, fi, pa_ = (x.take(pa.array(rows)) for x in (last, first, patr))
        init = concat_text(pc.utf8_slice_codeunits(fi, 0, 1), ".", pc.utf8_slice_codeunits(pa_, 0, 1), ".")
        return {0: lambda: concat_text(la, " ", fi, " ", pa_), 1: lambda: concat_text(fi, " ", pa_, " ", la),
                2: lambda: concat_text(fi, " ", la), 3: lambda: concat_text(la, " ", init),
                4: lambda: concat_text(la, " ", fi),
                5: lambda: la, 6: lambda: concat_text(fi, " ", pa_)}[code]()

    name = _by_code(fmt, build)
    case = rng.random(m)
    name = pc.if_else(pa.array(case < 0.04), pc.utf8_upper(name), name)
    name = pc.if_else(pa.array((case >= 0.04) & (case < 0.06)), pc.utf8_lower(name), name)
    double_space = pc.replace_substring(name, " ", "  ", max_replacements=1)
    name = pc.if_else(pa.array((case >= 0.06) & (case < 0.09)), double_space, name)
    name = pc.if_else(pa.array((case >= 0.09) & (case < 0.11)), concat_text(name, " "), name)
    lcase = rng.random(m)
    split = []
    for values, present in ((last, rng.random(m) < 0.97), (first, np.ones(m, bool)), (patr, rng.random(m) < 0.8)):
        values = pc.if_else(pa.array(lcase < 0.03), pc.utf8_lower(values), values)
        values = pc.if_else(pa.array((lcase >= 0.03) & (lcase < 0.05)), pc.utf8_upper(values), values)
        split.append(_where(present & ~onec, values, ""))
    return {"name": _where(onec, name, ""), "last_name": split[0], "first_name": split[1], "middle_name": split[2],
            "name_has_first": pa.array(onec & np.isin(fmt, (0, 1, 2, 4, 6)) | ~onec)}


def _record_contacts(rng: np.random.Generator, persons: pd.DataFrame, pi: np.ndarray, onec: np.ndarray,
                     dup: np.ndarray) -> dict[str, pa.Array]:
    """Phone and e-mail as written in each system; duplicates get a second phone or another e-mail domain."""
    m = len(pi)
    national = persons["phone"].to_numpy()[pi]
    landline = _draw_landlines(rng, np.array([int(c) for c in _CITY_LANDLINE])[persons["city_idx"].to_numpy()[pi]])
    second_mobile = dup & onec & (rng.random(m) < 0.3)
    second = landline.copy()
    second[second_mobile] = _unique_numbers(rng, int(second_mobile.sum()), _draw_mobile)
    fmt = np.where(onec, _choice_codes(rng, _ONEC_PHONE_FORMATS, m), 10 + _choice_codes(rng, _LOYALTY_PHONE_FORMATS, m))
    fmt[second_mobile] = 9
    ext = rng.integers(10, 999, m)
    phone = _by_code(fmt, lambda code, rows: _phone_variant(code, national[rows], second[rows], ext[rows]))
    as_number = ~onec & (rng.random(m) < 0.5)
    phone = _where(as_number, concat_text("7", int_text(national)), phone)
    present = rng.random(m) < np.where(onec, 0.88, 0.97)
    email = persons["email"].to_numpy()[pi]
    has_email = persons["has_email"].to_numpy()[pi] & (rng.random(m) < np.where(onec, 0.55, 0.7))
    other = dup & has_email & (rng.random(m) < 0.4)
    clean = _arr(np.where(has_email, email, ""))
    if other.any():
        domains = np.array([d for d, _ in _DOMAINS], dtype=object)
        parts = pc.split_pattern(clean.filter(pa.array(other)), "@")
        local = pc.list_element(parts, 0)
        current = np.array(pc.list_element(parts, 1).to_pylist(), dtype=object)
        pick = domains[rng.integers(0, len(domains), other.sum())]
        pick = np.where(pick == current, domains[(np.searchsorted(domains, pick, sorter=np.argsort(domains)) + 1)
                                                 % len(domains)], pick)
        clean = pc.replace_with_mask(clean, pa.array(other), concat_text(local, "@", _arr(pick)))
    case = rng.random(m)
    raw = pc.if_else(pa.array(case < 0.03), pc.utf8_capitalize(clean), clean)
    raw = pc.if_else(pa.array((case >= 0.03) & (case < 0.04)), pc.utf8_upper(clean), raw)
    return {"phone": _where(present, phone, ""), "phone_is_number": pa.array(present & as_number),
            "phone_national": pa.array(np.where(present, national, 0)), "email": raw, "email_clean": clean}


def _record_places(rng: np.random.Generator, persons: pd.DataFrame, pi: np.ndarray,
                   onec: np.ndarray) -> dict[str, pa.Array]:
    """Country, city and address in the standard variants of each system."""
    m = len(pi)
    country = _where(onec, _weighted(rng, _COUNTRY_1C, m), _weighted(rng, _COUNTRY_LOYALTY, m))
    city_idx = persons["city_idx"].to_numpy()[pi]
    city = _by_code(city_idx, lambda code, rows: _weighted(rng, _CITY_VARIANTS[CITIES[code]], len(rows)))
    city = _where(rng.random(m) < np.where(onec, 0.85, 0.8), city, "")
    p = persons.iloc[pi]
    town, street = _arr(p["city"].to_numpy()), _arr(p["street"].to_numpy())
    house, apt, postcode = (int_text(p[column].to_numpy()) for column in ("house", "apt", "postcode"))
    forms = {0: lambda r: concat_text(postcode.take(r), ", г. ", town.take(r), ", ул. ", street.take(r), ", д. ",
                                      house.take(r), ", кв. ", apt.take(r)),
             1: lambda r: concat_text("г. ", town.take(r), ", ул. ", street.take(r), ", д. ", house.take(r),
                                      ", кв. ", apt.take(r)),
             2: lambda r: concat_text(town.take(r), ", ", street.take(r), " ", house.take(r), "-", apt.take(r)),
             3: lambda r: concat_text("ул. ", street.take(r), ", д. ", house.take(r), ", кв. ", apt.take(r))}
    address = _by_code(_choice_codes(rng, _ADDRESS_FORMATS, m), lambda code, rows: forms[code](pa.array(rows)))
    address = _where(onec & (rng.random(m) < 0.65), address, "")
    return {"country": country, "city": city, "address": address}


def _record_documents(rng: np.random.Generator, persons: pd.DataFrame, pi: np.ndarray, onec: np.ndarray,
                      dup: np.ndarray) -> dict[str, pa.Array]:
    """Passport, INN, SNILS (1C only) and the loyalty card number; some duplicates carry a newly issued card."""
    m = len(pi)
    series = persons["passport_series"].to_numpy()[pi]
    number = int_text(persons["passport_number"].to_numpy()[pi], 6)
    s4 = int_text(series, 4)
    forms = {0: lambda r: concat_text(s4.take(r), " ", number.take(r)),
             1: lambda r: concat_text(int_text(series[r] // 100, 2), " ", int_text(series[r] % 100, 2), " ",
                                      number.take(r)),
             2: lambda r: concat_text("серия ", s4.take(r), " № ", number.take(r)),
             3: lambda r: concat_text(s4.take(r), number.take(r))}
    passport = _by_code(_choice_codes(rng, _PASSPORT_FORMATS, m), lambda code, rows: forms[code](pa.array(rows)))
    card = persons["card_no"].to_numpy()[pi].copy()
    new_card = np.flatnonzero(dup & (rng.random(m) < 0.3))
    taken = persons["card_number"].to_numpy()
    fresh = _unique_numbers(rng, len(new_card),
                            lambda r, size: np.where(np.isin(c := r.integers(0, 10 ** 9, size), taken), -1, c))
    card[new_card] = np.array(int_text(fresh, 10).to_pylist(), dtype=object)
    return {
        "passport": _where(onec & (rng.random(m) < 0.45), passport, ""),
        "inn": _where(onec & (rng.random(m) < 0.35), _arr(persons["inn"].to_numpy()[pi]), ""),
        "snils": _where(onec & (rng.random(m) < 0.3), _arr(persons["snils"].to_numpy()[pi]), ""),
        "card": _where(rng.random(m) < np.where(onec, 0.6, 0.95), _arr(card), ""),
    }


def _record_consents(rng: np.random.Generator, onec: np.ndarray) -> dict[str, pa.Array]:
    """Marketing consents: 1C 'Да'/'Нет'/'' text, loyalty 1/0 flags (kept as text here)."""
    m = len(onec)
    sms = _where(onec, _weighted(rng, (("Да", 55), ("Нет", 30), ("", 15)), m), _where(rng.random(m) < 0.65, "1", "0"))
    email = _where(onec, _weighted(rng, (("Да", 45), ("Нет", 35), ("", 20)), m), _where(rng.random(m) < 0.5, "1", "0"))
    viber = _where(~onec & (rng.random(m) < 0.45), "1", _where(onec, "", "0"))
    return {"consent_sms": sms, "consent_email": email, "consent_viber": viber}


# ----------------------------------------------------------------------------------------------------------------------
# Dirt: replace a share of clean values by typical errors and keep one truth row per injected error.

_FIELDS = ("name", "gender", "phone", "email", "birth_date", "country", "city", "passport", "inn", "snils")


def inject_errors(rng: np.random.Generator, records: pa.Table, persons: pd.DataFrame,
                  end_date: date) -> tuple[pa.Table, pd.DataFrame]:
    """Dirty records and the errors truth (one row per injected error); adds phone_ok / email_ok flags."""
    cols = {name: records[name].combine_chunks() for name in records.column_names}
    m = records.num_rows
    onec = _np(pc.equal(cols["source"], "1c"))
    pi = cols["person"].to_numpy()
    turkic = _np(pc.match_substring(_arr(persons["patronymic"].to_numpy()), " "))[pi]  # 'Рашид оглы'/'кызы'
    dirty = {field: np.zeros(m, bool) for field in _FIELDS}
    ctx = {"cols": cols, "persons": persons, "pi": pi, "onec": onec, "end": _day(end_date)}
    found: list[pd.DataFrame] = []

    def apply(code: str, rows: np.ndarray) -> None:
        field = ERROR_TYPES[code][0]
        rows = np.sort(rows)
        if not len(rows):
            return
        mask = np.zeros(m, bool)
        mask[rows] = True
        for col, values in _MAKERS[code](rng, ctx, rows).items():
            new = _arr(values) if not isinstance(values, str) else pa.array([values] * len(rows), pa.string())
            cols[col] = pc.replace_with_mask(cols[col], pa.array(mask), new)
        if field == "phone":
            cols["phone_is_number"] = pa.array(cols["phone_is_number"].to_numpy(zero_copy_only=False) & ~mask)
        dirty[field][rows] = True
        found.append(pd.DataFrame({
            "source": cols["source"].take(pa.array(rows)).to_numpy(zero_copy_only=False),
            "source_id": cols["source_id"].take(pa.array(rows)).to_numpy(zero_copy_only=False),
            "field": field, "error_type": code,
            "raw_value": _raw_field(cols, field, rows, onec).to_numpy(zero_copy_only=False),
            "clean_value": _clean_field(ctx, field, rows).to_numpy(zero_copy_only=False),
        }))

    def present(field: str) -> np.ndarray:
        if field == "name":
            return np.ones(m, bool)
        return _np(pc.and_(pc.not_equal(cols[field], ""), pc.not_equal(cols[field], "01.01.0001")))

    dup = cols["is_dup"].to_numpy(zero_copy_only=False)
    apply("birth_date_partial", np.flatnonzero(~onec & dup & present("birth_date") & (rng.random(m) < 0.3)))
    has_last = _np(pc.not_equal(cols["last_name"], ""))
    has_middle = _np(pc.not_equal(cols["middle_name"], ""))
    lookalike = _np(pc.match_substring_regex(_where(onec, cols["name"], cols["last_name"]),
                                             "[" + "".join(_LATIN_LOOKALIKE) + "]"))
    extra = {
        "name_latin_letters": lookalike,
        "name_patronymic_in_surname": has_last & has_middle & ~turkic,
        "name_swapped": has_last,
        "gender_conflict": _np(cols["name_has_first"]) & ~turkic,
    }
    for code, (field, systems, rate) in ERROR_TYPES.items():
        in_system = onec if systems == ("1c",) else ~onec if systems == ("loyalty",) else np.ones(m, bool)
        eligible = in_system & present(field) & ~dirty[field] & extra.get(code, True)
        if code == "gender_conflict":
            eligible &= ~dirty["name"]
        rows = np.flatnonzero(eligible)
        k = min(len(rows), max(1, int(round(rate * len(rows)))))
        apply(code, rng.choice(rows, k, replace=False) if k else rows)
    phone_ok = _np(pc.not_equal(cols["phone"], "")) & ~dirty["phone"]
    email_ok = _np(pc.not_equal(cols["email"], "")) & ~dirty["email"]
    out = pa.table(cols).append_column("phone_ok", pa.array(phone_ok)).append_column("email_ok", pa.array(email_ok))
    errors = pd.concat(found, ignore_index=True) if found else pd.DataFrame(
        columns=["source", "source_id", "field", "error_type", "raw_value", "clean_value"])
    errors = errors.sort_values(["source", "source_id", "field"], kind="stable").reset_index(drop=True)
    return out, errors


def _raw_field(cols: dict[str, pa.Array], field: str, rows: np.ndarray, onec: np.ndarray) -> pa.Array:
    """The value of a field as the source holds it (loyalty names joined as 'last first middle')."""
    take = pa.array(rows)
    if field != "name":
        return cols[field].take(take)
    joined = concat_text(cols["last_name"].take(take), " ", cols["first_name"].take(take), " ",
                         cols["middle_name"].take(take))
    joined = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, " +", " "))
    return _where(onec[rows], cols["name"].take(take), joined)


def _clean_field(ctx: dict, field: str, rows: np.ndarray) -> pa.Array:
    """The true value of a field for the record's person (canonical form)."""
    p = ctx["persons"].iloc[ctx["pi"][rows]]
    if field == "name":
        return concat_text(_arr(p["last_name"].to_numpy()), " ", _arr(p["first_name"].to_numpy()), " ",
                           _arr(p["patronymic"].to_numpy()))
    if field == "phone":
        return concat_text("+7", int_text(p["phone"].to_numpy()))
    if field == "email":
        return ctx["cols"]["email_clean"].take(pa.array(rows))
    if field == "birth_date":
        return format_days(p["birth_day"].to_numpy(), "%Y-%m-%d")
    if field == "country":
        return pa.array(["Россия"] * len(rows), pa.string())
    return _arr(p[field].to_numpy())


def _latin_letters(words: list[str], u: np.ndarray) -> list[str]:
    """Replace one or two Cyrillic letters by their Latin look-alikes."""
    out = []
    for word, (a, b, two) in zip(words, u):
        chars = list(word)
        positions = [i for i, ch in enumerate(chars) if ch in _LATIN_LOOKALIKE]
        for pick in () if not positions else (a, b) if two < 0.4 else (a,):
            i = positions[int(pick * len(positions))]
            chars[i] = _LATIN_LOOKALIKE.get(chars[i], chars[i])
        out.append("".join(chars))
    return out


def _mk_latin(rng, ctx, rows):
    cols, onec = ctx["cols"], ctx["onec"][rows]
    updates = {}
    for col, sel in (("name", onec), ("last_name", ~onec)):
        words = cols[col].take(pa.array(rows)).to_pylist()
        new = _latin_letters(words, rng.random((len(rows), 3)))
        updates[col] = _where(sel, pa.array(new, pa.string()), cols[col].take(pa.array(rows)))
    return updates


def _mk_patronymic_in_surname(rng, ctx, rows):
    return {"last_name": ctx["cols"]["middle_name"].take(pa.array(rows)), "middle_name": ""}


def _mk_swapped(rng, ctx, rows):
    cols = ctx["cols"]
    return {"last_name": cols["first_name"].take(pa.array(rows)), "first_name": cols["last_name"].take(pa.array(rows))}


def _mk_junk(rng, ctx, rows):
    junk = _pick(rng, _JUNK_NAMES, len(rows))
    cols, onec = ctx["cols"], ctx["onec"][rows]
    take = pa.array(rows)
    loyalty_last = _where(rng.random(len(rows)) < 0.5, _pick(rng, _JUNK_NAMES, len(rows)), "")
    return {"name": _where(onec, junk, cols["name"].take(take)),
            "first_name": _where(onec, cols["first_name"].take(take), junk),
            "last_name": _where(onec, cols["last_name"].take(take), loyalty_last),
            "middle_name": _where(onec, cols["middle_name"].take(take), "")}


def _mk_gender_conflict(rng, ctx, rows):
    female = ctx["persons"]["gender"].to_numpy()[ctx["pi"][rows]] == "F"
    return {"gender": _where(ctx["onec"][rows], _where(female, "Мужской", "Женский"), _where(female, "m", "f"))}


def _mk_phone_fake(rng, ctx, rows):
    return {"phone": _pick(rng, _PHONE_FAKE, len(rows))}


def _mk_phone_too_short(rng, ctx, rows):
    national = ctx["persons"]["phone"].to_numpy()[ctx["pi"][rows]]
    six = national % 10 ** 6
    dashed = concat_text(int_text(six // 10 ** 4, 2), "-", int_text(six // 100 % 100, 2), "-", int_text(six % 100, 2))
    return {"phone": _where(rng.random(len(rows)) < 0.5, dashed, int_text(national // 10 ** 4))}


def _mk_phone_text(rng, ctx, rows):
    return {"phone": _pick(rng, _PHONE_TEXT, len(rows))}


def _mk_phone_foreign(rng, ctx, rows):
    k = len(rows)
    a, b, c = (int_text(rng.integers(low, high, k)) for low, high in ((100, 1000), (10, 100), (10, 100)))
    kz = concat_text("8 7", _pick(rng, ("01", "05", "07", "47", "77"), k), " ", a, " ", b, " ", c)
    by = concat_text("+375 ", _pick(rng, ("29", "33", "44"), k), " ", a, "-", b, "-", c)
    return {"phone": _where(rng.random(k) < 0.5, kz, by)}


def _email_parts(ctx, rows) -> tuple[list[str], list[str]]:
    """Local parts and domains of the records' clean e-mails."""
    emails = ctx["cols"]["email_clean"].take(pa.array(rows)).to_pylist()
    parts = [e.split("@") for e in emails]
    return [p[0] for p in parts], [p[1] for p in parts]


def _mk_email_domain_typo(rng, ctx, rows):
    local, domain = _email_parts(ctx, rows)
    u = rng.random(len(rows))
    # a comma for the dot ('mail,ru') is a typo too: the audit can fix it
    typo = [(*_DOMAIN_TYPOS[d], d.replace(".", ","))[int(x * (len(_DOMAIN_TYPOS[d]) + 1))] for d, x in zip(domain, u)]
    return {"email": [f"{lo}@{t}" for lo, t in zip(local, typo)]}


def _mk_email_invalid(rng, ctx, rows):
    local, domain = _email_parts(ctx, rows)
    forms = (lambda lo, d: f"{lo}@@{d}", lambda lo, d: f"{lo}.{d}", lambda lo, d: f"{lo}@{d.rsplit('.', 1)[0]}")
    codes = rng.integers(0, len(forms), len(rows))
    return {"email": [forms[c](lo, d) for lo, d, c in zip(local, domain, codes)]}


def _mk_email_spam(rng, ctx, rows):
    return {"email": _pick(rng, _EMAIL_SPAM, len(rows))}


def _mk_email_placeholder(rng, ctx, rows):
    return {"email": _pick(rng, _EMAIL_PLACEHOLDER, len(rows))}


def _birth_text(ctx, rows, days: np.ndarray) -> pa.Array:
    """Birth dates in each system's format."""
    return _where(ctx["onec"][rows], format_days(days, "%d.%m.%Y"), format_days(days, "%Y-%m-%d"))


def _person_birth(ctx, rows) -> np.ndarray:
    return ctx["persons"]["birth_day"].to_numpy()[ctx["pi"][rows]]


def _mk_birth_future(rng, ctx, rows):
    k = len(rows)
    days = np.where(rng.random(k) < 0.5, _person_birth(ctx, rows) + 36524, ctx["end"] + rng.integers(30, 1100, k))
    return {"birth_date": _birth_text(ctx, rows, days)}


def _mk_birth_too_old(rng, ctx, rows):
    k = len(rows)
    lo, hi, y1900 = _day(date(1880, 1, 1)), _day(date(1912, 12, 31)), _day(date(1900, 1, 1))
    days = np.where(rng.random(k) < 0.25, y1900, rng.integers(lo, hi + 1, k))
    return {"birth_date": _birth_text(ctx, rows, days)}


def _mk_birth_too_young(rng, ctx, rows):
    days = ctx["end"] - rng.integers(365, 13 * 365, len(rows))
    return {"birth_date": _birth_text(ctx, rows, days)}


def _mk_birth_partial(rng, ctx, rows):
    days = _person_birth(ctx, rows)
    return {"birth_date": _where(rng.random(len(rows)) < 0.6, format_days(days, "%Y"), format_days(days, "%d.%m"))}


def _mk_birth_unparseable(rng, ctx, rows):
    days = _person_birth(ctx, rows)
    year, day = format_days(days, "%Y"), format_days(days, "%d")
    forms = pc.choose(pa.array(rng.integers(0, 3, len(rows)).astype(np.int8)), concat_text(year, "-02-30"),
                      concat_text(year, "-13-", day), concat_text(year, "-00-", day))
    return {"birth_date": forms}


def _mk_country_unknown(rng, ctx, rows):
    return {"country": _pick(rng, _COUNTRY_UNKNOWN, len(rows))}


def _mk_city_misspelt(rng, ctx, rows):
    city = ctx["persons"]["city_idx"].to_numpy()[ctx["pi"][rows]]
    lut = [_CITY_MISSPELT[c] for c in CITIES]
    flat = np.array([v for variants in lut for v in variants], dtype=object)
    offset = np.cumsum([0] + [len(v) for v in lut])
    count = np.diff(offset)
    return {"city": _arr(flat[offset[city] + (rng.random(len(rows)) * count[city]).astype(np.int64)])}


def _mk_city_unknown(rng, ctx, rows):
    return {"city": _pick(rng, _CITY_UNKNOWN, len(rows))}


def _mk_passport_invalid(rng, ctx, rows):
    p = ctx["persons"].iloc[ctx["pi"][rows]]
    series, number = p["passport_series"].to_numpy(), p["passport_number"].to_numpy()
    short = concat_text(int_text(series // 100, 2), " ", int_text(series % 100, 2), " ", int_text(number // 10, 5))
    code = pa.array(rng.integers(0, 3, len(rows)).astype(np.int8))
    k = len(rows)
    return {"passport": pc.choose(code, pa.array(["АБВГДЕЖЗ"] * k), pa.array(["0000 000000"] * k), short)}


def _mk_inn_invalid(rng, ctx, rows):
    inn = ctx["persons"]["inn"].to_numpy()[ctx["pi"][rows]].astype(np.int64)
    k = len(rows)
    wrong = inn // 10 * 10 + (inn % 10 + rng.integers(1, 10, k)) % 10
    code = pa.array(rng.integers(0, 3, k).astype(np.int8))
    return {"inn": pc.choose(code, int_text(wrong, 12), pa.array(["000000000000"] * k), int_text(inn // 10, 11))}


def _mk_snils_invalid(rng, ctx, rows):
    number = ctx["persons"]["snils_number"].to_numpy()[ctx["pi"][rows]]
    control = (snils_control(number) + rng.integers(1, 100, len(rows))) % 100
    return {"snils": _format_snils(number, control)}


_MAKERS = {
    "name_latin_letters": _mk_latin, "name_patronymic_in_surname": _mk_patronymic_in_surname,
    "name_swapped": _mk_swapped, "name_junk": _mk_junk, "gender_conflict": _mk_gender_conflict,
    "phone_fake": _mk_phone_fake, "phone_too_short": _mk_phone_too_short, "phone_text": _mk_phone_text,
    "phone_foreign": _mk_phone_foreign, "email_domain_typo": _mk_email_domain_typo,
    "email_invalid": _mk_email_invalid, "email_spam": _mk_email_spam, "email_placeholder": _mk_email_placeholder,
    "birth_date_future": _mk_birth_future, "birth_date_too_old": _mk_birth_too_old,
    "birth_date_too_young": _mk_birth_too_young, "birth_date_partial": _mk_birth_partial,
    "birth_date_unparseable": _mk_birth_unparseable, "country_unknown": _mk_country_unknown,
    "city_misspelt": _mk_city_misspelt, "city_unknown": _mk_city_unknown, "passport_invalid": _mk_passport_invalid,
    "inn_invalid": _mk_inn_invalid, "snils_invalid": _mk_snils_invalid,
}


# ----------------------------------------------------------------------------------------------------------------------
# Output tables.

def onec_customers(records: pa.Table) -> pa.Table:
    """The 1C «Контрагенты» export (all text) in file column order."""
    r = records.filter(pc.equal(records["source"], "1c"))
    reg = r["registered"].to_numpy().astype("datetime64[D]").astype(np.int64)
    upd = r["updated"].to_numpy().astype("datetime64[D]").astype(np.int64)
    return pa.table({
        "Код": r["source_id"], "Наименование": r["name"], "Пол": r["gender"], "ДатаРождения": r["birth_date"],
        "Телефон": r["phone"], "ЭлПочта": r["email"], "Страна": r["country"], "Город": r["city"],
        "Адрес": r["address"], "Паспорт": r["passport"], "ИНН": r["inn"], "СНИЛС": r["snils"],
        "НомерКарты": r["card"], "ДатаРегистрации": format_days(reg, "%d.%m.%Y"),
        "ДатаИзменения": format_days(upd, "%d.%m.%Y"), "СогласиеSMS": r["consent_sms"],
        "СогласиеEmail": r["consent_email"],
    })


def loyalty_customers(records: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """The loyalty 'clients' sheet and the mask of phone cells to be written as numbers."""
    r = records.filter(pc.equal(records["source"], "loyalty"))
    flags = {name: pc.cast(r[name], pa.int64()) for name in ("consent_sms", "consent_email", "consent_viber")}
    table = pa.table({
        "client_id": pc.cast(r["source_id"], pa.int64()), "last_name": r["last_name"], "first_name": r["first_name"],
        "middle_name": r["middle_name"], "gender": r["gender"], "birthday": r["birth_date"], "phone": r["phone"],
        "email": r["email"], "country": r["country"], "city": r["city"], "card_no": r["card"],
        "created_at": r["registered"], "updated_at": r["updated"], "sms_consent": flags["consent_sms"],
        "email_consent": flags["consent_email"], "viber_consent": flags["consent_viber"],
    })
    return table, r["phone_is_number"].to_numpy()


def persons_truth(persons: pd.DataFrame) -> pd.DataFrame:
    """truth/persons.parquet."""
    return pd.DataFrame({
        "person_id": persons["person_id"], "last_name": persons["last_name"], "first_name": persons["first_name"],
        "patronymic": persons["patronymic"], "gender": persons["gender"],
        "birth_date": pd.to_datetime(persons["birth_day"], unit="D").dt.date, "city": persons["city"],
        "phone_e164": "+7" + persons["phone"].astype(str), "email": persons["email"],
        "spouse_of": persons["spouse_of"],
    })


def records_truth(records: pa.Table, persons: pd.DataFrame) -> pd.DataFrame:
    """truth/records.parquet: every record mapped to its person."""
    return pd.DataFrame({
        "source": records["source"].to_numpy(), "source_id": records["source_id"].to_numpy(),
        "person_id": persons["person_id"].to_numpy()[records["person"].to_numpy()],
    })
