"""The click commands. Each parses options and calls the library; none holds logic of its own."""

from __future__ import annotations

import sys

import click

from .main import EXIT_FINDINGS, EXIT_OK, input_errors

REPORT_FORMATS = ("text", "json", "sarif", "junit", "gitlab", "markdown", "html")
SEVERITIES = ("low", "medium", "high", "critical")
INPUT_FORMATS = ("pulumi-preview", "pulumi-state", "terraform-plan")


@click.command()
@click.argument("target", type=click.Path(dir_okay=True, file_okay=True))
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here (atomically).")
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(), help="Catalog overlay; repeatable.")
@click.option("--replace-catalog", is_flag=True, help="Use only the --catalog files, not the shipped one.")
@click.option("--policy-config", type=click.Path(), help="Pulumi --policy-pack-config shaped JSON.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), help="Force the plan format.")
@click.option("--stack", help="Stack name, when TARGET is a Pulumi project folder.")
@click.option(
    "--unknowns",
    type=click.Choice(["fail", "advisory"]),
    default="fail",
    show_default=True,
    help="Whether a verdict forced by a value unknown at plan time is mandatory or advisory.",
)
@click.option("--waivers", type=click.Path(), help="Reviewed exceptions file (YAML).")
@click.option(
    "--source-dir",
    type=click.Path(),
    help="The sources beside a plan file (Terraform configuration or Pulumi project folder): findings "
    "are located on the lines that declare their resources.",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT=PATH",
    help="Also write a report in FORMAT to PATH (atomically); repeatable, so one run writes several.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Fail (exit 1) only on mandatory findings of this severity or above. Default: any severity.",
)
@input_errors
def check(
    target: str,
    fmt: str,
    output: str | None,
    catalogs: tuple[str, ...],
    replace_catalog: bool,
    policy_config: str | None,
    input_format: str | None,
    stack: str | None,
    unknowns: str,
    waivers: str | None,
    source_dir: str | None,
    reports: tuple[str, ...],
    fail_on: str | None,
) -> None:
    """Check a plan file or a Pulumi project against the sovereignty policies.

    Exit 0: no mandatory finding (at --fail-on severity or above); 1: at least one; 2: bad input or usage.
    """
    from souverain.checker import parse_report_requests

    requested = parse_report_requests(reports, (output, fmt) if output else None, REPORT_FORMATS)
    from souverain.checker import CheckOptions, write_atomically
    from souverain.checker import check as run_check
    from souverain.readers._json import gc_paused
    from souverain.reports import render

    options = CheckOptions(
        catalogs=catalogs,
        replace_catalog=replace_catalog,
        policy_config=policy_config,
        input_format=input_format,
        stack=stack,
        unknowns="advisory" if unknowns == "advisory" else "fail",
        waivers=waivers,
        output=output,
        reports=tuple(path for _, path in requested),
        fail_on=fail_on,
        source_dir=source_dir,
    )
    # The process ends after one check: no collection pass over the plan's objects while it runs.
    with gc_paused():
        evaluation = run_check(target, options)
        files = [(path, render(evaluation, report_format)) for report_format, path in requested]
        # On stdout: the --format report when no file takes it, else the text report for the CI log.
        shown = fmt if not output else ("" if fmt == "text" else "text")
        stdout = render(evaluation, shown) if shown else ""
    for path, text in files:
        write_atomically(path, text)
    click.echo(stdout, nl=False)
    sys.exit(EXIT_OK if evaluation.passed else EXIT_FINDINGS)


@click.command()
@click.argument("target", type=click.Path(dir_okay=True, file_okay=True))
@click.option(
    "--format", "fmt", type=click.Choice(["svg", "mermaid", "dot"]), default="svg", show_default=True
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the diagram here (atomically).")
@click.option("--stack", help="Stack name, when TARGET is a Pulumi project folder.")
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(), help="Catalog overlay; repeatable.")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), help="Force the plan format.")
@input_errors
def diagram(
    target: str,
    fmt: str,
    output: str | None,
    stack: str | None,
    catalogs: tuple[str, ...],
    input_format: str | None,
) -> None:
    """Draw the network of a plan file or Pulumi project: tiers, flows, entry points, data stores.

    A path by which the internet reaches a data store is drawn in red. Exit 0, or 2 on bad input (or,
    for svg, when Graphviz is not installed).
    """
    from souverain.catalog import load_catalog
    from souverain.checker import CheckOptions, load_target, with_project_settings, write_atomically
    from souverain.diagram import graph_of, render
    from souverain.diagram.svg_writer import DiagramUnavailableError
    from souverain.errors import InputError
    from souverain.reports._redact import SecretMatcher, secret_strings

    options = with_project_settings(
        target, CheckOptions(catalogs=catalogs, stack=stack, input_format=input_format)
    )
    plan = load_target(target, options, load_catalog(options.catalogs))
    try:
        text = render(graph_of(plan), fmt, title=plan.stack or "")
    except DiagramUnavailableError as exc:
        raise InputError(target, str(exc), field="--format") from None
    text = SecretMatcher(frozenset(secret_strings(plan.resources, plan))).sub(text)
    if output:
        write_atomically(output, text)
    else:
        click.echo(text, nl=False)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(), help="Catalog overlay; repeatable.")
@click.option("--replace-catalog", is_flag=True, help="Show only the --catalog files.")
@input_errors
def catalog(fmt: str, catalogs: tuple[str, ...], replace_catalog: bool) -> None:
    """Show the sovereignty catalog: offers, operators, qualifications, regions."""
    from souverain.catalog import load_catalog
    from souverain.catalog_view import render_catalog

    click.echo(render_catalog(load_catalog(catalogs, replace=replace_catalog), fmt), nl=False)


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def policies(fmt: str) -> None:
    """List the policies with their ids, severities, enforcement and requirements."""
    from souverain.policy_view import render_policies

    click.echo(render_policies(fmt), nl=False)


@click.command()
@click.argument("project", type=click.Path(exists=True, file_okay=False))
@click.option("--stack", required=True, help="Stack name: reads Pulumi.<stack>.yaml.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@input_errors
def preview(project: str, stack: str, fmt: str) -> None:
    """Run a Pulumi project offline and show its resource tree, with counts per type and per tier."""
    from pathlib import Path

    from souverain.preview_view import render_preview

    click.echo(render_preview(Path(project), stack, fmt), nl=False)


@click.command()
@click.argument("directory", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--name", help="The Pulumi project name. Default: the folder's name.")
@input_errors
def init(directory: str, name: str | None) -> None:
    """Write a new agency project into DIRECTORY (new or empty), checked clean at once.

    Then replace every value marked EXAMPLE with your contract's, and run
    `souverain check DIRECTORY --stack dev`.
    """
    from pathlib import Path

    from souverain.scaffold import init_project

    scaffold = init_project(Path(directory), name)
    for path in scaffold.files:
        click.echo(f"wrote {path}")
    if scaffold.warning:
        click.echo(f"souverain: warning: requirements.txt: {scaffold.warning}", err=True)
    click.echo(f"next: replace the EXAMPLE values, then: souverain check {directory} --stack dev")


@click.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option(
    "--stack",
    "stacks",
    multiple=True,
    help="Stack(s) of the Pulumi projects; default: every Pulumi.<stack>.yaml beside the project.",
)
@click.option("--catalog", "catalogs", multiple=True, type=click.Path(), help="Catalog overlay; repeatable.")
@click.option("--policy-config", type=click.Path(), help="Pulumi --policy-pack-config shaped JSON.")
@click.option("--waivers", type=click.Path(), help="Reviewed exceptions file (YAML).")
@click.option("--unknowns", type=click.Choice(["fail", "advisory"]), default="fail", show_default=True)
@click.option("--fail-on", type=click.Choice(SEVERITIES), help="Fail only at this severity or above.")
@input_errors
def hook(
    files: tuple[str, ...],
    stacks: tuple[str, ...],
    catalogs: tuple[str, ...],
    policy_config: str | None,
    waivers: str | None,
    unknowns: str,
    fail_on: str | None,
) -> None:
    """For pre-commit: check the plans and Pulumi projects the changed FILES belong to.

    A file under a Pulumi project folder checks the project (each stack); a plan JSON file is checked
    itself; other files are skipped. Exit: the worst of the checks (0, 1, or 2 on bad input).
    """
    from souverain.checker import CheckOptions
    from souverain.checker import check as run_check
    from souverain.hook import hook_targets
    from souverain.reports import render

    worst = EXIT_OK
    for item in hook_targets(files, stacks):
        options = CheckOptions(
            catalogs=catalogs,
            policy_config=policy_config,
            stack=item.stack,
            unknowns="advisory" if unknowns == "advisory" else "fail",
            waivers=waivers,
            fail_on=fail_on,
        )
        evaluation = run_check(item.target, options)
        click.echo(render(evaluation, "text"), nl=False)
        if not evaluation.passed:
            worst = EXIT_FINDINGS
    sys.exit(worst)


def register(group: click.Group) -> None:
    for command in (check, diagram, catalog, policies, preview, init, hook):
        group.add_command(command)
