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

    def add_arguments(self, parser: CommandParser) -> None:
        # Validated by rules_io.run, so a bad verb gives its one-line message and exit 2.
        parser.add_argument("argv", nargs="*", metavar="decide|replay FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        # self.stdout/self.stderr so that call_command(..., stdout=...) can capture the output.
        code = rules_io.run(list(options["argv"]), sys.stdin, self.stdout, self.stderr)
        if code:
            sys.exit(code)
