"""--allow-unsafe turns off the static check only, --no-sandbox the sandbox only, on
every command that runs programs."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from fuel.cli.main import full_cli
from fuel.cli.options import Safety, safety_options


@click.command()
@safety_options
def show(safety: Safety) -> None:
    click.echo(f"{safety.static_check} {safety.sandbox} {safety.allow_unsafe}")


@pytest.mark.parametrize(
    "flags,expected",
    [
        ((), "True True False"),
        (("--allow-unsafe",), "False True True"),
        (("--no-sandbox",), "True False False"),
        (("--allow-unsafe", "--no-sandbox"), "False False True"),
    ],
)
def test_each_flag_turns_off_one_defence(flags: tuple[str, ...], expected: str) -> None:
    done = CliRunner().invoke(show, list(flags))
    assert done.exit_code == 0, done.output
    assert done.output.strip() == expected


@pytest.mark.parametrize("command", ["check", "fuzz", "reduce", "replay"])
def test_every_running_command_has_both_flags(command: str) -> None:
    done = CliRunner().invoke(full_cli(), [command, "--help"])
    assert done.exit_code == 0
    assert "--allow-unsafe" in done.output and "--no-sandbox" in done.output
