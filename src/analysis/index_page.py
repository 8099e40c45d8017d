"""The stakeholders' landing page of a run: one line per stage with status, time and headline figures."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from analysis import labels

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:70rem;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} .meta{color:#555;margin-bottom:1.5rem}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5} .ok{color:#1a7f37;font-weight:600} .failed{color:#c62828;font-weight:600} .skipped{color:#888}
.note{background:#fdecea;border-left:4px solid #c62828;padding:.6rem 1rem;margin:1rem 0}
ul.h{margin:0;padding-left:1rem} dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem;color:#444}
dt{font-weight:600}
"""


def write(path: Path, manifest: dict[str, Any], language: str) -> Path:
    """Write index.html for a finished run from its manifest."""
    t = lambda key: escape(labels.t(key, language))  # noqa: E731 - a local shorthand
    rows = []
    for stage in manifest["stages"]:
        title = labels.STAGE_TITLES.get(stage["name"], (stage["name"],) * 2)[labels.LANGUAGES.index(language)]
        link = f'<a href="{escape(stage["html"])}">{escape(title)}</a>' if stage["html"] else escape(title)
        heads = "".join(f"<li>{escape(h['label'])}: <b>{escape(str(h['value']))}</b></li>" for h in stage["headlines"][:3])
        notebook = f'<a href="{escape(stage["notebook"])}">.ipynb</a>' if stage["notebook"] else ""
        seconds = labels.fmt_num(stage["seconds"], 1, language) if stage["status"] != "skipped" else ""
        rows.append(
            f"<tr><td>{link}</td><td class=\"{stage['status']}\">{t('status.' + stage['status'])}</td>"
            f"<td>{seconds}</td><td><ul class=\"h\">{heads}</ul></td><td>{notebook}</td></tr>"
        )
    failed = any(s["status"] == "failed" for s in manifest["stages"])
    note = f'<p class="note">{t("index.failed_note")}</p>' if failed else ""
    meta = {
        "index.run_id": manifest["run_id"], "index.as_of": manifest["as_of"], "index.started": manifest["started_at"],
        "index.profile": manifest["profile"] or "params/default.yaml", "index.version": manifest["package_version"],
        "index.commit": manifest["git_commit"][:12] + ("+dirty" if manifest["git_commit"].endswith("+dirty") else ""),
        "index.inputs": str(len(manifest["inputs"])),
    }
    dl = "".join(f"<dt>{t(k)}</dt><dd>{escape(v)}</dd>" for k, v in meta.items())
    html = f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><title>{t('index.title')} — {escape(manifest['as_of'])}</title>
<style>{_CSS}</style></head><body>
<h1>{t('index.title')}</h1><div class="meta">{t('index.as_of')}: {escape(manifest['as_of'])}</div>
{note}
<table><thead><tr><th>{t('index.stage')}</th><th>{t('index.status')}</th><th>{t('index.duration')}</th>
<th>{t('index.headlines')}</th><th>{t('index.notebook')}</th></tr></thead><tbody>
{''.join(rows)}
</tbody></table>
<h2>{t('index.run')}</h2><dl>{dl}</dl>
</body></html>
"""
    path.write_text(html, encoding="utf-8")
    return path
