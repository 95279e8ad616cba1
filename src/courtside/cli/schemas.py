"""``courtside schemas``: the schema registry (list, show, diff, check, register)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from courtside.cli._common import AsJson, console, print_json, settings

if TYPE_CHECKING:
    from courtside.schemas import SchemaRegistry

schemas_app = typer.Typer(help="The schema registry: versioned schemas of records and tables.")
SubjectArg = Annotated[
    str, typer.Argument(help="Subject: raw (the delivered record) or database.table.")
]


def _registry(ctx: typer.Context) -> SchemaRegistry:
    from courtside.schemas import SchemaRegistry

    return SchemaRegistry.at(settings(ctx).state_dir)


@schemas_app.command("list")
def list_subjects(ctx: typer.Context, as_json: AsJson = False) -> None:
    """List the subjects with their compatibility mode and latest version."""
    subjects = _registry(ctx).subjects()
    if as_json:
        print_json([s.as_dict() for s in subjects])
        return
    table = RichTable("subject", "compatibility", "latest version", "updated")
    for s in subjects:
        table.add_row(
            s.name,
            s.compatibility.value,
            str(s.latest_version),
            s.updated_at.isoformat(timespec="seconds"),
        )
    console.print(table)


@schemas_app.command("show")
def show(
    ctx: typer.Context,
    subject: SubjectArg,
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="Default: latest.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Print one version of a subject's schema."""
    registry = _registry(ctx)
    item = registry.latest(subject) if version is None else registry.get(subject, version)
    if as_json:
        out = item.as_dict()
        out["compatibility"] = registry.compatibility(subject).value
        print_json(out)
        return
    console.print(
        f"[bold]{item.subject}[/bold] version {item.version}"
        f" ({registry.compatibility(subject).value}), registered"
        f" {item.created_at.isoformat(timespec='seconds')} {item.note}",
        highlight=False,
        emoji=False,
    )
    console.print_json(json.dumps(item.schema))


@schemas_app.command("diff")
def diff(
    ctx: typer.Context,
    subject: SubjectArg,
    v1: Annotated[int, typer.Argument(min=1, help="The older version.")],
    v2: Annotated[int, typer.Argument(min=1, help="The newer version.")],
    as_json: AsJson = False,
) -> None:
    """Show what changed between two versions and which directions each change breaks."""
    changes = _registry(ctx).diff(subject, v1, v2)
    if as_json:
        print_json(
            {"subject": subject, "from": v1, "to": v2, "changes": [c.as_dict() for c in changes]}
        )
        return
    if not changes:
        console.print(f"versions {v1} and {v2} of {subject} have the same rules")
        return
    table = RichTable("field", "change", f"v{v1}", f"v{v2}", "breaks")
    for c in changes:
        table.add_row(
            Text(c.field_path or "(record)"),
            c.change,
            Text(c.before),
            Text(c.after),
            ", ".join(c.breaks) or "-",
        )
    console.print(table)


@schemas_app.command("check")
def check(
    ctx: typer.Context,
    subject: SubjectArg,
    file: Annotated[
        Path,
        typer.Argument(
            help="A JSON Schema (.json): could it be registered? Or JSON lines of records "
            "(.jsonl, .ndjson, .gz): do they match the latest version?"
        ),
    ],
    kind: Annotated[
        str | None, typer.Option("--as", help="schema or data, when the name does not say.")
    ] = None,
    incoming: Annotated[
        bool,
        typer.Option(
            "--incoming", help="Data lines are incoming records: apply the delivery transform."
        ),
    ] = False,
    version: Annotated[
        int | None, typer.Option("--version", min=1, help="Validate data against this version.")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Check a schema's compatibility, or validate a data file; exit 1 when it fails."""
    from courtside.schemas.files import file_kind, read_schema_file, validate_lines

    registry = _registry(ctx)
    if file_kind(file, kind) == "schema":
        result = registry.check(subject, read_schema_file(file))
        if as_json:
            print_json(result.as_dict())
        elif result.identical:
            console.print(f"identical to version {result.latest_version} of {subject}")
        elif result.compatible:
            console.print(
                f"[green]compatible[/green] ({result.compatibility.value}): would be version "
                f"{result.latest_version + 1} of {subject}",
                highlight=False,
                emoji=False,
            )
        else:
            console.print(f"[red]incompatible[/red] ({result.compatibility.value}):")
            for problem in result.problems:
                console.print(
                    f"  v{problem.against_version} {problem.describe()}",
                    highlight=False,
                    emoji=False,
                )
        if not result.compatible:
            raise typer.Exit(1)
        return
    validator = registry.validator(subject, version)
    outcome = validate_lines(file, validator, incoming=incoming)
    if as_json:
        print_json(outcome.as_dict())
    else:
        console.print(
            f"{outcome.records} records, {outcome.valid} valid, {outcome.invalid} invalid"
            f" against {subject} version {outcome.version}",
            highlight=False,
            emoji=False,
        )
        for code, n in sorted(outcome.by_code.items()):
            console.print(f"  {code}: {n}", highlight=False, emoji=False)
        for line, violation in outcome.examples:
            console.print(
                f"  line {line}: {violation.code} {violation.field_path or '(record)'}:"
                f" {violation.message}",
                highlight=False,
                emoji=False,
                markup=False,
            )
    if outcome.invalid:
        raise typer.Exit(1)


@schemas_app.command("register")
def register_schema(
    ctx: typer.Context,
    subject: SubjectArg,
    file: Annotated[Path, typer.Argument(help="The JSON Schema document (.json).")],
    compatibility: Annotated[
        str | None,
        typer.Option("--compatibility", help="Mode of a new subject (default BACKWARD)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Register a schema as a subject's next version (refused when incompatible)."""
    from courtside.schemas.files import read_schema_file

    registry = _registry(ctx)
    version = registry.register(
        subject, read_schema_file(file), compatibility=compatibility, note="cli"
    )
    if as_json:
        print_json({"subject": subject, "version": version})
        return
    console.print(f"{subject} version {version}", highlight=False, emoji=False)


@schemas_app.command("compatibility")
def compatibility(
    ctx: typer.Context,
    subject: SubjectArg,
    mode: Annotated[
        str | None,
        typer.Argument(
            help="New mode: NONE, DISABLED, BACKWARD, BACKWARD_ALL, FORWARD, FORWARD_ALL, "
            "FULL, FULL_ALL (omit to show)."
        ),
    ] = None,
) -> None:
    """Show or change a subject's compatibility mode."""
    registry = _registry(ctx)
    current = registry.set_compatibility(subject, mode) if mode else registry.compatibility(subject)
    console.print(f"{subject}: {current.value}", highlight=False, emoji=False)


def register(app: typer.Typer) -> None:
    app.add_typer(schemas_app, name="schemas")
