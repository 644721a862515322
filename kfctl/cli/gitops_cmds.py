"""validate, export, argocd (generate, parameters, discover, app, appset)."""

from __future__ import annotations

import json
import os
import sys

import click

from ._options import build_jsonnet_options, cluster_options, complete_envs, component_option, jsonnet_options


def _app(ctx):
    from . import AppContext

    return ctx.find_object(AppContext).app


def _warn(notes) -> None:
    for note in notes:
        click.echo(f"kfctl: warning: {note}", err=True)


# --------------------------------------------------------------------------- validate


@click.command()
@click.argument("env_name", metavar="[ENV]", required=False, shell_complete=complete_envs)
@component_option
@click.option("--kube-version", "kube_version", metavar="V",
              help="Check against this Kubernetes version (default: the environment's k8sVersion).")
@click.option("--cluster", "use_cluster", is_flag=True,
              help="Also send every object to the environment's cluster as a server-side apply dry run.")
@click.option("-o", "--output", "output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Problems as lines, or as one JSON document.")
@click.option("--no-cache", "no_cache", is_flag=True, help="Render afresh; neither read nor write the render cache.")
@cluster_options
@jsonnet_options
@click.pass_context
def validate(ctx, env_name, components, kube_version, use_cluster, output, no_cache, connection, **kw):
    """Validate every object of ENV offline against the Kubernetes schemas (and CRD schemas in the render).

    Invalid objects are listed as OBJECT: FIELD: REASON; the exit status is non-zero when any is invalid."""
    from ..errors import ValidationError
    from ..render import render
    from ..validate import dry_run, environment_crds, validate_objects

    options = build_jsonnet_options(kw)
    app = _app(ctx)
    rendered = render(app, env_name, list(components) or None, options=options, cache=not no_cache)
    _warn(rendered.warnings)
    crds, crd_note = environment_crds(app, env_name, list(components) or None, options)
    report = validate_objects(rendered.objects, kube_version=kube_version or rendered.env.k8s_version, crds=crds)
    if crd_note:
        report.notes.append(crd_note)
    if use_cluster:
        dry_run(rendered.objects, env=rendered.env, report=report, connection=connection)
    if output == "json":
        click.echo(json.dumps({
            "kind": "ValidationReport", "schemaVersion": report.schema_version, "checked": report.checked,
            "problems": [{"object": p.object, "path": p.path, "reason": p.reason, "severity": p.severity}
                         for p in report.problems],
            "unchecked": report.unchecked, "notes": report.notes,
        }, indent=2, sort_keys=True))
    else:
        for note in report.notes:
            click.echo(f"note: {note}", err=True)
        for p in report.problems:
            click.echo(f"{p.severity}: {p}")
    total = len(rendered.objects)
    if report.errors:
        bad = len({_object_key(p.object) for p in report.errors})
        raise ValidationError(f"{bad} of {total} objects in environment {rendered.env.name!r} are invalid "
                              f"({len(report.errors)} problem{'' if len(report.errors) == 1 else 's'}, "
                              f"Kubernetes {report.schema_version} schemas)")
    if output == "text":
        unchecked = f"; {len(report.unchecked)} not validated (see the warnings)" if report.unchecked else ""
        click.echo(f"{report.checked} of {total} objects valid{unchecked} (Kubernetes {report.schema_version} "
                   f"schemas{', server dry run' if use_cluster else ''})", err=True)


# --------------------------------------------------------------------------- export


@click.command()
@click.argument("env_name", metavar="ENV", shell_complete=complete_envs)
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
@component_option
@click.option("--force", is_flag=True, help="Replace DIR's whole content with this export.")
@click.option("--merge", is_flag=True,
              help="Update this environment's files in DIR (and remove the ones it no longer renders); keep others.")
@click.option("--sync-waves", "sync_waves", is_flag=True,
              help="Annotate objects with argocd.argoproj.io/sync-wave from kfctl's apply order.")
@click.option("--no-cache", "no_cache", is_flag=True, help="Render afresh; neither read nor write the render cache.")
@jsonnet_options
@click.pass_context
def export(ctx, env_name, folder, components, force, merge, sync_waves, no_cache, **kw):
    """Write ENV's objects to DIR, one YAML file each: <namespace>/<group>-<kind>-<name>.yaml
    (cluster-scoped objects under _cluster/). Namespaced objects without a namespace get the environment's.

    A non-empty DIR is refused unless --force (replace it) or --merge (update this environment's files,
    tracked in DIR/.kfctl-export.json)."""
    from pathlib import Path

    from ..gitops import add_sync_waves, export as do_export, export_files
    from ..render import render

    if merge and components:
        # A merge removes the files the environment no longer renders; with -c that would be every
        # other component's file.
        raise click.UsageError("--merge updates a whole environment's export; leave out -c")
    options = build_jsonnet_options(kw)
    app = _app(ctx)
    rendered = render(app, env_name, list(components) or None, options=options, cache=not no_cache)
    _warn(rendered.warnings)
    objects = rendered.objects
    if sync_waves:
        add_sync_waves(objects)
    files = export_files(app, env_name, objects, rendered.env.namespace)
    result = do_export(app, env_name, Path(folder), files, force=force, merge=merge)
    for rel in result.written:
        click.echo(os.path.join(folder, rel))
    for rel in result.removed:
        click.echo(f"removed {os.path.join(folder, rel)}", err=True)
    click.echo(f"exported {len(files)} objects of environment {env_name!r} to {folder} "
               f"({len(result.written)} written, {len(result.unchanged)} unchanged, {len(result.removed)} removed)",
               err=True)


# --------------------------------------------------------------------------- argocd


@click.group()
def argocd():
    """Argo CD Config Management Plugin commands (see deploy/argocd/)."""


def _argo_app():
    from ..app import App

    return App.load(os.getcwd())


@argocd.command("generate")
@click.option("--no-cache", "no_cache", is_flag=True, help="Render afresh; neither read nor write the render cache.")
def argocd_generate(no_cache):
    """Print the manifests of the app in the current folder for Argo CD (the plugin's generate command).

    Reads ARGOCD_ENV_KFCTL_ENV (environment), ARGOCD_APP_PARAMETERS (overrides), ARGOCD_APP_NAMESPACE;
    stdout carries only manifests."""
    from ..gitops import ArgoContext, generate

    argo = ArgoContext.from_environ()
    result = generate(_argo_app(), argo, cache=not no_cache)
    _warn(result.warnings)
    sys.stdout.write(result.yaml())
    sys.stdout.flush()


@argocd.command("parameters")
def argocd_parameters():
    """Print the parameter announcement (JSON) of the app in the current folder: one map per component."""
    from ..gitops import ArgoContext, announcement, pick_environment

    argo = ArgoContext.from_environ()
    app = _argo_app()
    env_name = pick_environment(app, argo.env_name)
    click.echo(json.dumps(announcement(app, env_name), indent=2, sort_keys=True, ensure_ascii=False))


@argocd.command("discover")
def argocd_discover():
    """Print app.yaml when the current folder is a kfctl app (the plugin's discovery command)."""
    from pathlib import Path

    from ..gitops import discover

    if discover(Path.cwd()):
        click.echo("app.yaml")


def _application_options(f):
    """--repo, --path, --revision, --project, --argocd-namespace, --auto-sync: what an Application needs."""
    opts = [
        click.option("--repo", required=True, help="Git URL Argo CD clones."),
        click.option("--path", "path", default=None,
                     help="The app's folder in the repository (default: found from .git)."),
        click.option("--revision", default="HEAD", show_default=True, help="Branch, tag or commit to track."),
        click.option("--project", default="default", show_default=True, help="Argo CD project."),
        click.option("--argocd-namespace", "argocd_namespace", default="argocd", show_default=True,
                     help="Namespace Argo CD runs in."),
        click.option("--auto-sync", "auto_sync", is_flag=True, help="Sync automatically (with prune and self-heal)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@argocd.command("app")
@click.argument("env_name", metavar="ENV", shell_complete=complete_envs)
@_application_options
@click.option("--name", default=None, help="Application name (default: <app>-<env>).")
@click.pass_context
def argocd_app(ctx, env_name, repo, path, revision, name, project, argocd_namespace, auto_sync):
    """Print an Argo CD Application that deploys ENV of this app through the kfctl plugin."""
    from ..app import dump_yaml
    from ..gitops import application

    manifest = application(_app(ctx), env_name, repo=repo, path=path, revision=revision, name=name,
                           project=project, argocd_namespace=argocd_namespace, auto_sync=auto_sync)
    click.echo(dump_yaml(manifest), nl=False)


@argocd.command("appset")
@click.argument("env_names", metavar="[ENV...]", nargs=-1, shell_complete=complete_envs)
@_application_options
@click.option("--name", default=None, help="ApplicationSet name (default: the app's name).")
@click.option("--clusters", "cluster_label", metavar="LABEL", default=None,
              help="Deploy each environment to every cluster registered in Argo CD whose label LABEL is the "
                   "environment's name (cluster generator), instead of the environment's own server. "
                   "Use --clusters kfctl.dev/environment for the usual label.")
@click.pass_context
def argocd_appset(ctx, env_names, repo, path, revision, name, project, argocd_namespace, auto_sync, cluster_label):
    """Print an Argo CD ApplicationSet with one Application per environment (all, or the ENVs named)."""
    from ..app import dump_yaml
    from ..gitops import application_set

    manifest = application_set(_app(ctx), list(env_names) or None, repo=repo, path=path, revision=revision,
                               name=name, project=project, argocd_namespace=argocd_namespace,
                               auto_sync=auto_sync, cluster_label=cluster_label)
    click.echo(dump_yaml(manifest), nl=False)


def _object_key(name: str) -> str:
    """"Secret ns/s2" and "Secret s2" are one object: offline problems name objects without the namespace
    the dry run adds."""
    kind, _, rest = str(name).partition(" ")
    return f"{kind} {rest.rsplit('/', 1)[-1]}"
