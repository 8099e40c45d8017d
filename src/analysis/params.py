"""Parameters: params/default.yaml, overridden by a profile, then by `key.sub=value` settings; validated once."""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import glob
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from analysis import paths

DEFAULT_FILE = "params/default.yaml"
SOURCE_TEMPLATE_KEY = "source_defaults"
TODAY = "today"

# Allowed values of enumerated parameters; '*' stands for any source name.
CHOICES: dict[str, tuple[str, ...]] = {
    "language": ("ru", "en"),
    "sources.*.format": ("csv", "xlsx", "parquet"),
    "sources.*.table": ("customers", "receipts", "receipt_lines", "stores", "campaign_contacts"),
    "lifecycle.thresholds": ("retail", "ecommerce", "b2b", "auto"),
}


class ParamsError(ValueError):
    """A parameter is unknown, of the wrong type or points nowhere; the message names the key and the file."""


def load(
    profile: str | Path | None = None,
    overrides: Sequence[str] = (),
    as_of: str | dt.date | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """Merged and validated parameters: default.yaml ← profile ← overrides (← as_of, when given).

    `as_of` becomes a `datetime.date`; every source is completed from `source_defaults` and its
    path checked. Raises ParamsError naming the key and the file that set it.
    """
    root = root or paths.project_root()
    default_path = root / DEFAULT_FILE
    defaults = _read_yaml(default_path)
    merged = copy.deepcopy(defaults)
    origin: dict[str, str] = {}
    _mark(merged, "", str(DEFAULT_FILE), origin)
    if profile:
        profile_path = paths.resolve(profile, root)
        if not profile_path.is_file():
            raise ParamsError(f"params profile not found: {profile} (looked at {profile_path})")
        _merge(merged, _read_yaml(profile_path), "", _relative(profile_path, root), origin)
    for item in overrides:
        key, value = _parse_setting(item)
        _merge(merged, _nest(key, value), "", f"--set {item}", origin)
    if as_of is not None:
        merged["as_of"] = str(as_of)
        origin["as_of"] = "--as-of"
    _validate(merged, defaults, "", origin)
    template = defaults[SOURCE_TEMPLATE_KEY]
    for name, source in merged["sources"].items():
        where = f"sources.{name}"
        if not isinstance(source, Mapping):
            raise ParamsError(f"parameter '{where}' in {origin.get(where, '?')} must be a mapping of source settings")
        _validate(source, template, where, origin)
        merged["sources"][name] = {**copy.deepcopy(template), **source}
    _check_choices(merged, origin)
    merged["as_of"] = parse_date(merged["as_of"], "as_of", origin.get("as_of", "?"))
    _check_sources(merged, root, origin)
    return merged


def parse_date(value: Any, key: str, where: str = "?") -> dt.date:
    """A date from 'YYYY-MM-DD', 'today' or a YAML date; ParamsError names the key otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if str(value).strip().lower() == TODAY:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParamsError(f"parameter '{key}' in {where} must be a date YYYY-MM-DD or 'today', got {value!r}") from None


def source_files(source: Mapping[str, Any], root: Path | None = None) -> list[Path]:
    """The files a source's path (or glob) matches, sorted."""
    pattern = str(paths.resolve(source["path"], root))
    return sorted(Path(p) for p in glob.glob(pattern))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"params file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"params file {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"params file {path} must hold a mapping of keys, got {type(data).__name__}")
    return data


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _parse_setting(item: str) -> tuple[str, Any]:
    key, sep, raw = item.partition("=")
    if not sep or not key.strip():
        raise ParamsError(f"--set expects key.sub=value, got {item!r}")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


def _mark(tree: Mapping[str, Any], prefix: str, where: str, origin: dict[str, str]) -> None:
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        origin[dotted] = where
        if isinstance(value, Mapping):
            _mark(value, dotted + ".", where, origin)


def _merge(base: dict[str, Any], new: Mapping[str, Any], prefix: str, where: str, origin: dict[str, str]) -> None:
    for key, value in new.items():
        dotted = f"{prefix}{key}"
        origin[dotted] = where
        if isinstance(value, Mapping) and isinstance(base.get(key), dict) and base[key]:
            _merge(base[key], value, dotted + ".", where, origin)
        elif isinstance(value, Mapping):
            base[key] = copy.deepcopy(dict(value))
            _mark(value, dotted + ".", where, origin)
        else:
            base[key] = value


def _validate(values: Mapping[str, Any], schema: Mapping[str, Any], prefix: str, origin: dict[str, str]) -> None:
    """Keys must exist in the schema (the defaults) and values have the defaults' types; {} means free-form."""
    for key, value in values.items():
        dotted = f"{prefix}.{key}" if prefix else key
        where = origin.get(dotted, "?")
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean '{prefix + '.' if prefix else ''}{close[0]}'?)" if close else ""
            raise ParamsError(f"unknown parameter '{dotted}' in {where}{hint}")
        expected = schema[key]
        _check_type(dotted, value, expected, where)
        if isinstance(expected, Mapping) and expected and dotted != "sources":
            _validate(value, expected, dotted, origin)


def _check_type(key: str, value: Any, expected: Any, where: str) -> None:
    if expected is None or key == "as_of":
        return
    if isinstance(expected, bool):
        ok = isinstance(value, bool)
    elif isinstance(expected, int):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(expected, float):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(expected, str):
        ok = isinstance(value, str)
    elif isinstance(expected, list):
        ok = isinstance(value, list)
        if ok and expected and not isinstance(expected[0], (list, dict)):
            for item in value:
                _check_type(f"{key}[]", item, expected[0], where)
    elif isinstance(expected, Mapping):
        ok = isinstance(value, Mapping)
    else:
        ok = True
    if not ok:
        raise ParamsError(
            f"parameter '{key}' in {where} must be {_type_name(expected)}, got {type(value).__name__} {value!r}"
        )


def _type_name(expected: Any) -> str:
    names = {bool: "true/false", int: "an integer", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    return names.get(type(expected), type(expected).__name__)


def _check_choices(merged: Mapping[str, Any], origin: dict[str, str]) -> None:
    for pattern, allowed in CHOICES.items():
        for key, value in _expand(merged, pattern.split(".")):
            if value not in allowed:
                raise ParamsError(
                    f"parameter '{key}' in {origin.get(key, '?')} must be one of {', '.join(allowed)}, got {value!r}"
                )


def _expand(tree: Any, parts: list[str], prefix: str = "") -> list[tuple[str, Any]]:
    if not parts:
        return [(prefix.rstrip("."), tree)]
    if not isinstance(tree, Mapping):
        return []
    head, rest = parts[0], parts[1:]
    keys = list(tree) if head == "*" else [head] if head in tree else []
    return [item for k in keys for item in _expand(tree[k], rest, f"{prefix}{k}.")]


def _check_sources(merged: Mapping[str, Any], root: Path, origin: dict[str, str]) -> None:
    for name, source in merged["sources"].items():
        for key in ("table", "path"):
            if not source[key]:
                raise ParamsError(f"source '{name}' has no '{key}' (set sources.{name}.{key} in {origin.get(f'sources.{name}', '?')})")
        if not source_files(source, root):
            key = f"sources.{name}.path"
            raise ParamsError(
                f"parameter '{key}' in {origin.get(key, '?')}: no file matches {source['path']!r} "
                f"(looked at {paths.resolve(source['path'], root)})"
            )
