"""init, env, param, component, upgrade, version."""

from __future__ import annotations

import json

import click

from ._options import VALUE_SETTINGS, complete_components, complete_envs, emit_data, emit_table, output_option


def _load(ctx, *, write: bool = False):
    """The app; with ``write`` its lock is taken first (every command that changes app files)."""
    from . import AppContext

    obj = ctx.find_object(AppContext)
    return obj.app_for_write() if write else obj.app


def _k8s_version(api_spec: str | None) -> str:
    from ..app import DEFAULT_K8S_VERSION, check_k8s_version
    from ..errors import AppError

    if not api_spec:
        return DEFAULT_K8S_VERSION
    kind, _, value = api_spec.partition(":")
    if kind == "version" and value:
        return check_k8s_version(value, f"--api-spec {api_spec!r}")
    if kind == "file" and value:
        try:
            with open(value, encoding="utf-8") as fh:
                version = (json.load(fh).get("info") or {}).get("version")
        except (OSError, ValueError) as exc:
            raise AppError(f"--api-spec {api_spec!r}: cannot read the OpenAPI file: {exc}") from None
        if not version:
            raise AppError(f"--api-spec {api_spec!r}: the file has no info.version")
        return check_k8s_version(str(version), f"--api-spec {api_spec!r} (info.version)")
    raise click.UsageError(f"--api-spec {api_spec!r}: expected version:vX.Y.Z or file:PATH")


# --------------------------------------------------------------------------- help


@click.command("help")
@click.argument("command", nargs=-1)
@click.pass_context
def help_(ctx, command):
    """Describe COMMAND (e.g. `kfctl help param set`), or list every command."""
    root = ctx.find_root()
    cmd, sub_ctx = root.command, root
    for i, word in enumerate(command):
        nxt = cmd.get_command(sub_ctx, word) if isinstance(cmd, click.Group) else None
        if nxt is None:
            known = ", ".join(cmd.list_commands(sub_ctx)) if isinstance(cmd, click.Group) else "none"
            raise click.UsageError(f"no command {' '.join(command[:i + 1])!r} (commands here: {known})")
        sub_ctx = click.Context(nxt, info_name=word, parent=sub_ctx)
        cmd = nxt
    click.echo(cmd.get_help(sub_ctx))


# --------------------------------------------------------------------------- version


@click.command()
def version():
    """Print kfctl's version and its engines'."""
    from importlib import metadata

    from .. import __version__
    from ..engine import get_engine

    engine = get_engine()
    try:
        client = metadata.version("kubernetes")
    except metadata.PackageNotFoundError:
        client = "not installed"
    click.echo(f"kfctl version: {__version__}")
    click.echo(f"jsonnet engine: {engine.name} {engine.version()}")
    click.echo(f"kubernetes client: {client}")


# --------------------------------------------------------------------------- init


def _default_destination(server, namespace, context):
    from ..errors import ClusterError
    from ..kubeconfig import contexts, current_context

    ctx_info = None
    try:
        if context:
            ctx_info = contexts().get(context)
        elif server is None:
            ctx_info = current_context()
    except ClusterError as exc:
        # No cluster is needed here: say why the defaults are missing and go on without them.
        click.echo(f"kfctl: warning: {exc}; the environment gets no server from it", err=True)
    if server is None:
        server = ctx_info.server if ctx_info else ""
    if namespace is None:
        namespace = (ctx_info.namespace if ctx_info and ctx_info.namespace else None) or "default"
    return server, namespace


@click.command()
@click.argument("app_name")
@click.option("--namespace", "-n", default=None, help="Namespace of the default environment.")
@click.option("--server", default=None, help="API server URL of the default environment "
              "(default: the current kubeconfig context's, or empty).")
@click.option("--context", default=None, help="Kubeconfig context of the default environment.")
@click.option("--api-spec", default=None, help="Kubernetes version: version:vX.Y.Z or file:swagger.json.")
@click.option("--env", "env_name", default="default", show_default=True, help="Name of the first environment.")
@click.option("--skip-default-registries", is_flag=True, help="Do not add the built-in 'kubeflow' registry.")
@click.pass_context
def init(ctx, app_name, namespace, server, context, api_spec, env_name, skip_default_registries):
    """Create a new app in the folder APP_NAME (no cluster or network needed)."""
    from pathlib import Path

    from ..app import init_app
    from ..names import check_component_name

    from . import AppContext

    import os

    if not app_name.strip():
        raise click.UsageError("the app's folder name is empty; give the folder to create, e.g. 'kfctl init myapp'")
    base = ctx.find_object(AppContext).start
    # `sub/../myapp` means the folder myapp, and `.` the current one: normalise first, so that nothing
    # is made on the way.
    target = Path(os.path.abspath(os.path.join(base or ".", app_name)))
    if not target.name:
        raise click.UsageError(f"{app_name!r} names no folder an app can be created in")
    check_component_name(target.name)
    server, namespace = _default_destination(server, namespace, context)
    registries = {} if skip_default_registries else _builtin_registries()
    app = init_app(target, env=env_name, server=server, namespace=namespace, k8s_version=_k8s_version(api_spec),
                   context=context, registries=registries)
    click.echo(f"created app {app.name!r} in {target} (environment {env_name!r})", err=True)


def _builtin_registries() -> dict:
    try:
        from ..registry import BUILTIN_REGISTRY_ENTRY
    except ImportError:
        return {"kubeflow": {"protocol": "builtin", "uri": "kfctl:builtin"}}
    return dict(BUILTIN_REGISTRY_ENTRY)


# --------------------------------------------------------------------------- env


@click.group()
def env():
    """Manage environments: where and with what overrides an app is deployed."""


@env.command("add")
@click.argument("name")
@click.option("--server", default=None, help="API server URL (default: the current kubeconfig context's).")
@click.option("--namespace", "-n", default=None, help="Destination namespace (default: 'default').")
@click.option("--context", default=None, help="Kubeconfig context to use for this environment.")
@click.option("--api-spec", default=None, help="Kubernetes version: version:vX.Y.Z or file:swagger.json.")
@click.option("--override", is_flag=True, help="Record it in app.override.yaml (local, not committed).")
@click.pass_context
def env_add(ctx, name, server, namespace, context, api_spec, override):
    """Add environment NAME."""
    app = _load(ctx, write=True)
    server, namespace = _default_destination(server, namespace, context)
    e = app.add_environment(name, server=server, namespace=namespace, k8s_version=_k8s_version(api_spec),
                            context=context, override=override)
    where = e.server or "no server: cluster commands use the kubeconfig's current context"
    click.echo(f"added environment {name!r} ({where}, namespace {e.namespace!r})", err=True)


@env.command("rm")
@click.argument("name", shell_complete=complete_envs)
@click.option("--override", is_flag=True, hidden=True)
@click.pass_context
def env_rm(ctx, name, override):
    """Remove environment NAME and its folder."""
    _load(ctx, write=True).remove_environment(name)
    click.echo(f"removed environment {name!r}", err=True)


@env.command("list")
@output_option
@click.pass_context
def env_list(ctx, output):
    """List environments."""
    app = _load(ctx)
    rows, data = [], []
    for e in app.environments().values():
        rows.append([e.name, "*" if e.overridden else "", e.k8s_version, e.namespace, e.server, e.context or ""])
        data.append({"name": e.name, "override": e.overridden, "kubernetesVersion": e.k8s_version,
                     "namespace": e.namespace, "server": e.server, "context": e.context})
    emit_table(output, "EnvironmentList", ["name", "override", "kubernetes-version", "namespace", "server",
                                           "context"], rows, data)


@env.command("set")
@click.argument("name", shell_complete=complete_envs)
@click.option("--name", "new_name", default=None, help="Rename the environment.")
@click.option("--server", default=None, help="New API server URL.")
@click.option("--namespace", "-n", default=None, help="New destination namespace.")
@click.option("--context", default=None, help="Kubeconfig context ('' to clear).")
@click.option("--api-spec", default=None, help="New Kubernetes version: version:vX.Y.Z or file:swagger.json.")
@click.pass_context
def env_set(ctx, name, new_name, server, namespace, context, api_spec):
    """Change environment NAME's destination, Kubernetes version or name."""
    app = _load(ctx, write=True)
    e = app.update_environment(name, server=server, namespace=namespace, context=context,
                               k8s_version=_k8s_version(api_spec) if api_spec else None, new_name=new_name)
    click.echo(f"updated environment {e.name!r}", err=True)


@env.command("describe")
@click.argument("name", required=False, shell_complete=complete_envs)
@output_option
@click.pass_context
def env_describe(ctx, name, output):
    """Print environment NAME's settings (default: the current environment)."""
    e = _load(ctx).environment(name)
    data = {"name": e.name, "path": e.path, "k8sVersion": e.k8s_version,
            "destination": {"server": e.server, "namespace": e.namespace}}
    if e.context:
        data["destination"]["context"] = e.context
    if e.targets:
        data["targets"] = list(e.targets)
    if output != "table":
        emit_data(output, "Environment", data)
        return
    rows = [["name", e.name], ["path", e.path], ["kubernetes-version", e.k8s_version], ["server", e.server],
            ["namespace", e.namespace], ["context", e.context or ""], ["targets", ", ".join(e.targets)]]
    from ._options import table

    click.echo(table(["field", "value"], rows), nl=False)


@env.command("current")
@click.option("--set", "set_", default=None, metavar="ENV", shell_complete=complete_envs,
              help="Make ENV the current environment.")
@click.option("--unset", is_flag=True, help="Clear the current environment.")
@click.pass_context
def env_current(ctx, set_, unset):
    """Print (or set) the environment used when a command is given none."""
    app = _load(ctx, write=bool(set_ or unset))
    if set_ and unset:
        raise click.UsageError("give --set or --unset, not both")
    if set_:
        app.set_current_environment(set_)
    elif unset:
        app.set_current_environment(None)
    else:
        current = app.current_environment()
        if current:
            click.echo(current)


@env.command("targets")
@click.argument("name", shell_complete=complete_envs)
@click.option("--module", "modules", multiple=True, help="Module to render in this environment (repeatable).")
@click.pass_context
def env_targets(ctx, name, modules):
    """Limit environment NAME to some modules (none: all)."""
    from ..errors import UnknownComponent

    app = _load(ctx, write=True)
    known = app.modules()
    for m in modules:
        if m.replace("/", ".").strip(".") not in known:
            raise UnknownComponent(f"unknown module {m!r} (known: {', '.join(x or '/' for x in known)})")
    holder, spec = app._spec_for_edit(name)
    if modules:
        spec["targets"] = [m.replace("/", ".").strip(".") for m in modules]
    else:
        spec.pop("targets", None)
    app._save_holder(holder)


# --------------------------------------------------------------------------- param


@click.group()
def param():
    """Set, unset, list and compare component parameters."""


@param.command("set", context_settings=VALUE_SETTINGS)
@click.argument("args", nargs=-1, required=True, shell_complete=complete_components)
@click.option("--env", "env_name", default=None, shell_complete=complete_envs,
              help="Set the override of this environment.")
@click.option("--global", "global_", is_flag=True, help="Set a global parameter (module, or --env's globals).")
@click.option("--as-string", is_flag=True, help="Keep VALUE as a string (no number/bool/JSON typing).")
@click.option("--new", "new", is_flag=True,
              help="Add KEY as a new parameter even though it looks like a misspelling of an existing one.")
@click.pass_context
def param_set(ctx, args, env_name, global_, as_string, new):
    """Set a parameter: COMPONENT KEY VALUE, or KEY VALUE with --global (or with --env: env globals).

    Values are typed: a whole token that is a number is a number (integers exact up to 2^53; 2.0, 5.,
    1e5 are numbers too), true/false are booleans, [..] and {..} are JSON; anything else is a string.
    A KEY the component lacks but that is close to one it has (a typo) is refused, naming the close ones;
    --new adds it anyway.
    A value that starts with '--' is taken as a value; '--' also ends the options.
    """
    from ..params import parse_value, set_param

    app = _load(ctx, write=True)
    component, key, raw = _split_param_args(args, env_name, global_, want_value=True)
    if component is not None:
        app.component(component)
    value = parse_value(raw, as_string=as_string)
    target = set_param(app, component, key, value, env=env_name, global_=global_ or component is None, new=new)
    click.echo(f"set {key!r} in {app.rel(target.path)}", err=True)


def _split_param_args(args, env_name, global_, *, want_value):
    n = 3 if want_value else 2
    if len(args) == n and not global_:
        return args[0], args[1], (args[2] if want_value else None)
    if len(args) == n - 1 and (global_ or env_name):
        return None, args[0], (args[1] if want_value else None)
    shape = "COMPONENT KEY VALUE" if want_value else "COMPONENT KEY"
    short = "KEY VALUE" if want_value else "KEY"
    raise click.UsageError(f"expected {shape}, or {short} with --global or --env (got {len(args)} argument(s))")


@param.command("unset", context_settings=VALUE_SETTINGS)
@click.argument("args", nargs=-1, required=True, shell_complete=complete_components)
@click.option("--env", "env_name", default=None, shell_complete=complete_envs,
              help="Remove the override of this environment.")
@click.option("--global", "global_", is_flag=True, help="Remove a global parameter (module, or --env's globals).")
@click.pass_context
def param_unset(ctx, args, env_name, global_):
    """Remove a parameter: COMPONENT KEY, or KEY with --global (or with --env: env globals)."""
    from ..params import unset_param

    app = _load(ctx, write=True)
    component, key, _ = _split_param_args(args, env_name, global_, want_value=False)
    target = unset_param(app, component, key, env=env_name, global_=global_ or component is None)
    click.echo(f"removed {key!r} from {app.rel(target.path)}", err=True)


def _fmt_value(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@param.command("list")
@click.argument("component", required=False, shell_complete=complete_components)
@click.option("--env", "env_name", default=None, shell_complete=complete_envs,
              help="Show the values this environment renders with.")
@output_option
@click.pass_context
def param_list(ctx, component, env_name, output):
    """List parameters (of COMPONENT, or all), as the module or an environment resolves them."""
    from ..params import resolve

    app = _load(ctx)
    env_obj = app.environment(env_name) if env_name else None
    if component:
        app.component(component)
    params = resolve(app, env_obj)
    rows, data = [], []
    for comp in sorted(params):
        if component and comp != component:
            continue
        for key in sorted(params[comp]):
            rows.append([comp, key, _fmt_value(params[comp][key])])
            data.append({"component": comp, "param": key, "value": params[comp][key]})
    emit_table(output, "ParamList", ["component", "param", "value"], rows, data)


@param.command("diff")
@click.argument("env1", shell_complete=complete_envs)
@click.argument("env2", shell_complete=complete_envs)
@click.option("--component", "-c", "component", default=None, shell_complete=complete_components,
              help="Only this component.")
@output_option
@click.pass_context
def param_diff(ctx, env1, env2, component, output):
    """Compare the parameters two environments render with."""
    from ..params import resolve

    app = _load(ctx)
    p1 = resolve(app, app.environment(env1))
    p2 = resolve(app, app.environment(env2))
    rows, data = [], []
    missing = object()
    for comp in sorted(set(p1) | set(p2)):
        if component and comp != component:
            continue
        a, b = p1.get(comp, {}), p2.get(comp, {})
        for key in sorted(set(a) | set(b)):
            va, vb = a.get(key, missing), b.get(key, missing)
            if va == vb:
                continue
            sa = "" if va is missing else _fmt_value(va)
            sb = "" if vb is missing else _fmt_value(vb)
            rows.append([comp, key, sa, sb])
            data.append({"component": comp, "param": key, env1: None if va is missing else va,
                         env2: None if vb is missing else vb})
    emit_table(output, "ParamDiff", ["component", "param", env1, env2], rows, data)


# --------------------------------------------------------------------------- component


@click.group()
def component():
    """List and remove components."""


@component.command("list")
@output_option
@click.pass_context
def component_list(ctx, output):
    """List the app's components."""
    app = _load(ctx)
    rows, data = [], []
    for c in app.components():
        rows.append([c.name, c.kind, app.rel(c.path)])
        data.append({"component": c.name, "type": c.kind, "module": c.module or "/", "path": app.rel(c.path)})
    emit_table(output, "ComponentList", ["component", "type", "path"], rows, data)


@component.command("rm")
@click.argument("name", shell_complete=complete_components)
@click.pass_context
def component_rm(ctx, name):
    """Remove component NAME: its file, its params and every environment's overrides of it."""
    from ..files import atomic_write
    from ..params import remove_component_block, remove_env_overrides

    app = _load(ctx, write=True)
    comp = app.component(name)
    # Compute every new file first; then delete the component, then its params (a crash leaves an app
    # that still renders).
    module_text = remove_component_block(app, comp.module, comp.short_name)
    env_texts = []
    for e in app.environments().values():
        text = remove_env_overrides(app, e, comp.name)
        if text is not None:
            env_texts.append((app.env_dir(e) / "params.libsonnet", text))
    comp.path.unlink()
    if module_text is not None:
        atomic_write(app.module_dir(comp.module) / "params.libsonnet", module_text)
    for path, text in env_texts:
        atomic_write(path, text)
    click.echo(f"removed component {name!r}", err=True)


# --------------------------------------------------------------------------- upgrade


@click.command()
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.pass_context
def upgrade(ctx, dry_run):
    """Migrate app.yaml to spec 0.3.0 and lib/v<k8s> to lib/ksonnet-lib/v<k8s>."""
    import os

    from ..app import dump_yaml
    from ..files import atomic_write

    app = _load(ctx, write=not dry_run)
    changes = []
    new_data = app.upgraded_data()
    if new_data != app.data:
        changes.append(f"app.yaml: apiVersion {app.api_version} -> 0.3.0 (library keys qualified registry/name)")
    lib = app.root / "lib"
    moves = []
    if lib.is_dir():
        for entry in sorted(lib.iterdir()):
            if entry.is_dir() and entry.name.startswith("v") and entry.name[1:2].isdigit():
                dest = lib / "ksonnet-lib" / entry.name
                if not dest.exists():
                    moves.append((entry, dest))
                    changes.append(f"move {app.rel(entry)} -> lib/ksonnet-lib/{entry.name}")
    if not changes:
        click.echo("the app is up to date (spec 0.3.0)", err=True)
        return
    for line in changes:
        click.echo(("would " if dry_run else "") + line, err=True)
    if dry_run:
        return
    for src, dest in moves:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)
    atomic_write(app.root / "app.yaml", dump_yaml(new_data))
