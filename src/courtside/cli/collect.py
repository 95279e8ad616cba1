"""``courtside collect``: put posts on the tweets stream from X, Bluesky, files or the
generator; ``courtside collect x-rules`` manages the X filtered-stream rules."""

from __future__ import annotations

import enum
from contextlib import closing
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperGroup

from courtside.cli._common import AsJson, console, print_json, settings, with_options
from courtside.collect.config import DEFAULT_TAMPERING_PER_CHUNK
from courtside.config import Settings
from courtside.errors import ConfigError

_FILES_KEY = "courtside.collect.files"


class Source(enum.StrEnum):
    """Collector sources."""

    x = "x"
    bluesky = "bluesky"
    replay = "replay"
    synthetic = "synthetic"


class _CollectGroup(TyperGroup):
    """``collect`` is both a command (``collect --source replay FILE...``) and a group
    (``collect x-rules ...``): without a subcommand name, positionals are FILES and
    options may follow them."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if any(arg in self.commands for arg in args):
            return super().parse_args(ctx, args)
        ctx.allow_interspersed_args = True
        rest = super(TyperGroup, self).parse_args(ctx, args)
        ctx.meta[_FILES_KEY] = list(rest)
        ctx.args = []
        return []


collect_app = typer.Typer(
    cls=_CollectGroup,
    invoke_without_command=True,
    subcommand_metavar="[FILES]... | x-rules COMMAND",
    help="Collect posts onto the tweets stream: --source x (X API v2 filtered stream), "
    "bluesky (Jetstream, free), replay FILE... (JSONL or .gz archives) or synthetic "
    "(the generator, continuously). Runs until Ctrl-C/SIGTERM (replay: until the files "
    "end), then prints what it counted.",
)
rules_app = typer.Typer(help="Manage the X filtered-stream rules (needs X_BEARER_TOKEN).")
collect_app.add_typer(rules_app, name="x-rules")


@collect_app.callback()
def collect(
    ctx: typer.Context,
    source: Annotated[
        Source | None, typer.Option("--source", "-s", help="Where posts come from.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Stop after this many records.")] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            help="replay: original pace times this factor (default: as fast as possible)."
        ),
    ] = None,
    rate: Annotated[
        float, typer.Option(min=0, help="synthetic: records per second (0: as fast as possible).")
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="synthetic: random seed.")] = 42,
    duplicates: Annotated[
        float, typer.Option(min=0, max=1, help="synthetic: share re-delivered.")
    ] = 0.0,
    tampering: Annotated[
        int,
        typer.Option(
            min=0,
            max=1000,
            help="synthetic: tampering bursts per 1,000 records (0: none), so the detector "
            "has something to alert on.",
        ),
    ] = DEFAULT_TAMPERING_PER_CHUNK,
    keyword: Annotated[
        list[str] | None,
        typer.Option("--keyword", "-k", help="bluesky: keep posts with this word (repeatable)."),
    ] = None,
    lang: Annotated[
        list[str] | None,
        typer.Option("--lang", help="bluesky: keep posts in this language (repeatable)."),
    ] = None,
    stream: Annotated[str, typer.Option(help="Target stream.")] = "tweets",
    annotate: Annotated[
        bool, typer.Option(help="Add Athlete annotations to posts that carry none.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Collect posts from one source onto the tweets stream."""
    if ctx.invoked_subcommand is not None:
        return
    from courtside.collect.service import run_collector

    files = [Path(f) for f in ctx.meta.get(_FILES_KEY, [])]
    if source is None:
        raise ConfigError("choose a source: --source x|bluesky|replay|synthetic (see --help)")
    if files and source is not Source.replay:
        raise ConfigError(f"FILES are only for --source replay, not --source {source.value}")
    cfg = settings(ctx)
    changes: dict[str, Any] = {}
    if keyword:
        changes["keywords"] = keyword
    if lang:
        changes["langs"] = lang
    cfg = with_options(cfg, "bluesky", changes)
    collector = _collector(cfg, source, files, speed, rate, seed, duplicates, tampering)
    report = run_collector(
        cfg, collector, stream=stream, limit=limit, annotate=annotate, handle_signals=True
    )
    if as_json:
        print_json(report.as_dict())
        return
    from courtside.collect.summary import summary_lines

    for text in summary_lines(report, stream):
        console.print(text, highlight=False)


def _collector(
    cfg: Settings,
    source: Source,
    files: list[Path],
    speed: float | None,
    rate: float,
    seed: int,
    duplicates: float,
    tampering: int,
) -> Any:
    if source is Source.x:
        from courtside.collect.x import XCollector

        return XCollector(cfg.x)
    if source is Source.bluesky:
        from courtside.collect.bluesky import BlueskyCollector

        return BlueskyCollector(cfg.bluesky, cfg.state_dir)
    if source is Source.replay:
        from courtside.collect.replay import ReplayCollector

        return ReplayCollector(files, speed=speed)
    from courtside.collect.synthetic import SyntheticCollector
    from courtside.reference.players import load_players

    return SyntheticCollector(
        load_players(cfg.home),
        rate_per_s=rate,
        seed=seed,
        duplicate_rate=duplicates,
        tampering_per_chunk=tampering,
    )


@rules_app.command("list")
def rules_list(
    ctx: typer.Context,
    as_json: AsJson = False,
) -> None:
    """List the filtered-stream rules."""
    from courtside.collect.x_api import XRules

    with closing(XRules(settings(ctx).x)) as client:
        rules = client.rules()
    if as_json:
        print_json(rules)
        return
    table = Table("id", "value", "tag", title="X filtered-stream rules")
    for rule in rules:
        table.add_row(str(rule.get("id", "")), str(rule.get("value", "")), str(rule.get("tag", "")))
    console.print(table)


@rules_app.command("add")
def rules_add(
    ctx: typer.Context,
    value: Annotated[
        str | None, typer.Argument(help="Rule value (default: the configured x.rule_value).")
    ] = None,
    tag: Annotated[str | None, typer.Option(help="Rule tag (default: x.rule_tag).")] = None,
    as_json: AsJson = False,
) -> None:
    """Add a rule (an existing identical rule is reported, not duplicated)."""
    from courtside.collect.x_api import XRules

    cfg = settings(ctx).x
    with closing(XRules(cfg)) as client:
        rule = client.add(value or cfg.rule_value, tag if tag is not None else cfg.rule_tag)
    if as_json:
        print_json(rule)
        return
    console.print(
        f"rule {rule.get('id')}: {rule.get('value')!r} (tag {rule.get('tag')!r})", highlight=False
    )


@rules_app.command("delete")
def rules_delete(
    ctx: typer.Context,
    ids: Annotated[list[str] | None, typer.Argument(help="Rule ids to delete.")] = None,
    all_rules: Annotated[bool, typer.Option("--all", help="Delete every rule.")] = False,
    as_json: AsJson = False,
) -> None:
    """Delete rules by id (or --all)."""
    from courtside.collect.x_api import XRules

    with closing(XRules(settings(ctx).x)) as client:
        targets = list(ids or [])
        if all_rules:
            targets = [str(r.get("id")) for r in client.rules()]
        if not targets:
            raise ConfigError("give rule ids to delete, or --all")
        deleted = client.delete(targets)
    if as_json:
        print_json({"deleted": deleted, "ids": targets})
        return
    console.print(f"deleted {deleted} rule(s)", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(collect_app, name="collect")
