"""souverain makes no network call: checks run with every way out of the process shut and watched.

Each check runs in a fresh interpreter whose `sitecustomize` (first on PYTHONPATH) replaces, before any
import, the socket entry points (`socket.connect`/`connect_ex`/`sendto`, `create_connection`,
`getaddrinfo`, `gethostbyname[_ex]`) and gRPC's channel and server constructors (Pulumi's runtime speaks
gRPC to its engine, through a C core the socket module does not see) with functions that record the
attempt in a log file and fail. So imports are covered as well as the run itself. A control run shows
that the trap does catch a connection, and loopback ones too: none is allowed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_support import PLANS, SMALL_CATALOG

ROOT = Path(__file__).resolve().parent.parent
HDH_STACK = ROOT / "stacks" / "health-data-hub"

SITECUSTOMIZE = '''
"""Test trap: record and refuse every network attempt of this interpreter (souverain's no-network test)."""
import os
import socket

_LOG = os.environ["SOUVERAIN_NETWORK_LOG"]


def _record(what, detail):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(f"{what} {detail!r}\\n")


def _refuse(what):
    def refuse(*args, **kwargs):
        _record(what, args[1:] if what.startswith("socket.") else args)
        raise OSError(101, f"network disabled by the no-network test ({what})")
    return refuse


for name in ("connect", "connect_ex", "sendto"):
    setattr(socket.socket, name, _refuse(f"socket.{name}"))
for name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    setattr(socket, name, _refuse(name))
try:
    import grpc
except ImportError:
    pass
else:
    for name in ("insecure_channel", "secure_channel", "server"):
        setattr(grpc, name, _refuse(f"grpc.{name}"))
    if hasattr(grpc, "aio"):
        for name in ("insecure_channel", "secure_channel", "server"):
            setattr(grpc.aio, name, _refuse(f"grpc.aio.{name}"))
'''

SOUVERAIN = "import sys; from souverain.cli.main import main; sys.exit(main())"


def _trapped(
    tmp_path: Path, *args: str, code: str = SOUVERAIN
) -> tuple[subprocess.CompletedProcess[str], str]:
    trap = tmp_path / "trap"
    trap.mkdir(exist_ok=True)
    (trap / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "network.log"
    log.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(trap), os.environ.get("PYTHONPATH")])),
        "SOUVERAIN_NETWORK_LOG": str(log),
    }
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(proxy, None)
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    return result, log.read_text(encoding="utf-8")


def test_the_trap_catches_connections_lookups_and_grpc(tmp_path: Path) -> None:
    code = (
        "import socket, grpc\n"
        "for attempt in (lambda: socket.getaddrinfo('example.org', 443),\n"
        "                lambda: socket.create_connection(('127.0.0.1', 9)),\n"
        "                lambda: socket.socket().connect(('::1', 9)),\n"
        "                lambda: grpc.insecure_channel('127.0.0.1:50051')):\n"
        "    try:\n"
        "        attempt()\n"
        "    except OSError:\n"
        "        pass\n"
    )
    result, log = _trapped(tmp_path, code=code)
    assert result.returncode == 0, result.stderr
    assert [line.split(" ", 1)[0] for line in log.splitlines()] == [
        "getaddrinfo",
        "create_connection",
        "socket.connect",
        "grpc.insecure_channel",
    ]


@pytest.mark.parametrize("fmt", sorted(PLANS))
def test_checking_each_plan_format_makes_no_network_call(tmp_path: Path, fmt: str) -> None:
    result, log = _trapped(
        tmp_path, "check", str(PLANS[fmt]), "--format", "sarif", "--output", str(tmp_path / "report.sarif")
    )
    assert result.returncode == 1, result.stderr  # the fixtures have findings, against the shipped catalog
    assert log == ""
    result, log = _trapped(
        tmp_path, "check", str(PLANS[fmt]), "--catalog", str(SMALL_CATALOG), "--replace-catalog"
    )
    assert result.returncode == 1, result.stderr
    assert log == ""


@pytest.mark.slow
@pytest.mark.skipif(not (HDH_STACK / "Pulumi.yaml").is_file(), reason="needs stacks/health-data-hub")
def test_checking_the_health_data_hub_stack_offline_makes_no_network_call(tmp_path: Path) -> None:
    """A whole Pulumi program under Pulumi's mock runtime: the SDK, pulumi-openstack and the components."""
    result, log = _trapped(tmp_path, "check", str(HDH_STACK), "--stack", "prod")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert log == ""
    result, log = _trapped(tmp_path, "preview", str(HDH_STACK), "--stack", "prod", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert log == ""
