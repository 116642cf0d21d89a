"""The click commands. Each parses options and calls the library; none holds logic of its own."""

from __future__ import annotations

import sys

import click

from .main import EXIT_FINDINGS, EXIT_OK, input_errors

REPORT_FORMATS = ("text", "json", "sarif", "junit", "gitlab", "html")
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
) -> None:
    """Check a plan file or a Pulumi project against the sovereignty policies.

    Exit 0: no mandatory finding; 1: at least one; 2: bad input or usage.
    """
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
        source_dir=source_dir,
    )
    # The process ends after one check: no collection pass over the plan's objects while it runs.
    with gc_paused():
        evaluation = run_check(target, options)
        report = render(evaluation, fmt)
    if output:
        write_atomically(output, report)
        if fmt != "text":
            click.echo(render(evaluation, "text"), nl=False)
    else:
        click.echo(report, nl=False)
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


def register(group: click.Group) -> None:
    for command in (check, diagram, catalog, policies, preview):
        group.add_command(command)
