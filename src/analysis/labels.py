"""Every user-facing label, in Russian and English, and number formatting for reports."""
from __future__ import annotations

import math

LANGUAGES = ("ru", "en")

STAGE_TITLES: dict[str, tuple[str, str]] = {
    "01_ingest": ("Загрузка данных", "Data ingest"),
    "02_quality_audit": ("Аудит качества данных", "Data quality audit"),
    "03_dedup": ("Дедупликация клиентов", "Customer deduplication"),
    "04_lifecycle_segments": ("Сегменты жизненного цикла", "Lifecycle segments"),
    "05_campaign_effect": ("Эффект рассылки", "Campaign effect"),
}

LABELS: dict[str, tuple[str, str]] = {
    # runner and index page
    "index.title": ("Отчёты по повторным продажам", "Repeat-sales reports"),
    "index.stage": ("Этап", "Stage"),
    "index.status": ("Статус", "Status"),
    "index.duration": ("Время, с", "Time, s"),
    "index.headlines": ("Главные цифры", "Headline figures"),
    "index.report": ("Отчёт", "Report"),
    "index.notebook": ("Ноутбук", "Notebook"),
    "index.run": ("Запуск", "Run"),
    "index.run_id": ("Идентификатор запуска", "Run id"),
    "index.as_of": ("Дата анализа", "Analysis date"),
    "index.started": ("Начало", "Started"),
    "index.profile": ("Профиль параметров", "Parameter profile"),
    "index.version": ("Версия пакета", "Package version"),
    "index.commit": ("Коммит", "Commit"),
    "index.inputs": ("Входные файлы", "Input files"),
    "index.failed_note": (
        "Этап завершился с ошибкой: последующие этапы не выполнялись. Ошибка показана в отчёте этапа.",
        "A stage failed: later stages were skipped. The stage report shows the error.",
    ),
    "status.ok": ("готово", "ok"),
    "status.failed": ("ошибка", "failed"),
    "status.skipped": ("пропущен", "skipped"),
    # ingest
    "ingest.rows_read": ("Строк прочитано", "Rows read"),
    "ingest.rows_loaded": ("Строк загружено", "Rows loaded"),
    "ingest.rows_quarantined": ("Строк в карантине", "Rows quarantined"),
    "ingest.values_blanked": ("Значений очищено", "Values blanked"),
    "ingest.customers": ("Клиентских записей", "Customer records"),
    "ingest.receipts": ("Чеков", "Receipts"),
    "ingest.revenue": ("Выручка, ₽", "Revenue, ₽"),
    "ingest.return_share": ("Доля возвратов", "Return share"),
    "ingest.source_name": ("Источник", "Source"),
    "ingest.system": ("Система", "System"),
    "ingest.table": ("Таблица", "Table"),
    "ingest.file": ("Файл", "File"),
    "ingest.first_date": ("Первая дата", "First date"),
    "ingest.last_date": ("Последняя дата", "Last date"),
    "ingest.month": ("Месяц", "Month"),
    "ingest.reason": ("Причина", "Reason"),
    "ingest.field": ("Поле", "Field"),
    "ingest.count": ("Количество", "Count"),
    "ingest.example": ("Пример (замаскирован)", "Example (masked)"),
    "ingest.row": ("Строка файла", "File row"),
    "ingest.store": ("Магазин в источнике", "Store in source"),
    "ingest.anonymous_share": ("Доля анонимных чеков", "Anonymous receipt share"),
    "ingest.orphans": ("Чеки с неизвестным клиентом", "Receipts with an unknown customer"),
    "ingest.share": ("Доля", "Share"),
    "ingest.returns": ("Возвраты", "Returns"),
    "quality.records": ("Записей проверено", "Records audited"),
    "quality.fixed": ("Значений исправлено", "Values fixed"),
    "quality.invalid": ("Ошибочных значений", "Invalid values"),
    "quality.scorecard": ("Качество полей по системам", "Field quality per system"),
    "quality.contactable": ("Доступность по каналам", "Reachability per channel"),
    "ingest.sales": ("Продажи", "Sales"),
}

# Report table headers: column name → label. `localize` renames the columns of a frame it knows.
COLUMNS: dict[str, tuple[str, str]] = {
    "source_name": ("Источник", "Source"), "system": ("Система", "System"), "source": ("Система", "System"),
    "table": ("Таблица", "Table"), "file": ("Файл", "File"), "rows": ("Строк", "Rows"),
    "rows_read": ("Прочитано", "Read"), "rows_loaded": ("Загружено", "Loaded"),
    "rows_quarantined": ("В карантине", "Quarantined"), "values_blanked": ("Значений очищено", "Values blanked"),
    "balanced": ("Сходится", "Balanced"), "first": ("Первая дата", "First date"), "last": ("Последняя дата", "Last date"),
    "month": ("Месяц", "Month"), "receipts": ("Чеков", "Receipts"), "revenue": ("Выручка, ₽", "Revenue, ₽"),
    "returns": ("Возвратов", "Returns"), "return_share": ("Доля возвратов", "Return share"),
    "revenue_returned_share": ("Доля возвращённой выручки", "Revenue returned"),
    "anonymous": ("Анонимных", "Anonymous"), "orphans": ("С неизвестным клиентом", "Unknown customer"),
    "reason": ("Причина", "Reason"), "field": ("Поле", "Field"), "count": ("Количество", "Count"),
    "examples": ("Примеры (замаскированы)", "Examples (masked)"), "store": ("Магазин в источнике", "Store in source"),
    "customers": ("Клиентских записей", "Customer records"),
    "issue": ("Проблема", "Problem"), "records": ("Записей", "Records"), "records_share": ("Доля записей", "Share of records"),
    "consequence": ("Последствие", "Consequence"), "before": ("Было (замаскировано)", "Before (masked)"),
    "after": ("Стало (замаскировано)", "After (masked)"), "channel": ("Канал", "Channel"),
    "contactable_share": ("Доля доступных", "Contactable share"), "precision": ("Точность", "Precision"),
    "recall": ("Полнота", "Recall"), "tp": ("Найдено верно", "True positives"), "fp": ("Лишние", "False positives"),
    "fn": ("Пропущено", "Missed"), "injected": ("Внесено ошибок", "Injected errors"),
}

# Sentences with {placeholders} that notebooks fill with formatted figures.
TEXTS: dict[str, tuple[str, str]] = {
    "ingest.accounting_text": (
        "Прочитано {read} строк из {files} файлов: загружено {loaded}, в карантине {quarantined} ({share}). "
        "Каждая входная строка учтена: прочитано = загружено + карантин.",
        "Read {read} rows from {files} files: {loaded} loaded, {quarantined} quarantined ({share}). "
        "Every input row is accounted for: read = loaded + quarantined.",
    ),
    "ingest.monthly_text": (
        "Выручка за период — {revenue} ₽ по {receipts} чекам; самый сильный месяц — {best}. "
        "Неполных месяцев на краях истории: {partial} (на графике не показаны).",
        "Revenue over the period is {revenue} ₽ from {receipts} receipts; the strongest month is {best}. "
        "Partial months at the edges of the history: {partial} (left out of the chart).",
    ),
    "ingest.quarantine_text": (
        "Строки в карантине не участвуют в анализе. Полные значения — в таблице ingest_quarantine папки данных запуска; "
        "здесь они замаскированы.",
        "Quarantined rows take no part in the analysis. Full values are in the run's ingest_quarantine table; "
        "here they are masked.",
    ),
    "quality.scorecard_text": (
        "Проверено {records} клиентских записей из {sources} систем. Без замечаний — {ok} значений полей, "
        "исправлено автоматически — {fixed}, пусто — {empty}, ошибочно — {invalid}.",
        "Audited {records} customer records from {sources} systems. Field values without remarks: {ok}; "
        "fixed automatically: {fixed}; empty: {empty}; invalid: {invalid}.",
    ),
    "quality.issues_text": (
        "Найдено {issues} проблем у {records} записей. Полные значения — в выгрузке для стюардов данных {export}; "
        "здесь они замаскированы.",
        "Found {issues} problems in {records} records. Full values are in the data stewards' export {export}; "
        "here they are masked.",
    ),
    "quality.contact_text": (
        "Клиент доступен по каналу, когда контакт корректен и есть согласие. По SMS доступны {sms}, "
        "по Viber — {viber}, по e-mail — {email} записей.",
        "A customer is reachable on a channel when the contact is valid and consent was given. Reachable by SMS: {sms}, "
        "by Viber: {viber}, by e-mail: {email} of records.",
    ),
    "quality.offline_note": (
        "Адреса проверяются только по форме: справочника ФИАС офлайн нет. Паспорта проверяются только по формату: "
        "действительность паспорта офлайн проверить нельзя.",
        "Addresses are checked for form only: there is no offline FIAS. Passports are checked for format only: "
        "their validity cannot be checked offline.",
    ),
    "quality.accuracy_text": (
        "Демо-данные содержат журнал внесённых ошибок: аудит нашёл {found} из {injected} (полнота {recall}) "
        "при точности {precision}.",
        "The demo data records the errors injected into it: the audit found {found} of {injected} (recall {recall}) "
        "at a precision of {precision}.",
    ),
    "quality.stale_text": (
        "Не обновлялись и не покупали больше {years} лет: {stale} записей ({share}).",
        "Neither updated nor used for more than {years} years: {stale} records ({share}).",
    ),
    "ingest.no_quarantine": ("Карантин пуст: все строки загружены.", "The quarantine is empty: every row was loaded."),
    "ingest.stores_ok": ("Все магазины из чеков найдены в справочнике магазинов.", "Every store in the receipts is in the store directory."),
    "ingest.stores_missing": (
        "Эти магазины не найдены в справочнике: их чеки загружены без ключа магазина. Добавьте их в справочник.",
        "These stores are not in the store directory: their receipts are loaded without a store key. Add them to the directory.",
    ),
}

REASONS: dict[str, tuple[str, str]] = {
    "malformed_row": ("строка не разбирается (не то число полей)", "malformed row (wrong number of fields)"),
    "missing_required": ("нет обязательного значения", "required value missing"),
    "unparseable_date": ("дата не распознана", "unparseable date"),
    "non_numeric": ("не число", "non-numeric value"),
    "invalid_value": ("недопустимое значение", "invalid value"),
    "missing_customer_id": ("нет кода клиента", "missing customer id"),
    "date_after_as_of": ("дата позже даты анализа", "date after the analysis date"),
    "duplicate_id": ("повтор идентификатора (чек или клиент)", "duplicate id (receipt or customer)"),
    "inconsistent_document": ("строки документа противоречат друг другу", "document lines disagree"),
    "document_incomplete": ("часть строк документа в карантине", "part of the document is quarantined"),
}


# Customer fields as the quality report names them.
FIELDS: dict[str, tuple[str, str]] = {
    "field.name": ("ФИО", "Full name"), "field.gender": ("Пол", "Gender"), "field.phone": ("Телефон", "Phone"),
    "field.email": ("E-mail", "E-mail"), "field.birth_date": ("Дата рождения", "Birth date"),
    "field.country": ("Страна", "Country"), "field.city": ("Город", "City"), "field.address": ("Адрес", "Address"),
    "field.passport": ("Паспорт", "Passport"), "field.inn": ("ИНН", "INN"), "field.snils": ("СНИЛС", "SNILS"),
    "field.record": ("Запись", "Record"),
}

# Quality codes (Dadata-style).
QUALITY_CODES: dict[str, tuple[str, str]] = {
    "quality.0": ("верно", "ok"), "quality.1": ("исправлено", "standardized"),
    "quality.2": ("пусто", "empty"), "quality.10": ("ошибка", "invalid"),
}

# Problems the quality audit reports, one label each.
ISSUES: dict[str, tuple[str, str]] = {
    "name_latin_letters": ("латинские буквы в кириллице", "Latin letters inside Cyrillic"),
    "name_patronymic_in_surname": ("отчество в поле фамилии", "patronymic in the surname field"),
    "name_swapped": ("имя и фамилия перепутаны", "first and last name swapped"),
    "name_junk": ("мусор вместо имени", "junk instead of a name"),
    "gender_conflict": ("пол противоречит ФИО", "gender contradicts the name"),
    "phone_fake": ("фиктивный номер", "fake number"),
    "phone_too_short": ("слишком короткий номер", "number too short"),
    "phone_text": ("текст вместо номера", "text instead of a number"),
    "phone_foreign": ("иностранный номер", "foreign number"),
    "email_domain_typo": ("опечатка в домене", "typo in the domain"),
    "email_invalid": ("неверный формат", "invalid syntax"),
    "email_spam": ("тестовый или одноразовый адрес", "test or disposable address"),
    "email_placeholder": ("заглушка вместо адреса", "placeholder instead of an address"),
    "birth_date_future": ("дата в будущем", "date in the future"),
    "birth_date_too_old": ("возраст больше допустимого", "age above the limit"),
    "birth_date_too_young": ("возраст меньше допустимого", "age below the limit"),
    "birth_date_partial": ("неполная дата (год или день.месяц)", "partial date (year or day.month)"),
    "birth_date_unparseable": ("дата не распознана", "unparseable date"),
    "country_unknown": ("несуществующая страна", "country that does not exist"),
    "city_misspelt": ("город с опечаткой", "misspelt city"),
    "city_unknown": ("город не найден в справочнике", "city not in the reference list"),
    "address_incomplete": ("неполный адрес", "incomplete address"),
    "passport_invalid": ("неверный формат паспорта", "invalid passport format"),
    "inn_invalid": ("ИНН не проходит проверку", "INN fails its checksum"),
    "snils_invalid": ("СНИЛС не проходит проверку", "SNILS fails its checksum"),
    "record_stale": ("запись устарела", "stale record"),
}

# What a problem costs the business.
CONSEQUENCES: dict[str, tuple[str, str]] = {
    "consequence.untargeted": ("нецелевой маркетинг", "untargeted marketing"),
    "consequence.annoying": ("раздражающие коммуникации", "annoying communications"),
    "consequence.lost_contact": ("потерянные контакты", "lost contacts"),
    "consequence.churn": ("отток", "churn"),
    "consequence.reporting": ("искажённая отчётность", "distorted reporting"),
}


def t(key: str, language: str = "ru") -> str:
    """The label for `key` in `language`; a missing key is a programming error and raises KeyError."""
    for table in (LABELS, STAGE_TITLES, REASONS, TEXTS, COLUMNS, FIELDS, QUALITY_CODES, ISSUES, CONSEQUENCES):
        if key in table:
            return table[key][LANGUAGES.index(language)]
    raise KeyError(f"no label {key!r}")


def fmt_int(value: float, language: str = "ru") -> str:
    """1234567 → '1 234 567' (ru, narrow no-break space) or '1,234,567' (en)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{round(value):,}"
    return text.replace(",", "\u202f") if language == "ru" else text


def fmt_num(value: float, digits: int = 1, language: str = "ru") -> str:
    """A number with `digits` decimals and the language's separators."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\u202f").replace(".", ",") if language == "ru" else text


def fmt_pct(share: float, digits: int = 1, language: str = "ru") -> str:
    """0.1234 → '12,3 %' (ru) or '12.3%' (en)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    number = fmt_num(100 * share, digits, language)
    return f"{number}\u00a0%" if language == "ru" else f"{number}%"


def text(key: str, language: str = "ru", **figures: str) -> str:
    """A report sentence with its figures filled in."""
    return TEXTS[key][LANGUAGES.index(language)].format(**figures)


def localize(frame, language: str = "ru"):
    """A copy of `frame` with the column names it knows translated for the report."""
    i = LANGUAGES.index(language)
    return frame.rename(columns={c: COLUMNS[c][i] for c in frame.columns if c in COLUMNS})
