"""Entry point of the ``fuel`` command: collects every command module in this package.

Each module of ``fuel.cli`` that defines a click ``command`` is a subcommand, so a
new command is a new file. Heavy imports (torch) stay inside the command functions,
so ``fuel --help`` answers at once. Errors the user can fix are one line and exit
code 2; no traceback reaches the user for bad input, nor for what the system refuses (a
full disk, a read-only place, a closed stdout). The exit codes are in
:mod:`fuel.cli.exits`.
"""

from __future__ import annotations

import errno
import functools
import importlib
import os
import pkgutil
import signal
import sqlite3
import sys
import threading

import click

import fuel
import fuel.cli
from fuel.cli import exits
from fuel.errors import FuelError, os_reason

NOT_COMMANDS = {"main", "options", "exits"}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(fuel.__version__, prog_name="fuel")
def cli() -> None:
    """fuel: find bugs in torch.compile by differential fuzzing."""


def register_commands(group: click.Group) -> None:
    for info in sorted(pkgutil.iter_modules(fuel.cli.__path__), key=lambda i: i.name):
        if info.name in NOT_COMMANDS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"fuel.cli.{info.name}")
        command = getattr(module, "command", None)
        if isinstance(command, click.Command):
            group.add_command(command)


@functools.cache
def full_cli() -> click.Group:
    """``cli`` with every command module's command, imported on first use: inside
    ``run``'s handling, so that Ctrl-C while they import is one line like any other."""
    register_commands(cli)
    return cli


def main(argv: list[str] | None = None) -> int:
    main_thread = threading.current_thread() is threading.main_thread()
    if main_thread:  # SIGTERM stops a command as Ctrl-C does, with its clean-up
        previous = signal.signal(signal.SIGTERM, exits.raise_terminated)
    try:
        code = run(argv)
        sys.stdout.flush()  # here, not at exit: a full or closed stdout is one line too
    except OSError as error:
        code = output_failed(error)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    return code


def run(argv: list[str] | None) -> int:
    """The command's exit code. The command runs outside ``click``'s own ``main``, whose
    handling of Ctrl-C (a blank line on stderr) and of a closed stdout (exit code 1,
    the code of a bug) fuel does not share."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        group = full_cli()
        with group.make_context("fuel", args) as ctx:
            result = group.invoke(ctx)
    except click.exceptions.NoArgsIsHelpError as exc:  # plain "fuel": show help, exit 0
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        return exits.OK
    except click.ClickException as exc:
        return error_line(exc.format_message())
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        return interrupted(exits.Interrupted())
    except FuelError as exc:
        return error_line(str(exc))
    except KeyboardInterrupt as stop:
        return interrupted(stop)
    except sqlite3.Error as exc:  # a store not reached by a clearer line
        return error_line(f"the campaign database failed: {exc}")
    except OSError as exc:
        if exc.errno == errno.EPIPE or raised_by_echo(exc):
            raise  # the output itself failed: see output_failed
        where = f"{exc.filename}: " if exc.filename else ""
        return error_line(f"{where}{os_reason(exc)}")
    return int(result or 0)


def error_line(message: str) -> int:
    click.echo(f"fuel: error: {exits.one_line(message)}", err=True)
    return exits.FAILED


def interrupted(stop: KeyboardInterrupt) -> int:
    words = str(stop) or "interrupted"
    click.echo(f"fuel: {exits.one_line(words)}", err=True)
    return exits.interrupt_code(stop)


def output_failed(error: OSError) -> int:
    """stdout refused a write: closed by its reader (quietly, as ``cat`` does), or full."""
    with open(os.devnull, "w") as sink:  # the interpreter's last flush must not fail again
        os.dup2(sink.fileno(), sys.stdout.fileno())
    if error.errno == errno.EPIPE:
        return exits.BROKEN_PIPE
    return error_line(f"cannot write the output: {os_reason(error)}")


def raised_by_echo(error: OSError) -> bool:
    """Did writing the command's output (``click.echo``) raise it: a full or closed stdout?"""
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code is click.echo.__code__:
            return True
        frame = frame.tb_next
    return False


if __name__ == "__main__":
    sys.exit(main())
