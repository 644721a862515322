"""Option decorators and small printing helpers shared by the command modules."""

from __future__ import annotations

import functools
import os
import sys
import re

import click

# Commands whose positionals may carry values that look like options (ksonnet issue #235): a token that
# is not one of the command's options is kept as a positional value, and `--` ends option parsing.
VALUE_SETTINGS = {"ignore_unknown_options": True}


def component_option(f):
    return click.option("-c", "--component", "components", multiple=True, shell_complete=complete_components,
                        help="Only this component (repeatable).")(f)


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def parse_duration(text: str, *, allow_zero: bool = False) -> float:
    """``90``, ``90s``, ``5m``, ``1h30m``, ``500ms`` -> seconds (kubectl's duration forms)."""
    text = text.strip()
    try:
        value = float(text)
    except ValueError:
        m = _DURATION.match(text)
        if not text or not m or not any(m.groups()):
            raise click.BadParameter(f"{text!r} is not a duration (e.g. 90s, 5m, 1h30m)") from None
        h, mi, s, ms = (float(g) if g else 0.0 for g in m.groups())
        value = h * 3600 + mi * 60 + s + ms / 1000
    if value < 0 or (value == 0 and not allow_zero):
        raise click.BadParameter("must be positive" + (" (or 0)" if allow_zero else ""))
    return value


class _Duration(click.ParamType):
    name = "DURATION"

    def __init__(self, allow_zero: bool = False):
        self.allow_zero = allow_zero

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value, allow_zero=self.allow_zero)
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


DURATION = _Duration()


def pop_connection(kw: dict):
    """The ``kfctl.cluster.ClusterOptions`` of cluster_options' flags, taken out of a command's ``kw``
    (``kw["connection"]`` when a wrapper already made it)."""
    from ..cluster import ClusterOptions

    if "connection" in kw:
        return kw.pop("connection")
    return ClusterOptions(context=kw.pop("kube_context", None), kubeconfig=kw.pop("kubeconfig", None),
                          request_timeout=kw.pop("request_timeout", None))


def cluster_options(f):
    """--context, --kubeconfig, --request-timeout (kubectl's names) -> kwarg ``connection``, a
    ``kfctl.cluster.ClusterOptions``. For every command that talks to a cluster."""

    @functools.wraps(f)
    def wrapper(*args, **kw):
        kw["connection"] = pop_connection(kw)
        return f(*args, **kw)

    opts = [
        click.option("--context", "kube_context", metavar="NAME", default=None,
                     help="Kubeconfig context to use (instead of the environment's, or the one matching its "
                          "server)."),
        click.option("--kubeconfig", "kubeconfig", metavar="FILE", default=None,
                     help="Kubeconfig file to use (instead of $KUBECONFIG or ~/.kube/config)."),
        click.option("--request-timeout", "request_timeout", type=_Duration(allow_zero=True), default=None,
                     metavar="DURATION",
                     help="How long to wait for each answer of the API server, e.g. 30s, 1m; 0 = no limit. "
                          "[default: 30s] Busy answers (429, or 5xx with Retry-After) are retried: at most 6 "
                          "tries and 30s of waiting per request."),
    ]
    for opt in reversed(opts):
        wrapper = opt(wrapper)
    return wrapper


def _pairs(values, what, *, read_file=False):
    out = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not key:
            raise click.UsageError(f"{what} {item!r}: expected NAME=VALUE")
        if not sep:
            if read_file or key not in os.environ:
                raise click.UsageError(f"{what} {item!r}: expected NAME=VALUE"
                                       + ("" if read_file else f" (or set the environment variable {key})"))
            value = os.environ[key]
        if read_file:
            try:
                with open(value, encoding="utf-8") as fh:
                    value = fh.read()
            except OSError as exc:
                raise click.UsageError(f"{what} {item!r}: cannot read {value}: {exc.strerror}") from None
            except UnicodeDecodeError:
                raise click.UsageError(f"{what} {item!r}: {value} is not valid UTF-8 text") from None
        out[key] = value
    return out


def jsonnet_options(f):
    """-J, --ext-str(-file), --ext-code(-file), --tla-str(-file), --tla-code(-file) -> kwarg ``jsonnet``."""
    opts = [
        click.option("-J", "--jpath", "jpaths", multiple=True, help="Add a jsonnet import path (repeatable)."),
        click.option("-V", "--ext-str", "ext_str", multiple=True, metavar="NAME=VALUE", help="External string variable."),
        click.option("--ext-str-file", "ext_str_file", multiple=True, metavar="NAME=PATH",
                     help="External string variable read from a file."),
        click.option("--ext-code", "ext_code", multiple=True, metavar="NAME=CODE", help="External code variable."),
        click.option("--ext-code-file", "ext_code_file", multiple=True, metavar="NAME=PATH",
                     help="External code variable read from a file."),
        click.option("-A", "--tla-str", "tla_str", multiple=True, metavar="NAME=VALUE",
                     help="Top-level argument (string)."),
        click.option("--tla-str-file", "tla_str_file", multiple=True, metavar="NAME=PATH",
                     help="Top-level argument (string) read from a file."),
        click.option("--tla-code", "tla_code", multiple=True, metavar="NAME=CODE", help="Top-level argument (code)."),
        click.option("--tla-code-file", "tla_code_file", multiple=True, metavar="NAME=PATH",
                     help="Top-level argument (code) read from a file."),
        click.option("--strict", "strict", is_flag=True,
                     help="Two components rendering the same object is an error (default: a warning; the later wins)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def build_jsonnet_options(kw: dict):
    """Pop the jsonnet flags from a command's kwargs into a ``render.JsonnetOptions``."""
    from ..render import JsonnetOptions

    return JsonnetOptions(
        jpaths=list(kw.pop("jpaths", ()) or ()),
        ext_vars={**_pairs(kw.pop("ext_str", ()), "--ext-str"),
                  **_pairs(kw.pop("ext_str_file", ()), "--ext-str-file", read_file=True)},
        ext_codes={**_pairs(kw.pop("ext_code", ()), "--ext-code"),
                   **_pairs(kw.pop("ext_code_file", ()), "--ext-code-file", read_file=True)},
        tla_vars={**_pairs(kw.pop("tla_str", ()), "--tla-str"),
                  **_pairs(kw.pop("tla_str_file", ()), "--tla-str-file", read_file=True)},
        tla_codes={**_pairs(kw.pop("tla_code", ()), "--tla-code"),
                   **_pairs(kw.pop("tla_code_file", ()), "--tla-code-file", read_file=True)},
        strict=bool(kw.pop("strict", False)),
    )


def table(headers: list[str], rows: list[list[str]]) -> str:
    """ks-style table: upper-case header, a row of '=' underlines, space-aligned columns."""
    cols = [h.upper() for h in headers]
    widths = [len(c) for c in cols]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def fmt(cells):
        return " ".join(c.ljust(widths[i]) for i, c in enumerate(cells)).rstrip()

    lines = [fmt(cols), fmt(["=" * w for w in widths])]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines) + "\n"


# `-o` is the output format on every command that prints data, and nothing else: table|json|yaml for lists
# and describes, yaml|json for show, text|json for diff and validate.
OUTPUT_FORMATS = ("table", "json", "yaml")


def output_option(f=None, *, default: str = "table"):
    def deco(func):
        return click.option("-o", "--output", "output", type=click.Choice(OUTPUT_FORMATS), default=default,
                            show_default=True, help="Output format: a table for people, or JSON/YAML data.")(func)
    return deco(f) if f is not None else deco


def emit_data(output: str, kind: str, data) -> None:
    """``{"kind": KIND, "data": DATA}`` as JSON or YAML (keys sorted: the same input, the same bytes)."""
    import json

    doc = {"kind": kind, "data": data}
    if output == "json":
        click.echo(json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        import yaml

        click.echo(yaml.safe_dump(doc, sort_keys=True, allow_unicode=True, default_flow_style=False, width=10_000),
                   nl=False)


def emit_table(output: str, kind: str, headers: list[str], rows: list[list[str]], data: list[dict]) -> None:
    if output in ("json", "yaml"):
        emit_data(output, kind, data)
    else:
        click.echo(table(headers, rows), nl=False)


def should_confirm(yes: bool, dry_run: bool) -> bool:
    """Ask before changing a cluster only on a terminal, and never with --yes or KFCTL_YES=1."""
    if yes or dry_run or os.environ.get("KFCTL_YES", "") not in ("", "0"):
        return False
    return sys.stdin.isatty() and sys.stderr.isatty()


# --------------------------------------------------------------------------- shell completion
# `eval "$(_KFCTL_COMPLETE=bash_source kfctl)"` (zsh_source, fish_source): click asks these for the names.


def _completion_app(ctx):
    from ..app import App
    from ..errors import KfctlError

    try:
        return App.load(ctx.find_root().params.get("start_dir"))
    except (KfctlError, OSError):
        return None


def _completer(names_of):
    def complete(ctx, param, incomplete):
        from ..errors import KfctlError

        app = _completion_app(ctx)
        if app is None:
            return []
        try:
            names = names_of(app)
        except (KfctlError, OSError):
            return []
        return [n for n in sorted(set(names)) if n.startswith(incomplete)]
    return complete


def _package_names(app):
    from ..registry import installed_map, open_registry

    names = list(installed_map(app))
    for reg, spec in app.registries().items():
        if spec.get("protocol") in ("builtin", "fs"):  # no network for a completion
            names += [f"{reg}/{pkg}" for pkg in open_registry(app, reg).libraries]
    return names


def _prototype_names(app):
    from ..prototype import catalog

    protos = catalog(app).prototypes
    return [p.name for p in protos] + [p.short_name for p in protos]


complete_envs = _completer(lambda app: list(app.environments()))
complete_components = _completer(lambda app: [c.name for c in app.components()])
complete_registries = _completer(lambda app: list(app.registries()))
complete_packages = _completer(_package_names)
complete_prototypes = _completer(_prototype_names)
