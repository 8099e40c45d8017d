"""Report figures: consistent, localized matplotlib/seaborn charts that notebooks call in one line."""
from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analysis import labels


def money_axis(ax: plt.Axes, language: str) -> None:
    """Y axis in thousands or millions of rubles with the language's separators."""
    top = max(abs(v) for v in ax.get_ylim())
    scale, unit = (1e6, ("млн ₽", "M ₽")) if top >= 2e6 else (1e3, ("тыс. ₽", "k ₽")) if top >= 2e3 else (1, ("₽", "₽"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: labels.fmt_num(v / scale, 0 if scale == 1 else 1, language)))
    ax.set_ylabel(unit[labels.LANGUAGES.index(language)])


def monthly_lines(frame: pd.DataFrame, values: list[str], hue: str, language: str) -> Figure:
    """One line chart per value column over `month`, one line per `hue` value; money columns get a ruble axis."""
    fig, axes = plt.subplots(1, len(values), figsize=(6 * len(values), 4), squeeze=False)
    for ax, col in zip(axes[0], values):
        sns.lineplot(data=frame, x="month", y=col, hue=hue, marker="o", ax=ax)
        ax.set(title=labels.t(col, language) if col in labels.COLUMNS else col, xlabel="", ylabel="")
        legend = ax.get_legend()
        if legend is not None:
            legend.set_title(labels.t(hue, language) if hue in labels.COLUMNS else hue)
        if any(w in col for w in ("revenue", "amount")):
            money_axis(ax, language)
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig
