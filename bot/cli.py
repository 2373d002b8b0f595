"""The `shuxiang` command: one entry point for the server, the CLI tools and the jobs."""
from __future__ import annotations

import importlib

import click

# Sub-command modules, imported lazily so `shuxiang parse` does not pay for aiohttp etc.
SUBCOMMANDS: dict[str, str] = {
    "db": "bot.cli_db:db",
    "parse": "bot.nlp.cli:parse",
    "serve": "bot.cli_serve:serve",
    "chat": "bot.cli_chat:chat",
    "jobs": "scheduler.cli:jobs",
    "outbox": "scheduler.cli:outbox",
    "contacts": "scheduler.cli_contacts:contacts",
    "import": "bot.cli_import:import_group",
    "desk": "bot.cli_desk:desk",
    "inventory": "bot.cli_desk:inventory",
    "report": "bot.cli_report:report",
    "log-tag": "bot.cli_logtag:log_tag",
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
