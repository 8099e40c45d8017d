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

# Lifecycle codes (segments, their axes, spend groups): code -> (Russian, English).
SEGMENT_LABELS: dict[str, tuple[str, str]] = {
    "new": ("Новые", "New"),
    "prospective": ("Перспективные", "Prospective"),
    "regular": ("Постоянные", "Regular"),
    "active": ("Активные", "Active"),
    "falling_asleep": ("Засыпающие", "Falling asleep"),
    "asleep": ("Уснувшие", "Asleep"),
    "new_active": ("Новые активные", "New active"),
    "new_falling_asleep": ("Новые засыпающие", "New falling asleep"),
    "new_asleep": ("Новые уснувшие", "New asleep"),
    "prospective_active": ("Перспективные активные", "Prospective active"),
    "prospective_falling_asleep": ("Перспективные засыпающие", "Prospective falling asleep"),
    "prospective_asleep": ("Перспективные уснувшие", "Prospective asleep"),
    "regular_active": ("Постоянные активные", "Regular active"),
    "regular_falling_asleep": ("Постоянные засыпающие", "Regular falling asleep"),
    "regular_asleep": ("Постоянные уснувшие", "Regular asleep"),
    "no_purchases": ("Без покупок (всё возвращено)", "No purchases (all returned)"),
    "not_in_base": ("Ещё не в базе", "Not yet in the base"),
    "low_spend": ("Низкие траты", "Low spend"),
    "mid_spend": ("Средние траты", "Mid spend"),
    "high_spend": ("Высокие траты", "High spend"),
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
    # campaign effect
    "campaign.pp": ("п.п.", "pp"),
    "campaign.significant": ("значимо", "significant"),
    "campaign.not_significant": ("не значимо", "not significant"),
    "campaign.untested": ("мало клиентов для проверки", "too few clients to test"),
    "campaign.group.treatment": ("по рассылке", "mailed"),
    "campaign.group.control": ("без рассылки", "not mailed"),
    "campaign.unknown": ("нет данных", "unknown"),
    "campaign.gender.M": ("мужчины", "men"),
    "campaign.gender.F": ("женщины", "women"),
    "campaign.channel.sms": ("SMS", "SMS"),
    "campaign.channel.viber": ("Viber", "Viber"),
    "campaign.channel.email": ("E-mail", "E-mail"),
    "campaign.channel.all": ("все каналы", "all channels"),
    "campaign.acc.contact_rows": ("Строк контактов", "Contact rows"),
    "campaign.acc.rows_without_customer": ("Строк без клиента (не сопоставлены, не учтены)", "Rows without a customer (unmatched, left out)"),
    "campaign.acc.customers": ("Клиентов после склейки дублей", "Customers after merging duplicates"),
    "campaign.acc.customers_with_several_rows": ("Из них с несколькими строками", "Of them with several rows"),
    "campaign.acc.both_arms": ("В обеих группах сразу (исключены)", "In both groups at once (excluded)"),
    "campaign.acc.clients_treatment": ("В анализе: по рассылке", "Analysed: mailed"),
    "campaign.acc.clients_control": ("В анализе: без рассылки", "Analysed: not mailed"),
    "campaign.dim.segment": ("Сегмент до рассылки", "Segment before sending"),
    "campaign.dim.gender": ("Пол", "Gender"),
    "campaign.dim.age_band": ("Возраст", "Age band"),
    "campaign.dim.pre_revenue": ("Выручка до рассылки, ₽", "Pre-period revenue, ₽"),
    "campaign.dim.channel": ("Канал", "Channel"),
    "campaign.dim.source": ("Система", "System"),
    "campaign.dim.campaign_id": ("Кампания", "Campaign"),
    "campaign.imbalanced": ("дисбаланс", "imbalanced"),
    "campaign.metric.conversion": ("Конверсия", "Conversion"),
    "campaign.metric.revenue_per_client": ("Выручка на клиента, ₽", "Revenue per client, ₽"),
    "campaign.metric.revenue_per_client_lift": ("Прирост выручки на клиента", "Lift of revenue per client"),
    "campaign.metric.average_check": ("Средний чек, ₽", "Average check, ₽"),
    "campaign.metric.incremental_buyers": ("Дополнительные покупатели", "Incremental buyers"),
    "campaign.metric.effect": ("Эффект: дополнительная выручка, ₽", "Effect: incremental revenue, ₽"),
    "campaign.metric.effect_cuped": ("Эффект с поправкой CUPED, ₽", "Effect with CUPED, ₽"),
    "campaign.metric.effect_stratified": ("Эффект со стратификацией (наблюдательный), ₽", "Stratified effect (observational), ₽"),
    "campaign.metric.effect_from_conversion": ("— за счёт конверсии, ₽", "— from conversion, ₽"),
    "campaign.metric.effect_from_average_check": ("— за счёт среднего чека, ₽", "— from the average check, ₽"),
    "campaign.metric.cost": ("Затраты на сообщения, ₽", "Message cost, ₽"),
    "campaign.metric.profit": ("Прибыль: маржа × эффект − затраты, ₽", "Profit: margin × effect − cost, ₽"),
    "campaign.metric.roi": ("ROI: прибыль / затраты", "ROI: profit / cost"),
    "campaign.unreachable": ("недостижимо", "unreachable"),
    "campaign.overall": ("Вся кампания", "Whole campaign"),
    "campaign.true_effect": ("истинный эффект", "true effect"),
    "campaign.effect_per_client_axis": ("Эффект на клиента по рассылке, ₽", "Effect per mailed client, ₽"),
    "campaign.funnel.sent": ("Отправлено", "Sent"),
    "campaign.funnel.delivered_share": ("Доставлено", "Delivered"),
    "campaign.funnel.read_share": ("Прочитано", "Read"),
    "campaign.funnel.title": ("Воронка доставки по каналам, %", "Delivery funnel per channel, %"),
    "campaign.itt": ("на отправленного (ITT)", "per sent (ITT)"),
    "campaign.effect_on_delivered": ("на доставленного (вторично)", "per delivered (secondary)"),
    "campaign.scope.channel": ("с контролем того же канала", "with the control of the same channel"),
    "campaign.scope.all": ("с общим контролем", "with the whole control group"),
    "campaign.covers": ("накрывает истинный эффект", "covers the true effect"),
    "campaign.misses": ("не накрывает истинный эффект", "misses the true effect"),
    "campaign.headline_effect": ("Эффект рассылки, ₽", "Campaign effect, ₽"),
    "campaign.headline_roi": ("ROI рассылки", "Campaign ROI"),
    "campaign.truth_heading": ("Сверка с истинным эффектом (демо-данные)", "Check against the true effect (demo data)"),
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
    "step": ("Шаг", "Step"), "group": ("Группа", "Group"), "clients": ("Клиентов", "Clients"),
    "share": ("Доля", "Share"), "planned_share": ("Плановая доля", "Planned share"),
    "covariate": ("Признак", "Covariate"), "level": ("Значение", "Level"),
    "mean_treatment": ("По рассылке", "Mailed"), "mean_control": ("Без рассылки", "Not mailed"),
    "smd": ("Стандартизованная разница", "Standardized difference"), "imbalanced": ("Баланс", "Balance"),
    "campaign_buyers": ("Покупателей", "Buyers"), "conversion": ("Конверсия", "Conversion"),
    "conversion_ci": ("Интервал конверсии", "Conversion interval"),
    "campaign_revenue": ("Выручка за окно, ₽", "Revenue in the window, ₽"),
    "average_check": ("Средний чек, ₽", "Average check, ₽"), "average_check_ci": ("Интервал среднего чека", "Average check interval"),
    "revenue_per_client": ("Выручка на клиента, ₽", "Revenue per client, ₽"),
    "revenue_per_client_ci": ("Интервал выручки на клиента", "Revenue per client interval"),
    "message_cost": ("Затраты на сообщения, ₽", "Message cost, ₽"),
    "campaign_metric": ("Показатель", "Metric"), "value_treatment": ("По рассылке", "Mailed"),
    "value_control": ("Без рассылки", "Not mailed"), "estimate": ("Оценка", "Estimate"),
    "ci": ("Доверительный интервал", "Confidence interval"), "p_value": ("p", "p"),
    "significance": ("Значимость", "Significance"), "cell": ("Подгруппа", "Subgroup"),
    "clients_control": ("Клиентов без рассылки", "Clients not mailed"),
    "clients_treatment": ("Клиентов по рассылке", "Clients mailed"),
    "buyers_control": ("Покупателей без рассылки", "Buyers not mailed"),
    "buyers_treatment": ("Покупателей по рассылке", "Buyers mailed"),
    "conversion_control": ("Конверсия без рассылки", "Conversion not mailed"),
    "conversion_treatment": ("Конверсия по рассылке", "Conversion mailed"),
    "average_check_control": ("Средний чек без рассылки, ₽", "Average check not mailed, ₽"),
    "average_check_treatment": ("Средний чек по рассылке, ₽", "Average check mailed, ₽"),
    "revenue_control": ("Выручка без рассылки, ₽", "Revenue not mailed, ₽"),
    "revenue_treatment": ("Выручка по рассылке, ₽", "Revenue mailed, ₽"),
    "effect": ("Эффект, ₽", "Effect, ₽"), "p_value_bh": ("p (поправка BH)", "p (BH-adjusted)"),
    "conversion_diff": ("Δ конверсии", "Δ conversion"), "conversion_p_holm": ("p конверсии (Holm)", "p conversion (Holm)"),
    "effect_p_holm": ("p эффекта (Holm)", "p effect (Holm)"),
    "sent": ("Отправлено", "Sent"), "delivered_share": ("Доставлено", "Delivered"), "read_share": ("Прочитано", "Read"),
    "itt": ("Эффект на отправленного, ₽", "Effect per sent, ₽"), "itt_ci": ("Интервал на отправленного", "Interval per sent"),
    "effect_on_delivered": ("Эффект на доставленного, ₽ (вторично)", "Effect per delivered, ₽ (secondary)"),
    "effect_on_delivered_ci": ("Интервал на доставленного", "Interval per delivered"),
    "control_share": ("Доля контроля", "Control share"),
    "mde_revenue_per_client": ("MDE на клиента, ₽", "MDE per client, ₽"),
    "mde_revenue_per_client_cuped": ("MDE на клиента с CUPED, ₽", "MDE per client with CUPED, ₽"),
    "mde_effect": ("MDE всего, ₽", "MDE in total, ₽"), "mde_conversion": ("MDE конверсии", "MDE of conversion"),
    "required_control": ("Нужно клиентов в контроле", "Control clients needed"), "enough": ("Контроля достаточно", "Control large enough"),
    "forgone_revenue": ("Недополученная выручка контроля, ₽", "Revenue forgone in the control, ₽"),
    "true_effect": ("Истинный эффект, ₽", "True effect, ₽"),
    "true_effect_per_client": ("Истинный эффект на клиента, ₽", "True effect per client, ₽"),
    "covered": ("Интервал накрывает истину", "Interval covers the truth"),
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
    "campaign.scope_text": (
        "Кампании: {campaigns}; отправка {send}. Покупки учитываются {window} дней после отправки, выручка — за вычетом "
        "возвратов; выручка за {pre} дней до отправки служит для проверки баланса и поправки CUPED.",
        "Campaigns: {campaigns}; sent on {send}. Purchases count for {window} days after sending, revenue net of returns; "
        "revenue in the {pre} days before sending serves the balance check and the CUPED adjustment.",
    ),
    "campaign.collapse_text": (
        "Один клиент — одна строка. Если после склейки дублей у клиента несколько строк контактов, он в группе рассылки, "
        "когда хотя бы одна строка — рассылка: канал и дата берутся по первому сообщению, затраты суммируются. Клиенты, "
        "попавшие одновременно в рассылку и в контроль ({both}), исключены из анализа: это ошибка дизайна — при отборе "
        "контроля дубли одного человека должны попадать в одну группу.",
        "One customer, one row. When merging duplicates leaves a customer with several contact rows, the customer is mailed "
        "if any row is a mailing: channel and date come from the first message, costs add up. Customers found in both the "
        "mailing and the control ({both}) are left out: a design flaw — duplicates of one person must land in one group "
        "when the control is drawn.",
    ),
    "campaign.headline_significant": (
        "Рассылка принесла {effect} ₽ дополнительной выручки ({level}% доверительный интервал — от {low} до {high} ₽); "
        "эффект статистически значим (p = {p}). При марже {margin} и затратах на сообщения {cost} ₽ прибыль — {profit} ₽ "
        "(от {profit_low} до {profit_high} ₽), ROI {roi}.",
        "The mailing brought {effect} ₽ of incremental revenue ({level}% confidence interval {low} to {high} ₽); the effect "
        "is statistically significant (p = {p}). At a margin of {margin} and message costs of {cost} ₽ the profit is "
        "{profit} ₽ ({profit_low} to {profit_high} ₽), ROI {roi}.",
    ),
    "campaign.headline_not_significant": (
        "Оценка эффекта рассылки — {effect} ₽ дополнительной выручки, но она не значима: {level}% доверительный интервал "
        "от {low} до {high} ₽ включает ноль (p = {p}). Прибыль при марже {margin} и затратах {cost} ₽ — {profit} ₽ "
        "(от {profit_low} до {profit_high} ₽), ROI {roi}: эти цифры тоже не значимы.",
        "The estimated effect of the mailing is {effect} ₽ of incremental revenue, but it is not significant: the {level}% "
        "confidence interval {low} to {high} ₽ includes zero (p = {p}). Profit at a margin of {margin} and costs of "
        "{cost} ₽ is {profit} ₽ ({profit_low} to {profit_high} ₽), ROI {roi}: not significant either.",
    ),
    "campaign.observational_prefix": (
        "Оценка наблюдательная: группа сравнения не была случайной.",
        "Observational estimate: the comparison group was not randomized.",
    ),
    "campaign.srm_ok": (
        "Размеры групп соответствуют плану: доля контроля {share} при плане {planned} (χ² = {chi2}, p = {p}).",
        "Group sizes match the plan: control share {share} against {planned} planned (χ² = {chi2}, p = {p}).",
    ),
    "campaign.srm_failed": (
        "Размеры групп НЕ соответствуют плану: доля контроля {share} при плане {planned} (χ² = {chi2}, p = {p}). "
        "Вероятна ошибка при отборе групп или выгрузке контактов: пока причина не найдена, выводам об эффекте доверять нельзя.",
        "Group sizes do NOT match the plan: control share {share} against {planned} planned (χ² = {chi2}, p = {p}). "
        "The groups were probably drawn or exported wrongly: until the cause is found the effect cannot be trusted.",
    ),
    "campaign.srm_skipped": (
        "Плановая доля контроля не задана (campaign.planned_control_share), поэтому соотношение групп не проверялось; "
        "фактическая доля контроля — {share}.",
        "No planned control share is set (campaign.planned_control_share), so the group ratio was not checked; "
        "the actual control share is {share}.",
    ),
    "campaign.balance_ok": (
        "Группы похожи по признакам до рассылки: стандартизованная разница нигде не превышает {threshold} "
        "(порог учитывает размер групп: в малых группах случайные расхождения больше).",
        "The groups are alike before sending: no standardized difference exceeds {threshold} "
        "(the threshold allows for group size: small groups differ more by chance).",
    ),
    "campaign.balance_bad": (
        "Группы различаются до рассылки в {count} из {levels} проверенных значений (стандартизованная разница больше "
        "{threshold}): {items}. При случайном отборе единичные расхождения бывают и случайно; если их много или они "
        "крупные, проверьте, как отбирался контроль: сравнение может быть смещено.",
        "The groups differ before sending in {count} of {levels} values checked (standardized difference above "
        "{threshold}): {items}. With random assignment an odd difference happens by chance; if there are many or large "
        "ones, check how the control was drawn: the comparison may be biased.",
    ),
    "campaign.randomized_text": (
        "Контрольная группа отобрана случайно: разница между группами — это эффект рассылки.",
        "The control group was drawn at random: the difference between the groups is the effect of the mailing.",
    ),
    "campaign.observational_text": (
        "Контрольная группа НЕ была случайной (campaign.randomized: false). Простое сравнение смешивает эффект рассылки "
        "с различиями между группами, поэтому главная оценка скорректирована стратификацией по признакам {strata} "
        "(в сопоставимых стратах — {coverage} клиентов рассылки): {effect} ₽, интервал [{low}; {high}] ₽. "
        "Это наблюдательная оценка, а не результат эксперимента: неучтённые различия групп могут её сместить.",
        "The control group was NOT drawn at random (campaign.randomized: false). A plain comparison mixes the effect of "
        "the mailing with differences between the groups, so the main estimate is adjusted by stratifying on {strata} "
        "({coverage} of mailed clients fall in comparable strata): {effect} ₽, interval [{low}; {high}] ₽. It is an "
        "observational estimate, not an experiment's result: differences not accounted for can bias it.",
    ),
    "campaign.arms_text": (
        "В квадратных скобках — {level}% доверительные интервалы.",
        "Square brackets hold {level}% confidence intervals.",
    ),
    "campaign.cuped_text": (
        "Поправка CUPED на выручку до рассылки уменьшила дисперсию на {reduction}: эффект {effect} ₽, интервал "
        "[{low}; {high}] ₽ (без поправки [{raw_low}; {raw_high}] ₽). Из эффекта {from_conversion} ₽ дают дополнительные "
        "покупатели и {from_check} ₽ — изменение среднего чека.",
        "The CUPED adjustment on pre-period revenue cut the variance by {reduction}: effect {effect} ₽, interval "
        "[{low}; {high}] ₽ (unadjusted [{raw_low}; {raw_high}] ₽). Of the effect, {from_conversion} ₽ come from extra "
        "buyers and {from_check} ₽ from a change of the average check.",
    ),
    "campaign.subgroups_text": (
        "Подгруппы, где в одной из групп меньше {min_cell} клиентов, показаны без интервала и p. Подгрупп много, и "
        "какая-то из них может «выстрелить» случайно, поэтому значимость решает p, скорректированное методом "
        "Бенджамини–Хохберга по подгруппам таблицы (интервалы — без поправки); незначимые оценки — серым.",
        "Subgroups with fewer than {min_cell} clients in either group have no interval and no p. With many subgroups one "
        "may stand out by chance, so significance is judged by the p-value adjusted by Benjamini–Hochberg across the "
        "table's subgroups (intervals are unadjusted); estimates that are not significant are grey.",
    ),
    "campaign.forest_text": (
        "Точки — эффект на одного клиента по рассылке, линии — {level}% интервалы; серые — не значимы, светлые — мало клиентов.",
        "Points are the effect per mailed client, lines {level}% intervals; grey: not significant, pale: too few clients.",
    ),
    "campaign.channels_text": (
        "Каждый канал сравнивается {scope}; p скорректированы методом Холма по {n} каналам. Каналы назначены по "
        "доступности контакта, а не случайно: различия каналов отражают и различия их клиентов.",
        "Each channel is compared {scope}; p-values are Holm-adjusted across {n} channels. Channels follow contact "
        "availability, not chance: differences between channels also reflect their customers.",
    ),
    "campaign.funnel_text": (
        "Главная оценка — на каждого, кому отправляли сообщение (ITT): она не зависит от того, кто его получил. "
        "Эффект на доставленного = ITT ÷ доля доставленных — вторичная оценка, она опирается на допущение, что "
        "недоставленное сообщение не действует.",
        "The main estimate is per client the message was sent to (ITT): it does not depend on who received it. The "
        "effect per delivered client = ITT ÷ delivered share is secondary: it assumes an undelivered message has no effect.",
    ),
    "campaign.planning_text": (
        "Следующая кампания того же размера ({clients} клиентов): минимальный обнаружимый эффект (MDE) при мощности "
        "{power} и уровне {level}%, и сколько клиентов нужно в контроле, чтобы увидеть эффект {target} ₽ на клиента.",
        "A next campaign of the same size ({clients} clients): the minimum detectable effect (MDE) at {power} power and "
        "the {level}% level, and how many control clients it takes to detect an effect of {target} ₽ per client.",
    ),
    "campaign.planning_no_target": (
        "Эффект на клиента в этой кампании не положителен, а целевой эффект не задан "
        "(campaign.planning_target_per_client): нужный размер контроля не рассчитан.",
        "The effect per client in this campaign is not positive and no target is set "
        "(campaign.planning_target_per_client): the control size needed is not computed.",
    ),
    "campaign.truth_text": (
        "Демо-данные хранят истинный ожидаемый эффект каждого клиента. Истинный эффект кампании — {truth} ₽; "
        "оценка {effect} ₽ с интервалом [{low}; {high}] ₽ {covers}. Истина найдена для {share} клиентов рассылки.",
        "The demo data keeps each customer's true expected effect. The campaign's true effect is {truth} ₽; the "
        "estimate {effect} ₽ with interval [{low}; {high}] ₽ {covers}. The truth was found for {share} of mailed clients.",
    ),
    "campaign.truth_cells_text": (
        "В подгруппах пол × возраст интервалы накрывают истинный эффект в {covered} из {tested} проверенных ячеек "
        "(красные крестики на графике).",
        "In the gender × age cells the intervals cover the true effect in {covered} of {tested} tested cells "
        "(red crosses in the chart).",
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
