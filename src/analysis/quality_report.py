"""Figures for the quality report: issues with consequences and masked examples, fixes, reachability, accuracy."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from analysis import labels, privacy, xlsx_writer
from analysis.quality import CHANNELS

# What each problem costs: the rule behind the report's "consequence" column.
CONSEQUENCE: dict[str, str] = {
    "name_latin_letters": "annoying", "name_patronymic_in_surname": "annoying", "name_swapped": "annoying",
    "name_junk": "annoying", "gender_conflict": "untargeted", "phone_fake": "lost_contact",
    "phone_too_short": "lost_contact", "phone_text": "lost_contact", "phone_foreign": "lost_contact",
    "email_domain_typo": "lost_contact", "email_invalid": "lost_contact", "email_spam": "lost_contact",
    "email_placeholder": "lost_contact", "birth_date_future": "untargeted", "birth_date_too_old": "untargeted",
    "birth_date_too_young": "untargeted", "birth_date_partial": "untargeted", "birth_date_unparseable": "untargeted",
    "country_unknown": "reporting", "city_misspelt": "reporting", "city_unknown": "reporting",
    "address_incomplete": "lost_contact", "passport_invalid": "reporting", "inn_invalid": "reporting",
    "snils_invalid": "reporting", "record_stale": "churn",
}
# Which privacy rule masks the values of each audited field.
_MASK_AS = {"name": "full_name", "phone": "phone", "email": "email", "birth_date": "birth_date", "address": "address",
            "passport": "passport", "inn": "inn", "snils": "snils"}


def masked(field: str, values: pd.Series) -> pd.Series:
    """Values of an audited field masked for HTML (non-personal fields such as city are shown as they are)."""
    return privacy.mask_series(_MASK_AS.get(field, field), values.astype(object).where(values.notna(), ""))


def issue_summary(issues: pd.DataFrame, records: int, examples: int, language: str) -> pd.DataFrame:
    """Per field and problem: records affected, their share, the consequence, and a few masked examples."""
    if issues.empty:
        return pd.DataFrame(columns=["field", "issue", "records", "records_share", "consequence", "examples"])
    g = issues.groupby(["field", "issue"], sort=False)
    out = g["source_id"].size().rename("records").reset_index()
    out["records_share"] = out["records"] / records
    out["consequence"] = out["issue"].map(lambda i: labels.t(f"consequence.{CONSEQUENCE.get(i, 'reporting')}", language))
    sample = g.head(examples)
    sample = sample.assign(text=[masked(f, pd.Series([v]))[0] for f, v in zip(sample["field"], sample["raw_value"])])
    out["examples"] = out.set_index(["field", "issue"]).index.map(
        sample.groupby(["field", "issue"], sort=False)["text"].agg(" | ".join)
    )
    out["field"] = out["field"].map(lambda f: labels.t(f"field.{f}", language))
    out["issue"] = out["issue"].map(lambda i: labels.t(i, language))
    return out.sort_values("records", ascending=False, ignore_index=True)


def fixes(issues: pd.DataFrame, per_field: int, language: str) -> pd.DataFrame:
    """Before → after examples of values the audit corrected (masked)."""
    fixed = issues[issues["suggested_value"].notna() & (issues["raw_value"].astype(str) != issues["suggested_value"].astype(str))]
    fixed = fixed.groupby("field", sort=False).head(per_field)
    return pd.DataFrame({
        "field": fixed["field"].map(lambda f: labels.t(f"field.{f}", language)),
        "issue": fixed["issue"].map(lambda i: labels.t(i, language)),
        "before": [masked(f, pd.Series([v]))[0] for f, v in zip(fixed["field"], fixed["raw_value"])],
        "after": [masked(f, pd.Series([v]))[0] for f, v in zip(fixed["field"], fixed["suggested_value"])],
    }).reset_index(drop=True)


def reachability(clean: pd.DataFrame) -> pd.DataFrame:
    """Share of records reachable per source and channel (valid contact and consent)."""
    columns = [f"contactable_{c}" for c in CHANNELS]
    shares = clean.groupby("source", observed=True)[columns].mean()
    shares.columns = pd.Index([c.removeprefix("contactable_") for c in columns], name="channel")
    long = shares.stack().rename("contactable_share").reset_index()
    return long.sort_values(["source", "channel"], ignore_index=True)


def scorecard_heatmap(card: pd.DataFrame, language: str) -> Figure:
    """Share of values ok / standardized / empty / invalid per field, one panel per source.

    Cells are coloured by what the share means (many ok or fixed values: green; many empty or invalid: red)
    and annotated with the share itself.
    """
    sources = list(card["source"].unique())
    fig, axes = plt.subplots(1, len(sources), figsize=(5.5 * len(sources), 4.8), squeeze=False)
    codes = {c: labels.t(f"quality.{c}", language) for c in (0, 1, 2, 10)}
    for ax, source in zip(axes[0], sources):
        part = card[card["source"] == source].set_index("field")[[0, 1, 2, 10]]
        goodness = part.copy()
        goodness[[2, 10]] = 1 - goodness[[2, 10]]
        goodness[[0, 1]] = goodness[[0, 1]].clip(upper=1)
        index = [labels.t(f"field.{f}", language) for f in part.index]
        sns.heatmap((goodness.rename(columns=codes)).set_axis(index), annot=(part * 100).rename(columns=codes).set_axis(index),
                    fmt=".0f", vmin=0, vmax=1, cmap="RdYlGn", cbar=False, ax=ax)
        ax.set(title=source, xlabel="", ylabel="")
    fig.suptitle(labels.t("quality.scorecard", language) + ", %")
    fig.tight_layout()
    return fig


def reachability_chart(reach: pd.DataFrame, language: str) -> Figure:
    """Bars of the reachable share per channel and source."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sns.barplot(data=reach.assign(share=reach["contactable_share"] * 100), x="channel", y="share", hue="source", ax=ax)
    ax.set(title=labels.t("quality.contactable", language), xlabel="", ylabel="%")
    return fig


def export_issues(issues: pd.DataFrame, clean: pd.DataFrame, path: Path) -> Path:
    """The data stewards' workbook, with full values: every problem (sheet "issues") and the records concerned
    (sheet "records", matched on source and source_id). A list longer than an Excel sheet goes on over
    "issues_2", "issues_3", … (likewise "records_2", …), so nothing is left out."""
    path.parent.mkdir(parents=True, exist_ok=True)
    concerned = np.zeros(len(clean), dtype=bool)
    for source, ids in issues.groupby("source", sort=False)["source_id"]:
        rows = clean["source"].isin([source]).to_numpy()
        concerned[rows] = clean.loc[rows, "source_id"].isin(ids).to_numpy()
    sheets = [xlsx_writer.Sheet(name if n == 1 else f"{name}_{n}", part)
              for name, frame in (("issues", issues), ("records", clean[concerned]))
              for n, part in enumerate(xlsx_writer.split_rows(xlsx_writer.from_pandas(frame)), start=1)]
    xlsx_writer.write_xlsx(path, sheets, styled=True)
    return path
