"""Jinja for every template the tool fills (letters, emails, web pages): sandboxed, strict, checked early.

Templates are files a team edits, so they are treated as untrusted: they run in Jinja's sandbox (no
reaching Python objects, files or the shell), a name that is not provided is an error rather than an
empty string, and :func:`unknown_names` finds a misspelt attribute (``{{ upheld.percnt }}``) before
anything is rendered, by walking the template against the variables every letter will get.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, StrictUndefined, Template, nodes
from jinja2.sandbox import SandboxedEnvironment

from .errors import TemplateProblem

#: Where the templates live, by name: a year's own letter, the generic letter, the email, the site's pages.
TEMPLATE_PATTERN = "annual-review-letter-{year}.docx"
GENERIC_TEMPLATE = "annual-review-letter.docx"
EMAIL_TEMPLATE = "annual-review-email.txt"
SITE_TEMPLATES = "site"


def template_folders() -> list[Path]:
    """Where templates are looked for: ``./letter_templates`` (the team's working copy), the checkout
    this package runs from, then the templates installed with the package."""
    folders = [Path("letter_templates"), Path(__file__).resolve().parent.parent / "letter_templates"]
    try:
        spec = importlib.util.find_spec("ombudsman_cli.letter_templates")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        folders += [Path(p) for p in spec.submodule_search_locations]
    return folders


def find_template(year: int, template: Path | None = None, folders: list[Path] | None = None) -> Path:
    """``template`` if given; else the year's own template, else the generic one, from the first folder
    that has it (``./letter_templates``, then the copy shipped with the package)."""
    if template is not None:
        if not template.is_file():
            raise TemplateProblem(f"template {template} does not exist")
        return template
    search = [Path(f) for f in (template_folders() if folders is None else folders)]
    for name in (TEMPLATE_PATTERN.format(year=year), GENERIC_TEMPLATE):
        for folder in search:
            if (folder / name).is_file():
                return folder / name
    raise TemplateProblem(
        f"no letter template for {year}: looked for {TEMPLATE_PATTERN.format(year=year)} and {GENERIC_TEMPLATE} "
        f"in {', '.join(map(str, search)) or 'no folder'}; pass --template FILE"
    )


def find_email_template(template: Path | None = None) -> Path:
    """``template`` if given, else ``letter_templates/annual-review-email.txt`` from where the letter
    templates are found (``./letter_templates``, then the copy installed with the package)."""
    if template is not None:
        if not template.is_file():
            raise TemplateProblem(f"email template {template} does not exist")
        return template
    for folder in template_folders():
        if (folder / EMAIL_TEMPLATE).is_file():
            return folder / EMAIL_TEMPLATE
    raise TemplateProblem(f"no email template: looked for {EMAIL_TEMPLATE} in "
                          f"{', '.join(map(str, template_folders()))}; set [email] template")


def site_template_folder(templates: Path | None = None) -> Path:
    """``templates`` if given, else ``letter_templates/site`` from where the letter templates are found."""
    if templates is not None:
        if not (templates / "council.html").is_file():
            raise TemplateProblem(f"{templates} has no council.html: it is not a folder of site templates")
        return templates
    for folder in template_folders():
        if (folder / SITE_TEMPLATES / "council.html").is_file():
            return folder / SITE_TEMPLATES
    raise TemplateProblem(f"no site templates: looked for {SITE_TEMPLATES}/ in "
                          f"{', '.join(map(str, template_folders()))}")


# -- the sandbox --------------------------------------------------------------------------------------


class _CompilingOnceEnvironment(SandboxedEnvironment):
    """The sandbox, compiling each template source once (docxtpl compiles on every render)."""

    @lru_cache(maxsize=32)  # noqa: B019 - one environment per run; the cache is the point
    def _compile_source(self, source: str) -> Template:
        return super().from_string(source)

    def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Template:  # noqa: A002
        if globals is None and template_class is None and isinstance(source, str):
            return self._compile_source(source)
        return super().from_string(source, globals, template_class)


def sandboxed_environment(autoescape: bool | Callable[[str | None], bool] = True,
                          loader: BaseLoader | None = None) -> SandboxedEnvironment:
    """The environment for every template: sandboxed, undefined names are errors, autoescaping as asked
    (on for Word XML and HTML, so that "Hammersmith & Fulham" stays valid; off for plain-text email)."""
    return _CompilingOnceEnvironment(autoescape=autoescape, loader=loader, undefined=StrictUndefined,
                                     keep_trailing_newline=True)


# -- finding misspelt names before rendering -------------------------------------------------------------

class _Unknown:
    """A value the walk cannot know (a loop counter, a variable set in the template): never reported."""


UNKNOWN = _Unknown()


def sample_of(contexts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One context with every key any of ``contexts`` has, and each list as one item holding every key
    its items have: what :func:`unknown_names` checks against.

    Letters' contexts share one shape, so after the first only what the sample still lacks is looked
    for (a list empty so far, a key not seen): a national run's 343 contexts cost next to nothing."""
    sample: Any = None
    for context in contexts:
        if sample is None:
            sample = _merge(None, context)
        elif _lacks(sample, context):
            sample = _merge(sample, context)
    return sample if isinstance(sample, dict) else {}


def _lacks(sample: Any, other: Any) -> bool:
    """Whether ``other`` has something ``sample`` does not: a key, or items where the sample's list is empty."""
    if isinstance(sample, dict) and isinstance(other, dict):
        return any(key not in sample or _lacks(sample[key], value) for key, value in other.items())
    if isinstance(sample, list) and isinstance(other, list):
        return (not sample and bool(other)) or (bool(sample) and any(_lacks(sample[0], item) for item in other[:1]))
    return sample is None and other is not None


def _merge(one: Any, other: Any) -> Any:
    if isinstance(one, dict) and isinstance(other, dict):
        merged = dict(one)
        for key, value in other.items():
            merged[key] = _merge(one.get(key), value) if key in one else _merge(None, value)
        return merged
    if isinstance(other, list):
        item: Any = None
        for element in [*(one if isinstance(one, list) else []), *other]:
            item = _merge(item, element)
        return [item] if item is not None else (one if isinstance(one, list) else [])
    if isinstance(other, dict):
        return _merge({}, other) if one is None else one
    return other if one is None else one


def unknown_names(environment: SandboxedEnvironment, source: str, sample: dict[str, Any]) -> list[str]:
    """Every ``name.attribute`` (or ``name['key']``) the template reads that ``sample`` does not have,
    with what it does have: ``upheld.percnt (upheld has: average, count, ...)``."""
    found: dict[str, None] = {}
    _walk(environment.parse(source), dict(sample), found)
    return list(found)


def _walk(node: nodes.Node, scope: dict[str, Any], found: dict[str, None]) -> None:
    if isinstance(node, nodes.For):
        _walk(node.iter, scope, found)
        inner = dict(scope)
        _bind(node.target, _item_of(_resolve(node.iter, scope)), inner)
        inner["loop"] = UNKNOWN
        for child in [*node.body, *([node.test] if node.test else [])]:
            _walk(child, inner, found)
        for child in node.else_:
            _walk(child, scope, found)
        return
    if isinstance(node, (nodes.Assign, nodes.AssignBlock)):
        _bind(node.target, UNKNOWN, scope)
    elif isinstance(node, (nodes.Macro, nodes.CallBlock)):
        scope = {**scope, **{arg.name: UNKNOWN for arg in node.args}}
    elif isinstance(node, nodes.With):
        scope = dict(scope)
        for target in node.targets:
            _bind(target, UNKNOWN, scope)
    elif isinstance(node, (nodes.Getattr, nodes.Getitem)):
        _check(node, scope, found)
    for child in node.iter_child_nodes():
        _walk(child, scope, found)


def _bind(target: nodes.Node, value: Any, scope: dict[str, Any]) -> None:
    if isinstance(target, nodes.Name):
        scope[target.name] = value
    elif isinstance(target, nodes.Tuple):
        for item in target.items:
            _bind(item, UNKNOWN, scope)


def _item_of(value: Any) -> Any:
    if isinstance(value, list) and value:
        return value[0]
    return UNKNOWN


def _key(node: nodes.Getattr | nodes.Getitem) -> Any:
    if isinstance(node, nodes.Getattr):
        return node.attr
    return node.arg.value if isinstance(node.arg, nodes.Const) else UNKNOWN


def _resolve(node: nodes.Node, scope: dict[str, Any]) -> Any:
    if isinstance(node, nodes.Name):
        return scope.get(node.name, UNKNOWN)
    if isinstance(node, (nodes.Getattr, nodes.Getitem)):
        parent, key = _resolve(node.node, scope), _key(node)
        if parent is UNKNOWN or key is UNKNOWN or parent is None:
            return UNKNOWN
        if isinstance(parent, dict):
            return parent.get(key, UNKNOWN) if key in parent else UNKNOWN
        if isinstance(parent, list) and isinstance(key, int):
            return _item_of(parent)
        return UNKNOWN
    return UNKNOWN


def _check(node: nodes.Getattr | nodes.Getitem, scope: dict[str, Any], found: dict[str, None]) -> None:
    parent, key = _resolve(node.node, scope), _key(node)
    if parent is UNKNOWN or key is UNKNOWN or parent is None or not isinstance(key, str):
        return
    if isinstance(parent, dict):
        if key in parent or hasattr(dict, key):
            return
        has = f" ({_path(node.node)} has: {', '.join(sorted(parent))})" if parent else ""
        found[f"{_path(node)}{has}"] = None
    elif isinstance(parent, (str, int, float, bool, list)) and not hasattr(parent, key):
        found[f"{_path(node)} ({_path(node.node)} is {type(parent).__name__}, which has no {key})"] = None


def _path(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_path(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        key = _key(node)
        return f"{_path(node.node)}[{key!r}]" if key is not UNKNOWN else f"{_path(node.node)}[...]"
    return "(...)"


# -- naming the place of an error ----------------------------------------------------------------------

def template_line(error: BaseException) -> int | None:
    """The line of the template where ``error`` arose (Jinja names template frames ``<template>``)."""
    line = getattr(error, "lineno", None)
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def lines_around(source: str, line: int | None, before: int = 2, after: int = 2,
                 strip: Callable[[str], str] = lambda text: re.sub(r"<[^>]+>", "", text)) -> list[str]:
    """The template's text around ``line`` (XML tags removed, so it reads as it does in Word)."""
    if not line:
        return []
    return [text for text in (strip(s) for s in source.splitlines()[max(line - 1 - before, 0):line + after])
            if text.strip()]


def describe_failure(what: str, error: BaseException, source: str | None, fix: str,
                     context_lines: Sequence[str] = ()) -> TemplateProblem:
    """A :class:`TemplateProblem` saying what failed, why, and the template text around the tag."""
    lines = list(context_lines) or (lines_around(source, template_line(error)) if source else [])
    around = "\n".join(f"    {line.strip()}" for line in lines if line.strip())
    reason = str(error) or type(error).__name__
    if not isinstance(error, TemplateProblem) and type(error).__module__ != "jinja2.exceptions":
        reason = f"{type(error).__name__}: {reason}"
    return TemplateProblem(f"{what} ({reason})" + (f"; near:\n{around}" if around else "") + f"\n{fix}")
