"""`python -m souverain.cli`: the same command as the `souverain` script."""

from souverain.cli.main import run

run()
