"""The ``kfctl`` command: a thin click layer over the library.

Subcommands load lazily (``kfctl show`` never imports the cluster code). Errors surface in one place,
``KfctlGroup.main``: a KfctlError prints ``kfctl: error: <where>: <message>`` and exits with its code;
usage errors exit 2 (an argument that is not valid UTF-8 is one, checked here for every command), an
operating-system error on a file (name too long, permission denied, disk full) exits 1 naming the file,
Ctrl-C 130, anything unexpected 70 (a bug; ``KFCTL_DEBUG=1`` shows the traceback).

Commands that change app files load the app through ``AppContext.app_for_write``, which first takes the
app's lock (``files.app_lock``) for the rest of the command.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import KfctlError

# command name -> "module:attribute" under kfctl.cli
COMMANDS = {
    "help": "app_cmds:help_",
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
        args = list(sys.argv[1:] if args is None else args)
        try:
            check_arguments(args)
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
        except OSError as exc:
            # The system refused a file operation: bad input or environment, not a kfctl bug.
            name = exc.filename
            where = f"{printable(os.fsdecode(name))}: " if isinstance(name, (str, bytes)) else ""
            click.echo(f"kfctl: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_ERROR)
        except Exception as exc:  # noqa: BLE001 - the single place unexpected errors are reported
            if os.environ.get("KFCTL_DEBUG"):
                raise
            click.echo(f"kfctl: internal error: {type(exc).__name__}: {exc} (set KFCTL_DEBUG=1 for the traceback)",
                       err=True)
            sys.exit(EXIT_INTERNAL)
        sys.exit(rv if isinstance(rv, int) else 0)


def _fail(exc: KfctlError) -> None:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    click.echo(f"kfctl: error: {printable(first)}", err=True)
    if exc.hint:
        click.echo(f"hint: {printable(exc.hint)}", err=True)


def printable(text: str) -> str:
    """``text`` with bytes that were not UTF-8 (surrogate escapes) shown as \\xNN, so it can be printed."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def check_arguments(args: list[str]) -> None:
    """Refuse, for every command at once, an argument that is not valid UTF-8 text (Python hands such
    bytes over as surrogate escapes, which no name, value or path of an app may hold), or holds NUL."""
    for i, arg in enumerate(args, 1):
        if isinstance(arg, str) and any("\udc80" <= ch <= "\udcff" for ch in arg):
            raise UsageProblem(f"argument {i} ({printable(arg)!r}) is not valid UTF-8 text", where="command line")
        if isinstance(arg, str) and "\0" in arg:  # only possible when kfctl is called in-process
            raise UsageProblem(f"argument {i} ({arg!r}) holds a NUL character", where="command line")


class UsageProblem(KfctlError):
    """A command line kfctl cannot take (exit 2, like click's usage errors)."""

    exit_code = EXIT_USAGE


class AppContext:
    """What every command shares: the start folder, and the app once loaded."""

    def __init__(self, start: str | None):
        self.start = start
        self._app = None
        self._locked = False

    @property
    def app(self):
        if self._app is None:
            from ..app import App

            self._app = App.load(self.start)
        return self._app

    def app_for_write(self):
        """The app, loaded after taking its lock, which is held until the command ends."""
        if not self._locked:
            from ..app import find_root
            from ..files import app_lock

            root = find_root(self.start)
            click.get_current_context().find_root().with_resource(
                app_lock(root, on_wait=lambda text: click.echo(f"kfctl: {text}", err=True)))
            self._locked = True
            self._app = None  # read the files again: another command may have changed them meanwhile
        return self.app


def _print_version(ctx, _param, value):
    if value and not ctx.resilient_parsing:
        from .. import __version__

        click.echo(f"kfctl version: {__version__}")
        ctx.exit(0)


def colour_allowed(environ=None) -> bool:
    """False when NO_COLOR is set (any non-empty value) or TERM is 'dumb'."""
    environ = os.environ if environ is None else environ
    return not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"


@click.group(cls=KfctlGroup, invoke_without_command=True, no_args_is_help=False,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--dir", "start_dir", type=click.Path(exists=True, file_okay=False), default=None,
              help="Start in this folder instead of the current one (the app is found by walking up).")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print kfctl's version and exit.")
@click.pass_context
def cli(ctx, start_dir):
    """kfctl: ksonnet-style apps, environments and prototypes for ML stacks on Kubernetes.

    `kfctl help COMMAND` (or `kfctl COMMAND --help`) describes a command.
    """
    ctx.obj = AppContext(start_dir)
    if not colour_allowed():
        ctx.color = False
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


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
