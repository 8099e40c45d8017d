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
    # lifecycle
    "lifecycle.active_customers": ("Активных клиентов", "Active customers"),
    "lifecycle.regular_share": ("Доля постоянных клиентов", "Regular customer share"),
    "lifecycle.churn_last_month": ("Отток за последний месяц", "Churn last month"),
    "lifecycle.preset_retail": ("Розница", "Retail"),
    "lifecycle.preset_ecommerce": ("Интернет-магазин", "E-commerce"),
    "lifecycle.preset_b2b": ("B2B / опт", "B2B / wholesale"),
    "lifecycle.preset_auto": ("Из данных (auto)", "From the data (auto)"),
    "lifecycle.card_top_buyer": ("клиент с наибольшим числом покупок", "the customer with the most purchases"),
    "lifecycle.card_chosen": ("клиент из параметра lifecycle.client_card_key", "the customer set in lifecycle.client_card_key"),
    "lifecycle.matrix_title": ("9 сегментов ЖЦК: клиентов в клетке (доля)", "9 lifecycle segments: customers per cell (share)"),
    "lifecycle.count_axis": ("Число покупок", "Number of purchases"),
    "lifecycle.recency_axis": ("Давность последней покупки", "Time since the last purchase"),
    "lifecycle.revenue_title": ("Выручка за всё время (доля выручки)", "Revenue to date (share of revenue)"),
    "lifecycle.avg_check_title": ("Средний чек (индекс: 100 = средний по базе)", "Average check (index: 100 = base average)"),
    "lifecycle.index": ("индекс", "index"),
    "lifecycle.spend_title": ("Траты внутри сегментов", "Spend inside the segments"),
    "lifecycle.share_of_cell": ("Доля клиентов сегмента, %", "Share of the segment's customers, %"),
    "lifecycle.dynamics_title": ("Размеры сегментов на конец месяца", "Segment sizes at month end"),
    "lifecycle.customers_axis": ("Клиентов", "Customers"),
    "lifecycle.transition_customers": ("Клиентов (цвет — доля строки)", "Customers (colour: share of the row)"),
    "lifecycle.transition_revenue": ("Их выручка за всё время, под риском", "Their revenue to date, at stake"),
    "lifecycle.kpi_customers": ("Покупателей в месяце", "Buyers in the month"),
    "lifecycle.kpi_new_customers": ("Новых клиентов", "New customers"),
    "lifecycle.kpi_avg_check": ("Средний чек", "Average check"),
    "lifecycle.kpi_frequency": ("Покупок на покупателя", "Purchases per buyer"),
    "lifecycle.kpi_repeat_customer_share": ("Доля повторных покупателей", "Repeat buyer share"),
    "lifecycle.kpi_repeat_revenue_share": ("Доля повторной выручки", "Repeat revenue share"),
    "lifecycle.kpi_retention": ("Удержание", "Retention"),
    "lifecycle.kpi_churn": ("Отток", "Churn"),
    "lifecycle.cohort_title": ("Доля когорты, купившей снова, %", "Share of the cohort buying again, %"),
    "lifecycle.months_since_first": ("Месяцев с первой покупки", "Months since the first purchase"),
    "lifecycle.rfm_title": ("Клиенты по баллам R и F (цвет — средний балл M)", "Customers by R and F score (colour: mean M score)"),
    "lifecycle.r_score": ("R — давность (5 — недавние)", "R — recency (5 = most recent)"),
    "lifecycle.f_score": ("F — частота (5 — чаще всех)", "F — frequency (5 = most frequent)"),
    "lifecycle.mean_m": ("Средний балл M", "Mean M score"),
    "lifecycle.k_fixed": ("число задано параметром lifecycle.rfm.k", "set by parameter lifecycle.rfm.k"),
    "unit.mln_rub": ("млн ₽", "M ₽"),
    "unit.thousand_rub": ("тыс. ₽", "k ₽"),
    # mailing
    "mailing.channel.viber": ("Viber", "Viber"), "mailing.channel.sms": ("SMS", "SMS"),
    "mailing.channel.email": ("E-mail", "E-mail"), "mailing.channel.post": ("Письмо почтой", "Letter by post"),
    "mailing.channel.none": ("Нет доступного канала", "No reachable channel"),
    "mailing.segment.birthday": ("День рождения", "Birthday"),
    "mailing.segment.anniversary": ("Годовщина регистрации", "Registration anniversary"),
    "mailing.customers": ("Клиентов в рассылке", "Customers to message"),
    "mailing.cost": ("Стоимость рассылки, ₽", "Mailing cost, ₽"),
    "mailing.control": ("В контрольной группе", "In the control group"),
    "mailing.unreachable": ("Без доступного канала", "Without a reachable channel"),
    # dedup
    "dedup.persons": ("Клиентов после склейки", "Customers after merging"),
    "dedup.duplicates": ("Записей-дублей", "Duplicate records"),
    "dedup.f1": ("F1 на демо-разметке", "F1 on the demo truth"),
    "dedup.score": ("Вероятность совпадения", "Match probability"),
    "dedup.pairs": ("Пар-кандидатов", "Candidate pairs"),
    "dedup.kind.single": ("одна запись", "one record"), "dedup.kind.within": ("дубли в одной системе", "duplicates within a system"),
    "dedup.kind.across": ("записи в разных системах", "records across systems"),
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
    "customers": ("Клиентов", "Customers"),
    "issue": ("Проблема", "Problem"), "records": ("Записей", "Records"), "records_share": ("Доля записей", "Share of records"),
    "consequence": ("Последствие", "Consequence"), "before": ("Было (замаскировано)", "Before (masked)"),
    "after": ("Стало (замаскировано)", "After (masked)"), "channel": ("Канал", "Channel"),
    "contactable_share": ("Доля доступных", "Contactable share"), "precision": ("Точность", "Precision"),
    "recall": ("Полнота", "Recall"), "tp": ("Найдено верно", "True positives"), "fp": ("Лишние", "False positives"),
    "fn": ("Пропущено", "Missed"), "injected": ("Внесено ошибок", "Injected errors"),
    "metric": ("Показатель", "Metric"), "mean": ("Среднее", "Mean"), "p25": ("25-й перцентиль", "25th percentile"),
    "median": ("Медиана", "Median"), "p75": ("75-й перцентиль", "75th percentile"), "p90": ("90-й перцентиль", "90th percentile"),
    "value": ("Значение", "Value"), "preset": ("Набор порогов", "Preset"),
    "k_regular": ("k: постоянные — больше покупок", "k: regular above, purchases"),
    "r1_days": ("R1: активные — до, дней", "R1: active up to, days"), "r2_days": ("R2: уснувшие — больше, дней", "R2: asleep beyond, days"),
    "description": ("Обоснование", "Rationale"), "chosen": ("Выбран", "Chosen"),
    "segment": ("Сегмент", "Segment"), "buyers": ("Клиентов", "Customers"), "buyers_share": ("Доля клиентов", "Customer share"),
    "revenue_share": ("Доля выручки", "Revenue share"), "avg_check": ("Средний чек, ₽", "Average check, ₽"),
    "strategy": ("Стратегия", "Strategy"), "swing_share": ("Наибольшее изменение", "Largest change"),
    "rfm_segment": ("RFM-сегмент", "RFM segment"), "recency_days_median": ("Дней с последней покупки, медиана", "Days since last purchase, median"),
    "purchases_mean": ("Покупок в среднем", "Purchases, mean"), "revenue_mean": ("Выручка на клиента, ₽", "Revenue per customer, ₽"),
    "cluster": ("Кластер", "Cluster"), "main_segment": ("Основной сегмент ЖЦК", "Main lifecycle segment"),
    "main_segment_share": ("Доля в основном сегменте", "Share in the main segment"),
    "abc": ("ABC-класс", "ABC class"), "xyz_X": ("X — стабильные", "X — steady"), "xyz_Y": ("Y — колеблющиеся", "Y — fluctuating"),
    "xyz_Z": ("Z — нерегулярные", "Z — irregular"), "xyz_none": ("Меньше 2 месяцев истории", "Under 2 months of history"),
    "control": ("Контрольная группа", "Control group"), "cost": ("Стоимость, ₽", "Cost, ₽"),
    "customer_key": ("Ключ клиента", "Customer key"), "last_name": ("Фамилия", "Last name"),
    "first_name": ("Имя", "First name"), "patronymic": ("Отчество", "Patronymic"), "city": ("Город", "City"),
    "contact": ("Контакт", "Contact"), "event_date": ("Дата события", "Event date"),
    "days_until": ("Дней до события", "Days until the event"), "years": ("Лет", "Years"),
    "kind": ("Вид", "Kind"), "of": ("Из клиентов с дублями", "Of customers with duplicates"),
    "record_1": ("Запись 1 (замаскирована)", "Record 1 (masked)"), "record_2": ("Запись 2 (замаскирована)", "Record 2 (masked)"),
    "probability": ("Вероятность", "Probability"), "decision": ("Решение", "Decision"),
    "rule": ("Правило блокировки", "Blocking rule"), "pairs": ("Пар", "Pairs"), "true_pairs_found": ("Найдено истинных пар", "True pairs found"),
    "true_pairs": ("Истинных пар", "True pairs"), "f1": ("F1", "F1"), "measure": ("Уровень", "Level"),
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
    "lifecycle.preset_retail_note": (
        "Сеть магазинов (непродовольственная): постоянные возвращаются хотя бы раз в сезон; квартал без покупок — начало "
        "дрейфа, полгода без покупок — клиент потерян.",
        "Store chain (non-food): regulars come back at least once a season; a quarter without a purchase starts the drift, "
        "half a year without one means the customer is lost.",
    ),
    "lifecycle.preset_ecommerce_note": (
        "Интернет-магазин: повторный заказ — в один клик, поэтому два месяца тишины уже сигнал дрейфа; полгода без заказа — "
        "клиент потерян.",
        "Online shop: reordering takes a click, so two silent months already signal drift; half a year without an order "
        "means the customer is lost.",
    ),
    "lifecycle.preset_b2b_note": (
        "B2B и опт: клиенты заказывают примерно раз в месяц, поэтому больше шести заказов — постоянный клиент, пропущенные "
        "полтора цикла — тревожный сигнал, четыре месяца без заказов — клиент потерян.",
        "B2B / wholesale: clients reorder about monthly, so more than six orders is a regular account, a missed cycle and "
        "a half is a warning and four months without orders is a lost account.",
    ),
    "lifecycle.preset_auto_note": (
        "По данным: R1 — такой интервал между днями покупок, что {q1} интервалов не длиннее; R2 — то же для {q2}; "
        "k — {k_quantile}-квантиль числа покупок у повторных покупателей (не меньше {min_k}).",
        "From the data: R1 is the gap between purchase days that {q1} of gaps do not exceed; R2 the same for {q2}; "
        "k is the {k_quantile} quantile of purchase counts of repeat buyers (at least {min_k}).",
    ),
    "lifecycle.purchases_range": ("покупок: {range}", "purchases: {range}"),
    "lifecycle.days_range": ("дней: {range}", "days: {range}"),
    "lifecycle.scenario_base": ("Текущие пороги (k={k}, R1={r1}, R2={r2})", "Current thresholds (k={k}, R1={r1}, R2={r2})"),
    "lifecycle.scenario_r": ("R1 и R2 {sign}{pct} % ({r1} / {r2} дн.)", "R1 and R2 {sign}{pct}% ({r1} / {r2} days)"),
    "lifecycle.scenario_k": ("k {sign}{pct} % (k={k})", "k {sign}{pct}% (k={k})"),
    "lifecycle.segment_on": ("Сегмент на {date}", "Segment on {date}"),
    "lifecycle.k_by_silhouette": (
        "число выбрано по лучшему силуэту среди k от {low} до {high}", "chosen by the best silhouette among k = {low}…{high}",
    ),
    "lifecycle.coverage_text": (
        "На {as_of} клиентов с чеками — {customers}, из них с покупками — {buyers}, со всеми покупками возвращёнными — "
        "{all_returned}. Клиентов из базы без единого чека — {never_bought}. Анонимные чеки ({anonymous} шт., "
        "{anonymous_share} выручки) в метрики клиентов не входят.",
        "On {as_of} there are {customers} customers with receipts: {buyers} with purchases, {all_returned} with every "
        "purchase returned. Another {never_bought} customers in the base never bought. Anonymous receipts ({anonymous}, "
        "{anonymous_share} of revenue) are left out of customer metrics.",
    ),
    "lifecycle.purchase_definition": (
        "Покупка — чек продажи клиента, возвращённый не полностью: частичный возврат уменьшает сумму покупки, полный — "
        "отменяет её. Выручка клиента — сумма всех его чеков по дату анализа вместе с возвратами; средний чек — выручка, "
        "делённая на число покупок; интервал — среднее число дней между соседними покупками.",
        "A purchase is a customer's sale receipt that was not fully returned: a partial return lowers its amount, a full "
        "return cancels it. A customer's revenue is the sum of all their receipts up to the analysis date, returns "
        "included; the average check is revenue divided by purchases; the interval is the mean number of days between "
        "consecutive purchases.",
    ),
    "lifecycle.card_text": (
        "Для примера — {how}. Покупок: {purchases}; дней с последней покупки: {days}; сегмент — «{segment}». "
        "Ключ клиента в отчёте замаскирован.",
        "An example: {how}. Purchases: {purchases}; days since the last purchase: {days}; segment: “{segment}”. "
        "The customer key is masked in the report.",
    ),
    "lifecycle.thresholds_text": (
        "Пороги — «{preset}». По числу покупок: новые — 1 покупка, перспективные — от 2 до {k}, постоянные — больше {k}. "
        "По давности последней покупки: активные — до {r1} дн., засыпающие — от {r1_next} до {r2} дн., уснувшие — "
        "больше {r2} дн. Набор выбирается параметром lifecycle.thresholds: retail, ecommerce, b2b или auto.",
        "Thresholds: “{preset}”. By purchase count: new — 1 purchase, prospective — 2 to {k}, regular — more than {k}. "
        "By days since the last purchase: active — up to {r1} days, falling asleep — {r1_next} to {r2} days, asleep — "
        "more than {r2} days. Parameter lifecycle.thresholds picks the set: retail, ecommerce, b2b or auto.",
    ),
    "lifecycle.matrix_text": (
        "Самый большой сегмент — «{largest}» ({largest_share} клиентов с покупками). Активны {active_share} клиентов, "
        "постоянных — {regular_share}. Клиенты, у которых все покупки возвращены ({no_purchases}), в матрицу не входят.",
        "The largest segment is “{largest}” ({largest_share} of customers with purchases). {active_share} of customers "
        "are active and {regular_share} are regulars. Customers whose every purchase was returned ({no_purchases}) are "
        "left out of the matrix.",
    ),
    "lifecycle.strategy_text": (
        "Стратегии заданы в параметрах (lifecycle.strategies) — адаптируйте их под свою сеть. Первое внимание — "
        "сегменту «{priority}»: это ценные клиенты, которые начали уходить; их {priority_customers}, на них приходится "
        "{priority_revenue} выручки.",
        "The strategies live in the parameters (lifecycle.strategies): adapt them to your chain. Look first at "
        "“{priority}”: {priority_customers} valuable customers ({priority_revenue} of revenue) have begun to leave.",
    ),
    "lifecycle.money_text": (
        "Больше всего выручки за всё время приносит сегмент «{top}» — {top_share}. Самый высокий средний чек — у «{best_check}»: "
        "{best_check_value} ₽ при среднем по базе {avg_check} ₽.",
        "“{top}” brings the most revenue to date: {top_share}. “{best_check}” has the highest average check: "
        "{best_check_value} ₽ against a base average of {avg_check} ₽.",
    ),
    "lifecycle.spend_text": (
        "Границы трат общие для всей базы: низкие — до {low} ₽ за всё время, высокие — больше {high} ₽. "
        "Больше всего клиентов с высокими тратами в сегменте «{top}» ({top_share}).",
        "Spend bounds are shared by the whole base: low is up to {low} ₽ to date, high is above {high} ₽. "
        "“{top}” has the largest share of high spenders ({top_share}).",
    ),
    "lifecycle.sensitivity_text": (
        "Если сдвинуть пороги на ±{step}, сильнее всего меняется сегмент «{most}» (до {most_swing} его размера), слабее "
        "всего — «{least}» ({least_swing}). Сильная зависимость от порогов — повод проверить их на своих данных (auto).",
        "Moving the thresholds by ±{step} changes “{most}” the most (by up to {most_swing} of its size) and “{least}” "
        "the least ({least_swing}). A strong dependence on the thresholds is a reason to check them on your data (auto).",
    ),
    "lifecycle.dynamics_text": (
        "С {start} по {end} число клиентов с покупками изменилось с {buyers_start} до {buyers_end}, доля активных — "
        "с {active_start} до {active_end}. Клиенты без покупок (всё возвращено) на графике не показаны.",
        "From {start} to {end} the customers with purchases went from {buyers_start} to {buyers_end} and the active "
        "share from {active_start} to {active_end}. Customers without purchases (all returned) are not shown.",
    ),
    "lifecycle.transition_text": (
        "С {from_date} по {to_date} сместились к засыпанию или уходу — {drifted} (их выручка за всё время — "
        "{drifted_revenue} ₽), снова стали активными — {reactivated}, впервые появились в базе — {joined}.",
        "From {from_date} to {to_date}: {drifted} customers drifted towards sleep or loss (their revenue to date: "
        "{drifted_revenue} ₽), {reactivated} became active again and {joined} joined the base.",
    ),
    "lifecycle.kpi_text": (
        "{month}: средний чек {avg_check} ₽, покупок на покупателя {frequency}; повторные покупатели — {repeat_customers} "
        "покупателей месяца и {repeat_revenue} выручки; удержание {retention}, отток {churn}; новых клиентов — {new}. "
        "Удержание — доля покупателей предыдущего окна ({window} мес.), купивших снова в следующем.",
        "{month}: average check {avg_check} ₽, {frequency} purchases per buyer; repeat buyers are {repeat_customers} of "
        "the month's buyers and bring {repeat_revenue} of revenue; retention {retention}, churn {churn}; {new} new "
        "customers. Retention is the share of the buyers of the previous {window}-month window who buy again in the next.",
    ),
    "lifecycle.cohort_text": (
        "В среднем {m1} новых клиентов покупают снова в следующем месяце после первой покупки и {m3} — на третий. "
        "Строка — месяц первой покупки (n — клиентов в когорте), столбец — месяцев с неё.",
        "On average {m1} of new customers buy again in the month after their first purchase and {m3} in the third month. "
        "A row is the month of the first purchase (n: customers in the cohort), a column the months since.",
    ),
    "lifecycle.rfm_text": (
        "R, F и M — квинтили (5 — лучшая пятая часть) давности последней покупки, числа покупок и выручки клиентов "
        "с покупками (их {buyers}). В клетке — число клиентов, цвет — средний балл M.",
        "R, F and M are quintiles (5 = the best fifth) of recency, purchase count and revenue of the {buyers} customers "
        "with purchases. A cell shows its customers; the colour is the mean M score.",
    ),
    "lifecycle.rfm_segments_text": (
        "Больше всего клиентов в RFM-сегменте «{top}» ({top_share}); больше всего выручки приносит «{top_revenue}» "
        "({top_revenue_share}).",
        "The largest RFM segment is “{top}” ({top_share} of customers); “{top_revenue}” brings the most revenue "
        "({top_revenue_share}).",
    ),
    "lifecycle.cluster_text": (
        "KMeans по логарифмам давности, числа покупок и выручки: кластеров — {k}, {how}; силуэт {silhouette}. Кластеры "
        "пронумерованы по средней выручке; рядом — сегмент ЖЦК, в котором больше всего клиентов кластера.",
        "KMeans on the logarithms of recency, purchase count and revenue: {k} clusters, {how}; silhouette {silhouette}. "
        "Clusters are numbered by mean revenue; beside each is the lifecycle segment holding most of its customers.",
    ),
    "lifecycle.abc_text": (
        "В классе A клиентов — {a_customers} ({a_share}), они дают {a_revenue} выручки (граница A — {a}, B — {b} "
        "накопленной выручки). XYZ — по стабильности помесячных трат: X — коэффициент вариации до {x}, Y — до {y}, Z — выше.",
        "Class A is {a_customers} customers ({a_share}) bringing {a_revenue} of revenue (A up to {a}, B up to {b} of "
        "cumulative revenue). XYZ is about steady monthly spend: X has a coefficient of variation up to {x}, Y up to {y}, "
        "Z above.",
    ),
    "mailing.summary_text": (
        "В рассылку попадают {customers} клиентов, стоимость — {cost} ₽. {control} клиентов оставлены в контрольной группе "
        "для оценки эффекта; {unreachable} недоступны ни по одному каналу (нет согласия или контакта либо контакт в стоп-листе; "
        "стоп-лист закрыл каналы у {stopped}).",
        "The mailing reaches {customers} customers at a cost of {cost} ₽. {control} customers are held out as the control group "
        "to measure the effect; {unreachable} cannot be reached on any channel (no consent or contact, or the contact is "
        "stop-listed; the stop list closed channels for {stopped}).",
    ),
    "mailing.holdout_text": (
        "Контрольная группа — {share} каждого сегмента, выбрана случайно (seed {seed}); ей ничего не отправляется. "
        "Плановые контакты для этапа оценки эффекта — в таблице {table}.",
        "The control group is {share} of each segment, drawn at random (seed {seed}); it receives nothing. "
        "The planned contacts for the campaign-effect stage are in table {table}.",
    ),
    "mailing.events_text": (
        "Дни рождения и годовщины регистрации в ближайшие {days} дней после {as_of}: {birthdays} и {anniversaries} клиентов.",
        "Birthdays and registration anniversaries in the {days} days after {as_of}: {birthdays} and {anniversaries} customers.",
    ),
    "mailing.export_text": (
        "Полные списки с контактами — в папке {folder} (CSV для Excel и XLSX, по файлу на сегмент и канал); "
        "в отчёте только количества и стоимость.",
        "Full lists with contacts are in {folder} (CSV for Excel and XLSX, one file per segment and channel); "
        "the report shows only counts and cost.",
    ),
    "dedup.overview_text": (
        "{records} клиентских записей склеены в {persons} клиентов: {duplicates} записей оказались дублями "
        "({share}). Пар-кандидатов сравнено: {pairs}; на ручную проверку отправлено {review} пар — файл {export}.",
        "{records} customer records were merged into {persons} customers: {duplicates} records were duplicates "
        "({share}). Candidate pairs compared: {pairs}; {review} uncertain pairs went to manual review — file {export}.",
    ),
    "dedup.scores_text": (
        "Пары с вероятностью не ниже {threshold} склеиваются, от {review_threshold} до {threshold} — идут на проверку, "
        "ниже — считаются разными людьми. Супруги с общей фамилией, адресом и телефоном разводятся по имени, отчеству, "
        "полу и дате рождения.",
        "Pairs with a probability of at least {threshold} are merged, from {review_threshold} to {threshold} go to review, "
        "below are different people. Spouses sharing surname, address and phone are kept apart by first name, "
        "patronymic, gender and birth date.",
    ),
    "dedup.contradictions_text": (
        "Противоречия внутри склеенных клиентов: золотая запись берёт поле из самой полной, затем приоритетной "
        "({priority}), затем самой свежей записи; все телефоны и e-mail сохраняются.",
        "Contradictions inside merged customers: the golden record takes each field from the most complete, then the "
        "preferred ({priority}), then the most recent record; every phone and e-mail is kept.",
    ),
    "dedup.accuracy_text": (
        "На демо-разметке: попарно точность {precision}, полнота {recall}, F1 {f1}; по группам F1 {cluster_f1}; "
        "блокировка нашла {blocking} истинных пар.",
        "On the demo truth: pairwise precision {precision}, recall {recall}, F1 {f1}; group F1 {cluster_f1}; "
        "blocking found {blocking} of the true pairs.",
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
