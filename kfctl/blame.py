"""Which component an evaluation failure belongs to.

An error located in a library, a missing ext var, or an engine crash (no location at all) is reported with
the component whose evaluation reached it; a file nested deeper than go-jsonnet's parser survives is refused
before evaluation (that parser would abort the whole process with a Go stack dump). Used by ``render``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from .app import App, Component
from .engine import MAX_NESTING, Engine, EngineCrash, Request, evaluate_compat, too_deep
from .errors import EngineError, RenderError


def evaluate_components(app: App, engine: Engine, chosen: list[Component], names: list[str],
                        request: Callable[[list[str]], Request]) -> tuple[str, list[str]]:
    """``evaluate_compat`` of ``request(names)`` (the chosen components, by their names in main.jsonnet);
    a failure names its component."""
    req = request(names)
    check_nesting(app, chosen, req.jpaths)
    try:
        return evaluate_compat(engine, req, base=app.root)
    except EngineCrash as crash:
        raise _crashed_component(app, engine, crash, chosen, names, request) from None
    except EngineError as err:
        first = _name_component(app, err, chosen)
        if len(names) > 1 and req.snippet is not None:
            _add_other_failures(first, app, engine, chosen, names, request)
        raise first from None


def _add_other_failures(first: EngineError, app: App, engine: Engine, chosen: list[Component], names: list[str],
                        request: Callable[[list[str]], Request]) -> None:
    """One bad component must not hide the others': the errors of the other components that fail on
    their own become ``first``'s hint (each component evaluated alone, named as ``first`` is)."""
    seen = [str(first).splitlines()[0]]
    for comp, name in zip(chosen, names):
        try:
            evaluate_compat(engine, request([name]), base=app.root)
        except EngineCrash:
            continue  # named when that component is rendered on its own
        except EngineError as exc:
            text = str(_name_component(app, exc, [comp])).splitlines()[0]
            if text not in seen:
                seen.append(text)
    others = seen[1:]
    if others:
        first.hint = ((first.hint + "; ") if first.hint else "") + f"{len(others)} more: " + " | ".join(others)


_IMPORT = re.compile(r"""\bimport(?:str|bin)?\s*@?(["'])((?:\\.|(?!\1).)*?)\1""")


def _imports_of(comp: Component, target: Path, paths: list[str]) -> bool:
    """Whether ``comp`` imports ``target``, directly or not (a lexical walk; used only to name a component)."""
    seen: set[Path] = set()
    todo = [comp.path.resolve()]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        if path == target:
            return True
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in _IMPORT.finditer(text):
            rel = m.group(2)
            for cand in [path.parent / rel, *(Path(p) / rel for p in reversed(paths))]:
                if cand.is_file():
                    todo.append(cand.resolve())
                    break
    return False


def check_nesting(app: App, chosen: list[Component], paths: list[str]) -> None:
    """Refuse files nested deeper than go-jsonnet's parser survives (it would abort the process with a Go
    stack dump): the chosen components, and any large file of the app's jsonnet folders."""
    files = [(c.path, c) for c in chosen]
    for folder in ("components", "lib", "vendor", "environments"):
        for dirpath, _dirs, filenames in os.walk(app.root / folder):
            for fname in filenames:
                path = Path(dirpath) / fname
                if fname.endswith((".jsonnet", ".libsonnet")) and path.stat().st_size >= 2 * MAX_NESTING:
                    files.append((path, next((c for c in chosen if c.path == path), None)))
    seen = set()
    for path, comp in files:
        if path in seen:
            continue
        seen.add(path)
        try:
            if path.stat().st_size < 2 * MAX_NESTING:
                continue  # too small to nest that deep
            where = too_deep(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue  # the engine reports a file it cannot read
        if where:
            users = [comp] if comp else [c for c in chosen if _imports_of(c, path.resolve(), paths)]
            if not users:
                continue  # no component being rendered reads it
            who = f" (component {', '.join(repr(c.name) for c in users)})"
            raise RenderError(f"brackets nest more than {MAX_NESTING} levels deep here{who}; the jsonnet engine "
                              "cannot evaluate that", where=f"{app.rel(path)}:{where[0]}:{where[1]}")


def _crashed_component(app: App, engine: Engine, crash: EngineCrash, chosen: list[Component], names: list[str],
                       request) -> EngineCrash:
    """Name the component whose evaluation crashes the engine: each is evaluated alone until one does."""
    culprit = chosen[0] if len(chosen) == 1 else None
    for comp, name in zip(chosen, names) if culprit is None else ():
        try:
            engine.evaluate(request([name]), base=app.root)
        except EngineCrash:
            culprit = comp
            break
        except EngineError:
            continue
    if culprit is not None:
        crash.message = f"component {culprit.name!r}: {crash.message}"
        crash.where = app.rel(culprit.path)
    return crash


def _name_component(app: App, err: EngineError, chosen: list[Component]) -> EngineError:
    """An error located outside the component files (a library, an ext var it asks for) names the
    component whose evaluation reached it."""
    paths = {os.path.normpath(str(c.path)): c for c in chosen}
    if err.where and any(err.where.startswith(app.rel(c.path) + ":") for c in chosen):
        return err
    frames = [paths[os.path.normpath(f)] for f in getattr(err, "frames", []) if os.path.normpath(f) in paths]
    by_field = {c.short_name: c for c in chosen}
    fields = [by_field[f] for f in reversed(getattr(err, "fields", [])) if f in by_field]
    comp = (frames or fields or [None])[0]
    if comp is not None:
        err.message = f"{err.message} (in component {comp.name!r})"
    return err
