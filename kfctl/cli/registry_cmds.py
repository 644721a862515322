"""registry, pkg, prototype, generate, import."""

from __future__ import annotations

import click

from ._options import (complete_envs, complete_packages, complete_prototypes, complete_registries, emit_data,
                       emit_table, output_option)

GENERATE_SETTINGS = {"ignore_unknown_options": True, "allow_extra_args": True, "allow_interspersed_args": True}


def _app(ctx, *, write: bool = False):
    """The app; with ``write`` its lock is taken first (every command that changes app files)."""
    from . import AppContext

    obj = ctx.find_object(AppContext)
    return obj.app_for_write() if write else obj.app


def _note(text: str) -> None:
    click.echo(f"note: {text}", err=True)


# --------------------------------------------------------------------------- registry


@click.group()
def registry():
    """Manage registries: where packages and prototypes come from."""


@registry.command("add")
@click.argument("name")
@click.argument("uri")
@click.option("--override", is_flag=True, help="Record it in app.override.yaml (local, not committed).")
@click.pass_context
def registry_add(ctx, name, uri, override):
    """Add registry NAME at URI: a folder, github.com/ORG/REPO/tree/REF/PATH, or a git URL (.git/tree/REF/PATH)."""
    from ..registry import add_registry

    app = _app(ctx, write=True)
    res = add_registry(app, name, uri, override=override)
    if not res.changed:
        click.echo(f"registry {name!r} already points at {uri}; nothing to do", err=True)
        return
    reg = res.registry
    at = f" at commit {reg.commit[:12]}" if reg.commit else ""
    click.echo(f"added registry {name!r} ({reg.source.protocol}{at}, {len(reg.libraries)} packages)", err=True)


@registry.command("list")
@output_option
@click.pass_context
def registry_list(ctx, output):
    """List the app's registries."""
    app = _app(ctx)
    rows, data = [], []
    for name, spec in app.registries().items():
        rows.append([name, "*" if spec.get("overridden") else "", str(spec.get("protocol", "")), str(spec.get("uri", ""))])
        data.append({"name": name, "override": bool(spec.get("overridden")), "protocol": spec.get("protocol"),
                     "uri": spec.get("uri")})
    emit_table(output, "RegistryList", ["name", "override", "protocol", "uri"], rows, data)


@registry.command("describe")
@click.argument("name", shell_complete=complete_registries)
@output_option
@click.pass_context
def registry_describe(ctx, name, output):
    """Show registry NAME: its source and packages."""
    from ..registry import open_registry

    app = _app(ctx)
    reg = open_registry(app, name)
    if output != "table":
        emit_data(output, "Registry", {
            "name": name, "uri": reg.source.uri, "protocol": reg.source.protocol, "commit": reg.commit,
            "folder": str(reg.root),
            "packages": [{"name": pkg, "version": None if reg.commit else lib.version}
                         for pkg, lib in reg.libraries.items()]})
        return
    click.echo(f"REGISTRY NAME:\n{name}\n")
    click.echo(f"URI:\n{reg.source.uri}\n")
    click.echo(f"PROTOCOL:\n{reg.source.protocol}\n")
    if reg.commit:
        click.echo(f"COMMIT:\n{reg.commit}\n")
    click.echo(f"FOLDER:\n{reg.root}\n")
    if reg.source.protocol == "builtin":
        from ..registry import builtin_versions

        click.echo("VERSIONS:\n" + "".join(f"  {v}{' (current)' if i == 0 else ''}\n"
                                           for i, v in enumerate(builtin_versions())))
    click.echo("PACKAGES:")
    for pkg, lib in reg.libraries.items():
        click.echo(f"  {pkg}" + (f" {lib.version}" if lib.version and not reg.commit else ""))


@registry.command("rm")
@click.argument("name", shell_complete=complete_registries)
@click.pass_context
def registry_rm(ctx, name):
    """Remove registry NAME (packages installed from it stay vendored and usable)."""
    from ..registry import remove_registry

    app = _app(ctx, write=True)
    left = remove_registry(app, name)
    click.echo(f"removed registry {name!r}", err=True)
    if left:
        _note(f"installed packages from it stay vendored: {', '.join(left)}")


@registry.command("set")
@click.argument("name", shell_complete=complete_registries)
@click.option("--uri", required=True, help="The new source of the registry.")
@click.pass_context
def registry_set(ctx, name, uri):
    """Point registry NAME at a new source."""
    from ..registry import set_registry

    app = _app(ctx, write=True)
    reg = set_registry(app, name, uri)
    if reg is None:
        click.echo(f"registry {name!r} already points at {uri}; nothing to do", err=True)
        return
    click.echo(f"registry {name!r} now points at {uri} ({reg.source.protocol})", err=True)


@registry.command("update")
@click.argument("names", nargs=-1, shell_complete=complete_registries)
@click.pass_context
def registry_update(ctx, names):
    """Fetch the latest commit of git registries (all, or NAMES) for later installs."""
    from ..registry import update_registry

    app = _app(ctx, write=True)
    for name in names or list(app.registries()):
        old, new = update_registry(app, name)
        if new is None:
            if names:
                click.echo(f"registry {name!r} is not a git registry; it is always current", err=True)
            continue
        if old == new:
            click.echo(f"registry {name!r} is up to date (commit {new[:12]})", err=True)
        else:
            was = f" (was {old[:12]})" if old else ""
            click.echo(f"registry {name!r} updated to commit {new[:12]}{was}; reinstall packages with "
                       f"'kfctl pkg install {name}/PKG --force' to use it", err=True)


# --------------------------------------------------------------------------- pkg


@click.group()
def pkg():
    """Install, list, describe and remove packages."""


@pkg.command("install")
@click.argument("descriptor", metavar="REGISTRY/PACKAGE[@VERSION]", shell_complete=complete_packages)
@click.option("--env", "env_name", default=None, shell_complete=complete_envs,
              help="Record the package for this environment only.")
@click.option("--force", is_flag=True, help="Reinstall even when this version is installed.")
@click.option("--upgrade", is_flag=True,
              help="Move every installed package of the registry to this version, and the components made from "
                   "their prototypes (unedited files, params still at the old defaults).")
@click.pass_context
def pkg_install(ctx, descriptor, env_name, force, upgrade):
    """Vendor a package into vendor/REGISTRY/PACKAGE and record it in app.yaml.

    The packages of the same registry it needs come along: those listed under `dependencies:` in its
    parts.yaml and those its jsonnet files import as "REGISTRY/PKG/...". Dependencies already installed
    are kept. The version recorded is the commit for git registries, the registry's package version for
    the built-in one, and none for folder (fs) registries. VERSION is a git ref (tag, branch, commit),
    or for the built-in registry one of its versions (kfctl registry describe kubeflow lists them; none
    given: the current one). Built-in packages are vendored in vendor/kubeflow/PACKAGE@VERSION.
    """
    from ..registry import install

    app = _app(ctx, write=True)
    res = install(app, descriptor, env=env_name, force=force, upgrade=upgrade)
    for note in res.notes:
        _note(note)
    for inst in res.installed:
        ver = f" version {inst.version}" if inst.version else ""
        click.echo(f"installed {inst.key}{ver} in {app.rel(inst.path)}", err=True)
    for move in res.moved:
        click.echo(move.describe(), err=True)
    for key in res.kept:
        click.echo(f"{key} is already installed at this version; nothing to do (--force reinstalls it)", err=True)
    if res.present and res.installed:
        click.echo(f"uses the installed {', '.join(res.present)}", err=True)


@pkg.command("list")
@click.option("--installed", "only_installed", is_flag=True, help="Only installed packages.")
@output_option
@click.pass_context
def pkg_list(ctx, only_installed, output):
    """List packages of every registry (* marks installed ones)."""
    from ..errors import RegistryError
    from ..registry import installed_map, open_registry

    app = _app(ctx)
    installed = installed_map(app)
    rows, data, seen = [], [], set()
    if not only_installed:
        for name in app.registries():
            try:
                reg = open_registry(app, name)
            except RegistryError as exc:
                _note(f"cannot read registry {name!r}: {exc}")
                continue
            for pkg_name in reg.libraries:
                key = f"{name}/{pkg_name}"
                inst = installed.get(key)
                version = inst.version if inst else (reg.commit or reg.declared_version(pkg_name))
                rows.append([name, pkg_name, version or "", "*" if inst else "", ",".join(inst.envs) if inst else ""])
                data.append({"registry": name, "name": pkg_name, "version": version, "installed": bool(inst),
                             "environments": list(inst.envs) if inst else []})
                seen.add(key)
    for key, inst in installed.items():
        if key in seen:
            continue
        rows.append([inst.registry, inst.name, inst.version or "", "*", ",".join(inst.envs)])
        data.append({"registry": inst.registry, "name": inst.name, "version": inst.version, "installed": True,
                     "environments": list(inst.envs)})
    emit_table(output, "PackageList", ["registry", "name", "version", "installed", "environments"], rows, data)


@pkg.command("describe")
@click.argument("descriptor", metavar="[REGISTRY/]PACKAGE", shell_complete=complete_packages)
@output_option
@click.pass_context
def pkg_describe(ctx, descriptor, output):
    """Describe a package: installed copy if any, else the registry's."""
    from ..prototype import package_prototypes
    from ..registry import imported_packages, installed_map, open_registry, parse_descriptor, read_package

    app = _app(ctx)
    reg_name, name, want = parse_descriptor(descriptor)
    installed = installed_map(app)
    inst = None
    if reg_name is None:
        hits = [i for i in installed.values() if i.name == name]
        inst = hits[0] if len(hits) == 1 else None
        if inst is None:
            from ..registry import find_registry_for

            reg_name = find_registry_for(app, name)
    else:
        inst = installed.get(f"{reg_name}/{name}")
    have = inst is not None and inst.path is not None
    at_want = have and (not want or inst.version == want)  # PKG@VERSION: the installed copy when it is that one
    if at_want:
        reg_name = inst.registry
        package = read_package(inst.path, name, reg_name, inst.version)
        where = f"installed in {app.rel(inst.path)}"
    else:
        reg = open_registry(app, reg_name, ref=want if want and reg_name else None)
        package = reg.package(name)
        where = f"registry {reg_name!r}, not installed" + (f"; the app has version {inst.version}" if have else "")
    protos, problems = package_prototypes(package.path, f"{reg_name}/{name}")
    needs = sorted(set(package.dependencies) | set(imported_packages(package.path, reg_name)) - {name})
    for problem in problems if output != "table" else ():
        _note(problem)
    if output != "table":
        emit_data(output, "Package", {
            "name": name, "registry": reg_name, "installed": at_want,
            "version": package.version, "description": package.description,
            "dependencies": [f"{reg_name}/{dep}" for dep in needs],
            "prototypes": [{"name": p.name, "description": p.short_description} for p in protos]})
        return
    click.echo(f"LIBRARY NAME:\n{name}\n")
    click.echo(f"REGISTRY:\n{reg_name} ({where})\n")
    click.echo(f"VERSION:\n{package.version or 'unversioned'}\n")
    click.echo(f"DESCRIPTION:\n{package.description}\n")
    click.echo("DEPENDENCIES:")
    for dep in needs:
        click.echo(f"  {reg_name}/{dep}")
    click.echo("\nPROTOTYPES:")
    for p in protos:
        click.echo(f"  {p.name}  {p.short_description}")
    for problem in problems:
        _note(problem)


@pkg.command("remove")
@click.argument("descriptor", metavar="REGISTRY/PACKAGE", shell_complete=complete_packages)
@click.option("--env", "env_name", default=None, shell_complete=complete_envs,
              help="Remove it from this environment's packages.")
@click.option("--force", is_flag=True, help="Remove even when other installed packages or components import it.")
@click.pass_context
def pkg_remove(ctx, descriptor, env_name, force):
    """Remove an installed package (its vendor folder and its app.yaml entry)."""
    from ..registry import remove

    app = _app(ctx, write=True)
    inst = remove(app, descriptor, env=env_name, force=force)
    click.echo(f"removed {inst.key}", err=True)


# --------------------------------------------------------------------------- prototype


@click.group()
def prototype():
    """List, describe, search, preview and use prototypes."""


def _catalog(app, *, available: bool = False):
    from ..prototype import catalog

    cat = catalog(app, available=available)
    for problem in cat.problems:
        _note(problem)
    return cat.prototypes


def _app_or_none(ctx):
    """The app, or None outside one (prototype listings then show the built-in registry)."""
    from ..errors import NotAnApp

    try:
        return _app(ctx)
    except NotAnApp:
        return None


def _find_usable(app, name):
    """The installed (or system) prototype NAME; one only in a not-installed package says how to install it."""
    from ..errors import PrototypeError
    from ..prototype import find, install_hint

    try:
        return find(_catalog(app), name)
    except PrototypeError:
        try:
            proto = find(_catalog(app, available=True), name)
        except PrototypeError:
            proto = None
        if proto is not None and not proto.installed:
            raise PrototypeError(f"prototype {proto.name} is in package {proto.package}, which is not installed; "
                                 f"run '{install_hint(proto)}' first") from None
        raise


def _proto_rows(protos):
    from ..prototype import install_hint

    rows, data = [], []
    for p in sorted(protos, key=lambda x: (x.name, x.origin)):
        hint = "" if p.installed else install_hint(p)
        rows.append([p.name, p.origin, "*" if p.installed else "", hint, p.short_description])
        data.append({"name": p.name, "package": p.origin, "installed": p.installed, "install": hint or None,
                     "description": p.short_description})
    return rows, data


PROTO_HEADERS = ["name", "package", "installed", "to install", "description"]


@prototype.command("list")
@output_option
@click.pass_context
def prototype_list(ctx, output):
    """List prototypes: system ones, installed packages' (*), and those of the registries' other packages
    with the `kfctl pkg install` line that gets them. Outside an app: the built-in registry's."""
    rows, data = _proto_rows(_catalog(_app_or_none(ctx), available=True))
    emit_table(output, "PrototypeList", PROTO_HEADERS, rows, data)


@prototype.command("search")
@click.argument("text")
@output_option
@click.pass_context
def prototype_search(ctx, text, output):
    """List prototypes whose full name contains TEXT (installed or not, as `prototype list`)."""
    from ..prototype import search

    rows, data = _proto_rows(search(_catalog(_app_or_none(ctx), available=True), text))
    emit_table(output, "PrototypeList", PROTO_HEADERS, rows, data)


@prototype.command("describe")
@click.argument("name", shell_complete=complete_prototypes)
@output_option
@click.pass_context
def prototype_describe(ctx, name, output):
    """Show a prototype's description and every parameter (type, default, description)."""
    from ..prototype import find, install_hint

    p = find(_catalog(_app_or_none(ctx), available=True), name)
    if output != "table":
        emit_data(output, "Prototype", {
            "name": p.name, "package": p.origin, "installed": p.installed,
            "install": None if p.installed else install_hint(p), "description": p.description,
            "params": [{"name": prm.name, "type": prm.type, "description": prm.description, "required": prm.required,
                        "default": prm.default} for prm in p.params]})
        return
    click.echo(f"PROTOTYPE NAME:\n{p.name}\n")
    click.echo(f"PACKAGE:\n{p.origin}" + ("" if p.installed else " (not installed)") + "\n")
    if not p.installed:
        click.echo(f"INSTALL:\n  {install_hint(p)}\n")
    click.echo(f"DESCRIPTION:\n{p.description}\n")
    if p.requires:
        click.echo("REQUIRES (installed in the cluster first):\n" + "".join(f"  {r}\n" for r in p.requires))
    click.echo("REQUIRED PARAMETERS:")
    for prm in p.params:
        if prm.required:
            click.echo(f"  --{prm.name}=<{prm.name}> {prm.description} [type: {prm.type}]")
    click.echo("\nOPTIONAL PARAMETERS:")
    for prm in p.params:
        if not prm.required:
            click.echo(f"  --{prm.name}=<{prm.name}> {prm.description} [default: {prm.default}, type: {prm.type}]")
    click.echo("\nTEMPLATE TYPES AVAILABLE:\n  jsonnet")


def _split(tokens, what):
    from ..errors import ParamError
    from ..prototype import split_param_args

    positional, flags = split_param_args(list(tokens))
    if len(positional) < what:
        raise click.UsageError(f"expected PROTOTYPE{' COMPONENT' if what == 2 else ''} [--PARAM=VALUE ...]")
    extra = positional[what:]
    if extra and not (what == 2 and extra == ["jsonnet"]):
        raise ParamError(f"unexpected argument(s) {' '.join(extra)}; parameters are given as --NAME=VALUE")
    return positional[:what], flags


@prototype.command("preview", context_settings=GENERATE_SETTINGS)
@click.argument("args", nargs=-1, type=click.UNPROCESSED, shell_complete=complete_prototypes)
@click.option("--values-file", default=None, help="Jsonnet object file of parameter values.")
@click.pass_context
def prototype_preview(ctx, args, values_file):
    """Print what `generate PROTOTYPE NAME --p=v` would write, without writing anything."""
    from ..prototype import component_text, load_values_file, param_sources

    app = _app(ctx)
    (name, *rest), flags = _split(args, 1)
    p = _find_usable(app, name)
    comp = dict(flags).get("name", p.short_name)
    values = load_values_file(values_file) if values_file else None
    sources = param_sources(p, comp, flags, values)
    click.echo(component_text(p, comp), nl=False)
    click.echo(f"\n// params.libsonnet, components[{comp!r}]:")
    for key in sorted(sources):
        click.echo(f"//   {key}: {sources[key]},")


def _generate(ctx, args, values_file, module):
    from ..prototype import load_values_file, plan_generate, write_plan

    app = _app(ctx, write=True)
    (proto_name, comp_name), flags = _split(args, 2)
    proto = _find_usable(app, proto_name)
    values = load_values_file(values_file) if values_file else None
    plan = plan_generate(app, proto, comp_name, flags, values=values, module=module)
    write_plan(app, plan)
    click.echo(f"wrote component {plan.component!r} at {app.rel(plan.component_path)} "
               f"(prototype {proto.name}; {len(plan.params)} params in {app.rel(plan.params_path)})", err=True)


@prototype.command("use", context_settings=GENERATE_SETTINGS)
@click.argument("args", nargs=-1, type=click.UNPROCESSED, shell_complete=complete_prototypes)
@click.option("--values-file", default=None, help="Jsonnet object file of parameter values (wins over flags).")
@click.option("--module", default=None, help="Module to put the component in (or name it MODULE.NAME).")
@click.pass_context
def prototype_use(ctx, args, values_file, module):
    """Same as `kfctl generate`."""
    _generate(ctx, args, values_file, module)


@click.command(context_settings=GENERATE_SETTINGS)
@click.argument("args", nargs=-1, type=click.UNPROCESSED, shell_complete=complete_prototypes)
@click.option("--values-file", default=None, help="Jsonnet object file of parameter values (wins over flags).")
@click.option("--module", default=None, help="Module to put the component in (or name it MODULE.NAME).")
@click.pass_context
def generate(ctx, args, values_file, module):
    """Create component COMPONENT from PROTOTYPE: `generate PROTOTYPE COMPONENT [--PARAM=VALUE ...]`.

    PROTOTYPE may be the full name (io.ksonnet.pkg.tf-job) or its end (tf-job). Every declared
    parameter, defaults included, goes into the module's params.libsonnet; --name defaults to
    COMPONENT. See `kfctl prototype describe PROTOTYPE` for the parameters.
    """
    _generate(ctx, args, values_file, module)


# --------------------------------------------------------------------------- import


@click.command("import")
@click.option("-f", "--file", "paths", multiple=True, required=True,
              help="A YAML, JSON or jsonnet file, or a folder of them (repeatable).")
@click.option("--module", default=None, help="Module to put the components in.")
@click.pass_context
def import_(ctx, paths, module):
    """Copy Kubernetes manifests (YAML/JSON) or jsonnet files in as components."""
    from ..prototype import import_files

    app = _app(ctx, write=True)
    for comp in import_files(app, list(paths), module=module):
        click.echo(f"imported component {comp.name!r} at {app.rel(comp.path)}", err=True)
