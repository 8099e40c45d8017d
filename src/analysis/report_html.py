"""Executed notebook → one self-contained stakeholder HTML: no code, no parameter cells, images embedded, no CDN."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config

# Cells tagged with the other language are dropped; untagged cells show in both.
LANGUAGE_TAGS = {"ru": "en", "en": "ru"}
HIDDEN_TAGS = {"parameters", "injected-parameters", "analyst-only"}
# Reports need no JavaScript (figures are PNG, tables HTML); the template's scripts load MathJax and Mermaid
# from CDNs, so every script goes and the file opens offline.
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
_REMOTE_LINK = re.compile(r'<link[^>]+href="https?://[^"]*"[^>]*>', re.IGNORECASE)


def render(notebook: Path, html: Path, language: str, title: str) -> Path:
    """Write `html` from an executed `notebook` in the report `language`."""
    nb = nbformat.read(notebook, as_version=4)
    config = Config()
    config.TagRemovePreprocessor.remove_cell_tags = HIDDEN_TAGS | {LANGUAGE_TAGS[language]}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(
        config=config,
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        mathjax_url="",
        require_js_url="",
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _REMOTE_LINK.sub("", _SCRIPT.sub("", body))
    body = body.replace("<html>", f'<html lang="{language}">', 1)
    html.write_text(body, encoding="utf-8")
    return html


def remote_references(html: str) -> list[str]:
    """Addresses an HTML file would fetch when opened: scripts, images, styles, imports (should be none)."""
    fetched = re.findall(r'\bsrc="(https?://[^"]+)"', html) + re.findall(r'<link[^>]+href="(https?://[^"]+)"', html)
    return fetched + re.findall(r'import\(\s*"(https?://[^"]+)"', html) + re.findall(r'@import\s+url\(["\']?(https?://[^)"\']+)', html)
