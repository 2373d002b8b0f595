"""The `shuxiang` command: one entry point for the server, the CLI tools and the jobs."""
from __future__ import annotations

import importlib

import click

# Sub-command modules, imported lazily so `shuxiang parse` does not pay for aiohttp etc.
SUBCOMMANDS: dict[str, str] = {
    "db": "cli.db:db",
    "parse": "cli.parse:parse",
    "serve": "cli.serve:serve",
    "chat": "cli.chat:chat",
    "jobs": "cli.jobs:jobs",
    "outbox": "cli.jobs:outbox",
    "contacts": "cli.contacts:contacts",
    "import": "cli.imports:import_group",
    "desk": "cli.desk:desk",
    "inventory": "cli.desk:inventory",
    "report": "cli.report:report",
    "log-tag": "cli.logtag:log_tag",
    "staff": "cli.staff:staff",
    "calendar": "cli.calendar:calendar",
    "readers": "cli.readers:readers",
    "rota": "cli.rota:rota",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup)
def main() -> None:
    """书香 Shuxiang: a WeChat assistant for school libraries."""


if __name__ == "__main__":
    main()
