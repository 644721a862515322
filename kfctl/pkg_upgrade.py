"""Moving an app's components along when a package moves to another version (`pkg install --upgrade`).

A component made with `generate` is the prototype's body plus one params block holding every declared
parameter. When its package moves from version A to B, a component whose file is still A's body (the
user did not edit it) gets B's body; each parameter still at A's default takes B's default, one that B
no longer declares is dropped, and one B adds gets B's default. Values the user set stay as they are
(listed, so the user can compare them with B's README). Components whose file was edited are left alone.
Environment overrides are never touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from .prototype import Prototype, component_text, literal


@dataclass
class ComponentMove:
    component: str  # module-qualified name
    prototype: str  # short name of the prototype
    module: str
    path: object  # Path of the component file
    new_text: str | None = None  # B's body, when the file was A's unedited body
    sets: dict = field(default_factory=dict)  # param -> B's default (was A's default, or new in B)
    unsets: list[str] = field(default_factory=list)  # at A's default, and B no longer declares it
    kept: list[str] = field(default_factory=list)  # set by the user: left as they are
    env_dropped: dict = field(default_factory=dict)  # env -> params B dropped that the env still sets
    edited: str | None = None  # app-relative file of a component left alone: it imports a moved package but
    # is no longer a prototype's body (edited since generate), so neither its body nor its params move

    def describe(self) -> str:
        if self.edited is not None:
            return (f"left {self.edited} as it is: it was edited since generate, so neither its body nor its "
                    "parameters moved (compare it with 'kfctl prototype preview')")
        parts = []
        if self.new_text is not None:
            parts.append("new prototype body")
        if self.sets:
            parts.append("new defaults for " + ", ".join(sorted(self.sets)))
        if self.unsets:
            parts.append("dropped " + ", ".join(sorted(self.unsets)))
        if self.kept:
            parts.append("kept your values of " + ", ".join(sorted(self.kept)))
        for env, names in sorted(self.env_dropped.items()):
            parts.append(f"environment {env!r} still sets {', '.join(sorted(names))}, which this version does not "
                         "read (no effect; 'kfctl param unset ... --env' removes it)")
        return f"component {self.component} ({self.prototype}): " + ("; ".join(parts) or "unchanged")


def _value(source: str):
    """A Jsonnet literal as a Python value (the literals `generate` writes are JSON)."""
    return json.loads(source)


def plan(app, old: list[Prototype], new: list[Prototype], engine=None) -> list[ComponentMove]:
    """The moves for every component of ``app`` generated from one of ``old`` (matched by file text)."""
    from .params import resolve

    from .errors import EngineError, ParamError
    from .params import module_params_code

    by_name = {p.name: p for p in new}
    moving = sorted({p.package for p in old if p.package})  # "reg/pkg" of the packages that move
    code = module_params_code(app, engine=engine)
    current = resolve(app, None, engine=engine, module_params=code)
    per_env = {}  # what each environment resolves to (its overrides show where it differs from the module's)
    for env in app.environments().values():
        try:
            per_env[env.name] = resolve(app, env, engine=engine, module_params=code)
        except (EngineError, ParamError):
            per_env[env.name] = {}  # `show` reports that environment's error; it cannot hold a stale value here
    moves: list[ComponentMove] = []
    for comp in app.components():
        if comp.kind != "jsonnet":
            continue
        text = comp.path.read_text(encoding="utf-8")
        origin = next((p for p in old if component_text(p, comp.short_name) == text), None)
        if origin is None:
            if any(f"{pkg}/" in text for pkg in moving):
                moves.append(ComponentMove(comp.name, "", comp.module, comp.path, edited=app.rel(comp.path)))
            continue
        if origin.name not in by_name:
            continue
        target = by_name[origin.name]
        move = ComponentMove(comp.name, target.short_name, comp.module, comp.path)
        new_text = component_text(target, comp.short_name)
        if new_text != text:
            move.new_text = new_text
        values = current.get(comp.name, {})
        old_params = {p.name: p for p in origin.params}
        new_params = {p.name: p for p in target.params}
        for name, p in old_params.items():
            if name == "name" or p.default is None:
                continue
            at_default = name in values and values[name] == _value(literal(p, p.default, engine))
            if name not in new_params:
                if at_default:
                    move.unsets.append(name)
                elif name in values:
                    move.kept.append(name)
                for env_name, resolved in per_env.items():
                    env_values = resolved.get(comp.name) or {}
                    if name in env_values and (name not in values or env_values[name] != values[name]):
                        move.env_dropped.setdefault(env_name, []).append(name)
                continue
            q = new_params[name]
            new_default = _value(literal(q, q.default if q.default is not None else "", engine))
            if at_default and values[name] != new_default:
                move.sets[name] = new_default
            elif not at_default and name in values and q.default != p.default:
                move.kept.append(name)
        for name, q in new_params.items():
            if name not in old_params and name not in values and q.default is not None:
                move.sets[name] = _value(literal(q, q.default, engine))
        moves.append(move)
    return moves


def apply(app, moves: list[ComponentMove], engine=None) -> None:
    """Write the moves: component files (atomically), then params (each edit checked by evaluation)."""
    from .files import atomic_write
    from .params import set_param, unset_param

    for move in moves:
        if move.new_text is not None:
            atomic_write(move.path, move.new_text)
        for name in move.unsets:
            unset_param(app, move.component, name, engine=engine)
        for name, value in sorted(move.sets.items()):
            # B declares ``name``: not a typo, even when the component does not have it yet
            set_param(app, move.component, name, value, new=True, engine=engine)
