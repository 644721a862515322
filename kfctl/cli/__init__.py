"""The ``kfctl`` command: a thin click layer over the library.

Subcommands load lazily (``kfctl show`` never imports the cluster code). Errors surface in one place,
``KfctlGroup.main``: a KfctlError prints ``kfctl: error: <where>: <message>`` and exits with its code;
usage errors exit 2, Ctrl-C 130, anything unexpected 70 (a bug; ``KFCTL_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import KfctlError

# command name -> "module:attribute" under kfctl.cli
COMMANDS = {
    "version": "app_cmds:version",
    "init": "app_cmds:init",
    "env": "app_cmds:env",
    "param": "app_cmds:param",
    "component": "app_cmds:component",
    "upgrade": "app_cmds:upgrade",
    "show": "render_cmds:show",
    "registry": "registry_cmds:registry",
    "pkg": "registry_cmds:pkg",
    "prototype": "registry_cmds:prototype",
    "generate": "registry_cmds:generate",
    "import": "registry_cmds:import_",
    "apply": "cluster_cmds:apply",
    "diff": "cluster_cmds:diff",
    "delete": "cluster_cmds:delete",
    "validate": "gitops_cmds:validate",
    "export": "gitops_cmds:export",
    "argocd": "gitops_cmds:argocd",
}

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class KfctlGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(name for name in COMMANDS if self._load(name) is not None)

    def get_command(self, ctx, name):
        return self._load(name)

    def _load(self, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(f"kfctl.cli.{module}")
        except ModuleNotFoundError as exc:
            if exc.name == f"kfctl.cli.{module}":
                return None  # that command family is not part of this build yet
            raise
        return getattr(mod, attr, None)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args=args, prog_name=prog_name or "kfctl", complete_var=complete_var,
                              standalone_mode=False, **extra)
        except KfctlError as exc:
            _fail(exc)
            sys.exit(exc.exit_code)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except (click.Abort, KeyboardInterrupt):
            click.echo("kfctl: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (e.g. `kfctl show | head`); that is not an error of ours.
            try:
                sys.stdout = open(os.devnull, "w")
            except OSError:
                pass
            sys.exit(0)
        except Exception as exc:  # noqa: BLE001 - the single place unexpected errors are reported
            if os.environ.get("KFCTL_DEBUG"):
                raise
            click.echo(f"kfctl: internal error: {type(exc).__name__}: {exc} (set KFCTL_DEBUG=1 for the traceback)",
                       err=True)
            sys.exit(EXIT_INTERNAL)
        sys.exit(rv if isinstance(rv, int) else 0)


def _fail(exc: KfctlError) -> None:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    click.echo(f"kfctl: error: {first}", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)


class AppContext:
    """What every command shares: the start folder, and the app once loaded."""

    def __init__(self, start: str | None):
        self.start = start
        self._app = None

    @property
    def app(self):
        if self._app is None:
            from ..app import App

            self._app = App.load(self.start)
        return self._app


@click.group(cls=KfctlGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--dir", "start_dir", type=click.Path(file_okay=False), default=None,
              help="Start in this folder instead of the current one (the app is found by walking up).")
@click.pass_context
def cli(ctx, start_dir):
    """kfctl: ksonnet-style apps, environments and prototypes for ML stacks on Kubernetes."""
    ctx.obj = AppContext(start_dir)


def main(argv=None):
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="kfctl")
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:
            # Ctrl-C exits now: requests still in flight on worker threads must not hold the process
            # open (app files are written by rename, so nothing is left half-written).
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(EXIT_INTERRUPTED)
        raise
