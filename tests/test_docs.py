"""The README's quick start is what CI runs, and every command is documented."""

import re

from conftest import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [line for line in re.findall(r"```sh\n(.*?)```", section, re.S)
            for line in line.splitlines() if line and not line.startswith("#")]


def test_quick_start_is_two_commands_and_ci_runs_the_test_command():
    install_and_run, install_and_test = quick_start_commands()
    assert "flowmatrix " in install_and_run and "data/cases.xlsx" in install_and_run
    assert install_and_test.endswith("pytest")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert install_and_test in ci.splitlines()


def test_every_command_is_in_the_readme(cli):
    readme = (ROOT / "README.md").read_text("utf-8")
    help_text = cli("--help").stdout
    listed = help_text.split("Commands:\n", 1)[1].split("\n\n", 1)[0]
    commands = re.findall(r"^  (\w+)  ", listed, flags=re.MULTILINE)
    assert commands
    for command in commands:
        assert f"flowmatrix {command}" in readme
