"""``manage.py pht_rules decide|replay FILE``: the stage rules from the command line.

A thin shell around :func:`rehab.rules_io.run` (contract: RULES-IO.md). It touches no
database: no system checks, no migration checks, no models.
"""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rehab import rules_io


class Command(BaseCommand):
    help = (
        "Apply the PHT stage rules to JSON read from FILE (- for standard input): "
        "'decide' takes a list of facts, 'replay' one trajectory or a list of them."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        """An unknown option is a calling error like an unknown verb: one line on standard
        error and exit 2 (RULES-IO.md), not argparse's usage text."""
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        command_line_error = parser.error

        def error(message: str) -> Any:
            if not parser.called_from_command_line:
                return command_line_error(message)  # raises CommandError for call_command
            sys.stderr.write(f"pht_rules: {message}\n")
            sys.exit(2)

        parser.error = error  # type: ignore[method-assign]
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        # Validated by rules_io.run, so a bad verb gives its one-line message and exit 2.
        parser.add_argument("argv", nargs="*", metavar="decide|replay FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        # self.stdout/self.stderr so that call_command(..., stdout=...) can capture the output.
        code = rules_io.run(list(options["argv"]), sys.stdin, self.stdout, self.stderr)
        if code:
            sys.exit(code)
