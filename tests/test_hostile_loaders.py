"""Hostile catalogs, policy configs and waivers files: a pull request can edit all three.

Whatever they hold, loading them gives a catalog, a config or waivers that a whole check then runs with
(to the five report formats), or one `InputError` naming the file. Strategies: arbitrary bytes and text,
arbitrary YAML/JSON values, and the realistic files mutated node by node.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hostile_support import (
    DOCUMENTS,
    PLANS,
    SMALL_CATALOG,
    assert_cli_outcome,
    assert_one_line_error,
    bounded,
    deleted,
    json_scalars,
    keys,
    outcome,
    paths,
    renamed,
    replaced,
)
from hypothesis import given
from hypothesis import strategies as st
from souverain.policies import ALL_POLICIES

from souverain.catalog import Catalog, load_catalog
from souverain.engine import PolicyConfig, load_policy_config, settings_from_config
from souverain.errors import InputError
from souverain.readers import _json as json_reader
from souverain.waivers import PSEUDO_POLICY_IDS, FileWaivers, load_waivers, parse_waivers

TODAY = date(2026, 3, 1)
POLICY_IDS = tuple(policy.id for policy in ALL_POLICIES)
CONFIG_IDS = (*POLICY_IDS, *PSEUDO_POLICY_IDS)

yaml_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars | st.dates() | st.sampled_from([date(2026, 1, 1), "2026-02-30", "2024-13-01"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=10,
)
"""What YAML can hold besides JSON: dates."""

YAML_SNIPPETS = [
    "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n",
    "schema_version: 1\noffers: &o [{id: x}]\nmore: *o\n",
    "schema_version: 1\nwaivers: [*undefined]\n",
    "a: !!python/object/apply:os.system [echo]\n",
    "a: !!binary AAAA\n",
    "a: !custom x\n",
    "schema_version: 1\nschema_version: 1\n",
    "<<: {schema_version: 1}\n<<: 3\n",
    "? [a, b]\n: 1\n",
    "schema_version: 1" + "0" * 5000 + "\n",
    "schema_version: 1\nas_of: 2026-02-30\n",
    "schema_version: 1\nwaivers:\n"
    "- {policy: p, resource: r, justification: j, owner: o, expires: 2024-99-99}\n",
    "schema_version: 1\nas_of: 2026-01-01t99:00:00\n",
    "a: " + "[" * 5000 + "]" * 5000 + "\n",
    "a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n",
    "%YAML 9.9\n---\na: 1\n",
    "--- 1\n--- 2\n",
    "a: 1\n\x00\n",
    "\ufeffschema_version: 1\n",
    "\t- x\n",
    "a: 1e99999\n",
    "a: .nan\nb: -.inf\n",
]


def _yaml_documents(realistic: Any) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.sampled_from(YAML_SNIPPETS),
        yaml_values.map(lambda value: yaml.safe_dump(value, allow_unicode=True)),
        mutated(realistic).map(lambda value: yaml.safe_dump(value, allow_unicode=True, sort_keys=False)),
    )


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """A realistic file with one to three nodes replaced, deleted or renamed."""
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        candidates = paths(document)
        if not candidates:
            break
        path = candidates[draw(st.integers(min_value=0, max_value=len(candidates) - 1))]
        action = draw(st.sampled_from(["replace", "replace", "delete", "rename"]))
        if action == "delete":
            document = deleted(document, path)
        elif action == "rename":
            document = renamed(document, path, draw(keys))
        else:
            document = replaced(document, path, draw(yaml_values))
    return document


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    return path


# -- catalogs ----------------------------------------------------------------------------------------------

REAL_CATALOG = yaml.safe_load(SMALL_CATALOG.read_text(encoding="utf-8"))


def _load_catalog(path: Path) -> Catalog | None:
    try:
        return load_catalog([path], replace=True)
    except InputError as exc:
        assert_one_line_error(exc, str(path))
        return None


@bounded(100)
@given(content=_yaml_documents(REAL_CATALOG) | st.binary(max_size=200), fmt=st.sampled_from(sorted(PLANS)))
def test_any_catalog_file_gives_a_catalog_that_checks_or_one_error(
    tmp_path_factory: pytest.TempPathFactory, content: str | bytes, fmt: str
) -> None:
    path = _write(tmp_path_factory.mktemp("catalog"), "catalog.yaml", content)
    catalog = _load_catalog(path)
    if catalog is not None:
        assert outcome(DOCUMENTS[fmt], fmt, catalog=catalog).evaluation is not None


def test_a_catalog_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """YAML aliases share one object, so expansion costs nothing; validation refuses the shape at once."""
    levels = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for index in range(1, 9):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = "schema_version: 1\n" + "\n".join(levels) + "\noffers: *i\n"
    assert _load_catalog(_write(tmp_path, "bomb.yaml", text)) is None


# -- policy configs ----------------------------------------------------------------------------------------

REAL_POLICY_CONFIG: dict[str, Any] = {
    "all": "mandatory",
    "no-public-ingress": {"adminRanges": ["198.51.100.0/24", "2001:db8::/48"], "unknowns": "advisory"},
    "qualified-region": {"enforcementLevel": "mandatory", "healthData": True},
    "protected-data-store": {"production": True},
    "encrypted-storage": "advisory",
    "waiver-invalid": {"enforcementLevel": "mandatory"},
}

policy_config_documents = st.one_of(
    mutated(REAL_POLICY_CONFIG),
    st.dictionaries(st.sampled_from([*CONFIG_IDS, "all", "no-such-policy"]), yaml_values, max_size=4),
    st.dictionaries(
        st.sampled_from(POLICY_IDS),
        st.dictionaries(
            st.sampled_from(["enforcementLevel", "unknowns", "adminRanges", "healthData", "production"]),
            yaml_values,
            max_size=3,
        ),
        max_size=3,
    ),
    yaml_values,
)


def _settings(path: Path) -> None:
    settings_from_config(load_policy_config(path, CONFIG_IDS), None, str(path))


def _load_policy_config(path: Path) -> PolicyConfig | None:
    try:
        config = load_policy_config(path, CONFIG_IDS)
        settings_from_config(config, None, str(path))
    except InputError as exc:
        assert_one_line_error(exc, str(path))
        return None
    return config


@bounded(150)
@given(
    document=policy_config_documents,
    raw=st.none() | st.binary(max_size=100),
    fmt=st.sampled_from(sorted(PLANS)),
)
def test_any_policy_config_gives_a_config_that_checks_or_one_error(
    tmp_path_factory: pytest.TempPathFactory, document: Any, raw: bytes | None, fmt: str
) -> None:
    content = raw if raw is not None else json.dumps(document, default=str).encode("utf-8")
    path = _write(tmp_path_factory.mktemp("config"), "policy-config.json", content)
    config = _load_policy_config(path)
    if config is not None:
        assert outcome(DOCUMENTS[fmt], fmt, config=config).evaluation is not None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"all": NaN}', "NaN is not valid JSON"),
        (b'{"all": 1e400}', "is too large"),
        (b'{"all": "mandatory", "all": "advisory"', "not valid JSON"),
        (b"\xff", "not UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"qualified-region": {"x": ' + b"[" * 500 + b"]" * 500 + b"}}", "nested too deeply"),
        (b'{"no-public-ingress": {"adminRanges": 5}}', "no-public-ingress.adminRanges"),
        (b'{"no-public-ingress": {"adminRanges": {"10.0.0.0/8": 1}}}', "no-public-ingress.adminRanges"),
        (b'{"no-public-ingress": {"adminRanges": "198.51.100.0/24"}}', "no-public-ingress.adminRanges"),
        (b'{"no-public-ingress": {"adminRanges": [["10.0.0.0/8"]]}}', "no-public-ingress.adminRanges"),
        (b'{"qualified-region": {"unknowns": ["advisory"]}}', "qualified-region.unknowns"),
        (b'{"x\\nsouverain: error: forged": "mandatory"}', "no policy has this id"),
    ],
)
def test_policy_config_refusals_are_one_line(tmp_path: Path, content: bytes, message: str) -> None:
    path = _write(tmp_path, "policy-config.json", content)
    with pytest.raises(InputError) as info:
        _settings(path)
    assert_one_line_error(info.value, str(path))
    assert message in info.value.line()


# -- waivers -----------------------------------------------------------------------------------------------

REAL_WAIVERS: dict[str, Any] = {
    "schema_version": 1,
    "waivers": [
        {
            "policy": "no-data-destruction",
            "resource": "urn:pulumi:prod::hdh-platform::*::exports-2024",
            "justification": "Exports of 2024 are archived offline (ticket reviewed by the DPO).",
            "owner": "hdh-platform@example.test",
            "expires": date(2026, 6, 30),
            "ticket": "SEC-42",
        },
        {
            "policy": "qualified-region",
            "resource": "openstack_*[[]*",
            "justification": "Temporary.",
            "owner": "ops@example.test",
            "expires": date(2025, 1, 1),
        },
    ],
}


def _load_waivers(path: Path) -> FileWaivers | None:
    try:
        return load_waivers(path, POLICY_IDS, TODAY)
    except InputError as exc:
        assert_one_line_error(exc, str(path))
        return None


@bounded(60)
@given(content=_yaml_documents(REAL_WAIVERS) | st.binary(max_size=200), fmt=st.sampled_from(sorted(PLANS)))
def test_any_waivers_file_gives_waivers_that_check_or_one_error(
    tmp_path_factory: pytest.TempPathFactory, content: str | bytes, fmt: str
) -> None:
    path = _write(tmp_path_factory.mktemp("waivers"), "waivers.yaml", content)
    waivers = _load_waivers(path)
    if waivers is not None:
        assert outcome(DOCUMENTS[fmt], fmt, waivers=waivers).evaluation is not None


@bounded(40)
@given(pattern=st.text(max_size=40) | st.sampled_from(["*" * 200 + "x", "[" * 50, "[!]]*", "**?*?**"]))
def test_any_waiver_glob_matches_or_not_without_error(pattern: str) -> None:
    waivers = dict(REAL_WAIVERS, waivers=[dict(REAL_WAIVERS["waivers"][0], resource=pattern or "*")])
    parsed = parse_waivers(waivers, "waivers.yaml", POLICY_IDS, TODAY)
    address = "urn:pulumi:prod::hdh::openstack:blockstorage/volume:Volume::" + "a" * 300
    expected = fnmatch.fnmatchcase(address, pattern or "*")
    assert (parsed.match("no-data-destruction", address) is not None) == expected


# -- sizes and unreadable files, for every loader ---------------------------------------------------------

LOADERS: dict[str, Callable[[Path], object]] = {
    "catalog": lambda path: load_catalog([path], replace=True),
    "policy config": lambda path: load_policy_config(path, CONFIG_IDS),
    "waivers file": lambda path: load_waivers(path, POLICY_IDS, TODAY),
}


@pytest.mark.parametrize("what", LOADERS)
def test_every_loader_refuses_a_file_over_the_size_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, what: str
) -> None:
    monkeypatch.setattr(json_reader, "MAX_INPUT_BYTES", 100)
    path = _write(tmp_path, "input", "#" * 101)
    with pytest.raises(InputError) as info:
        LOADERS[what](path)
    assert info.value.line() == f"{path}: input is 101 bytes, over the 100-byte limit"


@pytest.mark.parametrize("what", LOADERS)
def test_every_loader_names_a_folder_or_a_missing_file(tmp_path: Path, what: str) -> None:
    with pytest.raises(InputError, match=f"is a directory, not a {what}"):
        LOADERS[what](tmp_path)
    with pytest.raises(InputError, match=f"cannot read {what}"):
        LOADERS[what](tmp_path / "absent")


# -- the CLI with all three ----------------------------------------------------------------------------------


@bounded(30)
@given(data=st.data())
def test_the_cli_with_hostile_catalog_config_and_waivers_reports_or_prints_one_error(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    from souverain.cli.main import main

    folder = tmp_path_factory.mktemp("cli")
    which = data.draw(st.sampled_from(["catalog", "policy-config", "waivers"]), label="hostile file")
    if which == "catalog":
        content: str | bytes = data.draw(_yaml_documents(REAL_CATALOG))
        options = ["--catalog", str(_write(folder, "catalog.yaml", content)), "--replace-catalog"]
        hostile = folder / "catalog.yaml"
    elif which == "policy-config":
        document = data.draw(policy_config_documents)
        hostile = _write(folder, "policy-config.json", json.dumps(document, default=str))
        options = ["--policy-config", str(hostile), "--catalog", str(SMALL_CATALOG), "--replace-catalog"]
    else:
        hostile = _write(folder, "waivers.yaml", data.draw(_yaml_documents(REAL_WAIVERS)))
        options = ["--waivers", str(hostile), "--catalog", str(SMALL_CATALOG), "--replace-catalog"]
    plan = PLANS[data.draw(st.sampled_from(sorted(PLANS)))]
    result = CliRunner().invoke(main, ["check", str(plan), *options])
    assert_cli_outcome(result, str(hostile) if result.exit_code == 2 else str(plan))
