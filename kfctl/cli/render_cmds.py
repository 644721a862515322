"""show."""

from __future__ import annotations

import sys

import click

from ._options import build_jsonnet_options, complete_envs, component_option, jsonnet_options


@click.command()
@click.argument("env_name", metavar="[ENV]", required=False, shell_complete=complete_envs)
@component_option
@click.option("-o", "--output", "--format", "output", type=click.Choice(["yaml", "json"]), default="yaml",
              show_default=True, help="YAML documents, or one JSON v1 List.")
@jsonnet_options
@click.option("--no-cache", "no_cache", is_flag=True, help="Render afresh; neither read nor write the render cache.")
@click.pass_context
def show(ctx, env_name, components, output, no_cache, **kw):
    """Render environment ENV (default: the current one) to Kubernetes manifests on stdout."""
    from ..objects import dump_json, dump_yaml
    from ..render import render

    from . import AppContext

    options = build_jsonnet_options(kw)
    app = ctx.find_object(AppContext).app
    rendered = render(app, env_name, list(components) or None, options=options, cache=not no_cache)
    for note in rendered.warnings:
        click.echo(f"kfctl: warning: {note}", err=True)
    if output == "json":
        text = dump_json(rendered.objects)
    else:
        text = rendered.yaml_text if rendered.yaml_text is not None else dump_yaml(rendered.objects)
    sys.stdout.write(text)
    sys.stdout.flush()
