"""Entry point of the ``fuel`` command: collects every command module in this package.

Each module of ``fuel.cli`` that defines a click ``command`` is a subcommand, so a
new command is a new file. Heavy imports (torch) stay inside the command functions,
so ``fuel --help`` answers at once. Errors the user can fix are one line and exit
code 2; no traceback reaches the user for bad input.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

import fuel
import fuel.cli
from fuel.errors import FuelError

NOT_COMMANDS = {"main", "options", "display"}


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


register_commands(cli)


def main(argv: list[str] | None = None) -> int:
    try:
        result = cli.main(args=argv, prog_name="fuel", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:  # plain "fuel": show help, exit 0
        click.echo(exc.ctx.get_help() if exc.ctx else "")
        return 0
    except click.UsageError as exc:
        click.echo(f"fuel: error: {exc.format_message()}", err=True)
        return 2
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("fuel: interrupted", err=True)
        return 130
    except FuelError as exc:
        click.echo(f"fuel: error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("fuel: interrupted", err=True)
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
