"""Entry point: `souverain check`, `souverain catalog`, `souverain policies`, `souverain preview`.

Commands only parse options and delegate to the library; every input error becomes one line on stderr
and exit code 2.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from souverain.errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def fail(message: str) -> None:
    click.echo(f"souverain: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def input_errors(func: F) -> F:
    """Turn library input errors into the one-line, exit-2 contract."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            fail(exc.line())
        except MemoryError:
            fail("input too large to check in the memory available")
        except click.ClickException:
            raise
        except Exception as exc:
            # A bug must still fail the check (never pass it) and stay one line in a CI log.
            if os.environ.get("SOUVERAIN_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (set SOUVERAIN_DEBUG=1 for a traceback)")

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="souverain")
def main() -> None:
    """Sovereign infrastructure as code: offline policy checks for SecNumCloud and HDS hosting."""


def run() -> None:
    """The `souverain` script: `main`, then a hard exit once the output is flushed.

    A check holds the whole decoded plan and model; letting the interpreter free them object by object at
    exit takes a tenth of a second on a 10k-resource plan, for nothing (mypy exits the same way). Tests
    and other callers use `main`, which exits normally.
    """
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = EXIT_OK
    if code is not None and not isinstance(code, int):
        click.echo(str(code), err=True)  # what sys.exit("message") would have printed
        code = 1
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (`souverain check ... | head`): nothing more to say.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code or EXIT_OK)


def _register() -> None:
    from . import commands

    commands.register(main)


_register()
