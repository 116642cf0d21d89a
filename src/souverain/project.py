"""Run a Pulumi project folder offline: read `Pulumi.yaml` and `Pulumi.<stack>.yaml` as the Pulumi CLI
does, then run the Python program under the mock runtime (`souverain.offline`) with that stack's config.

What follows the Pulumi CLI (sdk/go/common/workspace: project.json, `mergeConfig`, `ParseKey`):

- Project config (`config:` in `Pulumi.yaml`) declares keys with `type`, `items`, `default`, `value`,
  `secret`, `description`; a bare value is a `value`. Keys without a namespace belong to the project.
  A stack value wins over the project's `value`/`default`; a project-namespace key declared without
  either must be set by the stack; explicitly typed keys are type-checked; a `secret` key must be
  `secure:` in the stack file.
- Stack config keys are `<namespace>:<name>`. Scalars reach the program as strings, structured values
  as JSON text, as Pulumi passes them.
- `secure:` values are ciphertext that only the stack's secrets provider can decrypt: offline, the
  program receives `SECURE_PLACEHOLDER` instead, marked secret (so `Config.require_secret` works and
  the value never reaches a report).
- The backend is `PULUMI_BACKEND_URL` if set, else `backend.url`; without either, `pulumi login`
  defaults to Pulumi Cloud.
- The program runs like Pulumi's Python host runs it: `runpy` of the program folder's `__main__.py` as
  `__main__`, working directory and `sys.path[0]` the program folder.

souverain reads two keys of its own, usually as `value`s in `Pulumi.yaml`, with paths relative to the
project folder: `souverain:catalogOverlays` (a list), the catalog overlays that declare the contract's
regions and endpoints, which `souverain check` loads before any `--catalog`; and `souverain:policyConfig`,
the policy config (`--policy-pack-config` shape: admin ranges, enforcement levels) used when the command
line gives none.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import ValidationError

from .catalog import Catalog
from .errors import InputError
from .model import InputFinding, Plan, Resource, Secret, SourceLocation
from .offline import STACK_TYPE, OfflineRun, run_program
from .stackcheck import plaintext_secrets, unknown_keys
from .stackconfig import CATALOG_KEY, StackConfigError, checking_catalog, value_path
from .validation import ComponentRefusedError
from .yaml_lines import LinePath, value_lines

SECURE_PLACEHOLDER = "souverain-offline-placeholder"
"""What a program receives for a `secure:` config value: offline, ciphertext cannot be decrypted."""
POLICY_CONFIG_KEY = "souverain:policyConfig"
BACKEND_ENV = "PULUMI_BACKEND_URL"
VAULT_ENV = ("VAULT_SERVER_URL", "VAULT_ADDR")
"""Where the `hashivault://` secrets provider finds its server (gocloud.dev reads `VAULT_SERVER_URL`)."""

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_TYPES = ("string", "integer", "boolean", "array")
_DECLARATION_KEYS = frozenset({"type", "items", "description", "secret", "default", "value"})
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


@dataclass(frozen=True, slots=True)
class ConfigDeclaration:
    """One entry of `Pulumi.yaml`'s `config:` map."""

    key: str
    """The full key, `<namespace>:<name>`."""
    type: str | None = None
    items: Mapping[str, Any] | None = None
    secret: bool = False
    default: Any = None
    value: Any = None
    has_default: bool = False
    has_value: bool = False


@dataclass(frozen=True, slots=True)
class ProjectFile:
    path: Path
    name: str
    runtime: str
    runtime_options: Mapping[str, Any]
    main: str | None
    backend_url: str | None
    stack_config_dir: str | None
    config: Mapping[str, ConfigDeclaration]
    description: str | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def program(self) -> Path:
        """The program folder (or file) that Pulumi's Python host runs."""
        return (self.folder / self.main).resolve() if self.main else self.folder.resolve()


@dataclass(frozen=True, slots=True)
class StackFile:
    path: Path
    name: str
    config: Mapping[str, Any]
    """Full key -> value as written (YAML-decoded); `secure:` values still `{"secure": ciphertext}`."""
    secrets_provider: str | None = None
    encrypted_key: str | None = None
    environments: tuple[str, ...] = ()
    """Pulumi ESC environments the stack imports (`environment:`), served by Pulumi Cloud."""


@dataclass(frozen=True, slots=True)
class StackConfig:
    """The merged config as the program receives it, and as reports may show it."""

    values: dict[str, str]
    """Full key -> string, as Pulumi passes config (objects JSON-encoded, secrets as the placeholder)."""
    secret_keys: frozenset[str]
    display: dict[str, Any] = field(default_factory=dict)
    """Full key -> decoded value with secrets wrapped in `Secret`, for `Plan.config`."""


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not UTF-8 text") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise InputError(str(path), f"not valid YAML{where}" + (f": {problem}" if problem else "")) from None


def project_file_path(folder: Path) -> Path:
    for name in ("Pulumi.yaml", "Pulumi.yml"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    raise InputError(str(folder), "no Pulumi.yaml in this folder")


def _optional_str(data: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(str(path), "expected a string", field=key)
    return value


def parse_key(raw: Any, project: str, path: Path, *, allow_bare: bool) -> str:
    """A config key as Pulumi parses it: `ns:name`, `ns:config:name`, or (project file only) `name`."""
    if not isinstance(raw, str) or not raw:
        raise InputError(str(path), f"config key {raw!r} is not a string", field="config")
    parts = raw.split(":")
    if len(parts) == 1 and allow_bare:
        return f"{project}:{raw}"
    if len(parts) == 2 and all(parts):
        return raw
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    raise InputError(
        str(path), "configuration keys should be of the form `<namespace>:<name>`", field=f"config.{raw}"
    )


def _declaration(key: str, raw: Any, project: str, path: Path) -> ConfigDeclaration:
    where = f"config.{key}"
    if not isinstance(raw, Mapping):
        return ConfigDeclaration(key, value=raw, has_value=True)
    unknown = set(raw) - _DECLARATION_KEYS
    if unknown:
        raise InputError(str(path), f"unknown attribute {sorted(unknown)[0]!r}", field=where)
    type_name = raw.get("type")
    if type_name is not None and type_name not in _TYPES:
        raise InputError(str(path), f"type must be one of {', '.join(_TYPES)}", field=f"{where}.type")
    items = raw.get("items")
    if type_name == "array" and not isinstance(items, Mapping):
        raise InputError(str(path), "an array type needs `items`", field=where)
    namespace = key.split(":", 1)[0]
    if namespace != project and (type_name is not None or "default" in raw):
        raise InputError(
            str(path),
            "a key outside the project's namespace may only set a `value` (Pulumi refuses a type or default)",
            field=where,
        )
    secret = raw.get("secret", False)
    if not isinstance(secret, bool):
        raise InputError(str(path), "secret must be true or false", field=f"{where}.secret")
    return ConfigDeclaration(
        key,
        type=type_name,
        items=items if isinstance(items, Mapping) else None,
        secret=secret,
        default=raw.get("default"),
        value=raw.get("value"),
        has_default="default" in raw,
        has_value="value" in raw,
    )


def load_project(folder: Path) -> ProjectFile:
    """Parse and check `Pulumi.yaml` (the fields of Pulumi's project schema that a run depends on)."""
    path = project_file_path(folder)
    data = _read_yaml(path)
    if not isinstance(data, Mapping):
        raise InputError(str(path), "a Pulumi project file must be a YAML mapping with `name` and `runtime`")
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            str(path), "name is required: letters, digits, hyphens, underscores and periods", field="name"
        )
    runtime_raw = data.get("runtime")
    options: Mapping[str, Any] = {}
    if isinstance(runtime_raw, Mapping):
        runtime = runtime_raw.get("name")
        raw_options = runtime_raw.get("options") or {}
        if not isinstance(raw_options, Mapping):
            raise InputError(str(path), "expected a mapping", field="runtime.options")
        options = dict(raw_options)
    else:
        runtime = runtime_raw
    if not isinstance(runtime, str) or not runtime:
        raise InputError(str(path), "runtime is required", field="runtime")
    if runtime != "python":
        raise InputError(
            str(path),
            f"only Python programs run offline; this project's runtime is {runtime!r}",
            field="runtime",
        )
    backend = data.get("backend")
    backend_url: str | None = None
    if backend is not None:
        if not isinstance(backend, Mapping):
            raise InputError(str(path), "expected a mapping with `url`", field="backend")
        backend_url = _optional_str(backend, "url", path) or None
    config_raw = data.get("config")
    stack_config_dir = _optional_str(data, "stackConfigDir", path)
    declarations: dict[str, ConfigDeclaration] = {}
    if isinstance(config_raw, str):  # the deprecated spelling of stackConfigDir
        stack_config_dir = stack_config_dir or config_raw
    elif isinstance(config_raw, Mapping):
        for raw_key, raw in config_raw.items():
            key = parse_key(raw_key, name, path, allow_bare=True)
            declarations[key] = _declaration(key, raw, name, path)
    elif config_raw is not None:
        raise InputError(str(path), "expected a mapping of config keys", field="config")
    return ProjectFile(
        path=path,
        name=name,
        runtime=runtime,
        runtime_options=options,
        main=_optional_str(data, "main", path),
        backend_url=backend_url,
        stack_config_dir=stack_config_dir,
        config=declarations,
        description=_optional_str(data, "description", path),
    )


def stack_file_path(project: ProjectFile, stack: str) -> Path:
    """`Pulumi.<stack>.yaml` beside the project file (or in `stackConfigDir`); `org/proj/dev` -> `dev`."""
    short = stack.rsplit("/", 1)[-1]
    if not short or not _NAME.match(short):
        raise InputError(stack, "is not a valid stack name", field="--stack")
    folder = project.folder / project.stack_config_dir if project.stack_config_dir else project.folder
    preferred = project.path.suffix
    for suffix in dict.fromkeys((preferred, ".yaml", ".yml")):
        candidate = folder / f"Pulumi.{short}{suffix}"
        if candidate.is_file():
            return candidate
    return folder / f"Pulumi.{short}{preferred}"


def load_stack(project: ProjectFile, stack: str) -> StackFile:
    path = stack_file_path(project, stack)
    if not path.is_file():
        raise InputError(
            str(path), f"no stack file: create it with `pulumi stack init {stack}` or pick another --stack"
        )
    data = _read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise InputError(str(path), "a stack file must be a YAML mapping (`config:`, `secretsprovider:`...)")
    raw_config = data.get("config") or {}
    if not isinstance(raw_config, Mapping):
        raise InputError(str(path), "expected a mapping of `<namespace>:<name>` keys", field="config")
    config: dict[str, Any] = {}
    for raw_key, value in raw_config.items():
        key = parse_key(raw_key, project.name, path, allow_bare=False)
        if key in config:
            raise InputError(str(path), "set twice", field=key)
        _check_secure(value, path, key)
        config[key] = value
    environments = data.get("environment") or ()
    if isinstance(environments, Mapping):  # `environment: {imports: [...]}`
        environments = environments.get("imports") or ()
    if isinstance(environments, str):
        environments = (environments,)
    if not isinstance(environments, list | tuple) or not all(isinstance(e, str) for e in environments):
        raise InputError(str(path), "expected a list of environment names", field="environment")
    return StackFile(
        path=path,
        name=stack.rsplit("/", 1)[-1],
        config=config,
        secrets_provider=_optional_str(data, "secretsprovider", path) or None,
        encrypted_key=_optional_str(data, "encryptedkey", path) or None,
        environments=tuple(environments),
    )


def _is_secure(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {"secure"}


def _check_secure(value: Any, path: Path, key: str) -> None:
    if (
        isinstance(value, Mapping)
        and "secure" in value
        and not (_is_secure(value) and isinstance(value["secure"], str))
    ):
        raise InputError(str(path), "a `secure:` value must be the only key, with ciphertext text", field=key)
    if isinstance(value, Mapping):
        for item in value.values():
            _check_secure(item, path, key)
    elif isinstance(value, list):
        for item in value:
            _check_secure(item, path, key)


def _contains_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_secure(item) for item in value.values())
    if isinstance(value, list):
        return any(_contains_secure(item) for item in value)
    return False


def _plain(value: Any) -> Any:
    """The value the program sees: `secure:` leaves replaced by the placeholder, YAML dates as text."""
    if _is_secure(value):
        return SECURE_PLACEHOLDER
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def wire_value(value: Any) -> str:
    """A config value as Pulumi hands it to the program: scalars as text, structures as JSON."""
    plain = _plain(value)
    if isinstance(plain, Mapping | list):
        return json.dumps(plain, separators=(",", ":"))
    return _scalar_text(plain)


def _display(value: Any) -> Any:
    if _is_secure(value):
        return Secret(SECURE_PLACEHOLDER)
    if isinstance(value, Mapping):
        return {str(k): _display(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_display(item) for item in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def _matches_type(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """Pulumi's `ValidateConfigValue` over the decrypted value (scalars are text there)."""
    if type_name == "array":
        if not isinstance(value, list):
            return False
        item_type = items.get("type") if items else None
        if not isinstance(item_type, str):
            return True
        nested = items.get("items") if items else None
        return all(
            _matches_type(item_type, nested if isinstance(nested, Mapping) else None, v) for v in value
        )
    if isinstance(value, Mapping | list):
        return False
    text = _scalar_text(value)
    if type_name == "integer":
        return re.fullmatch(r"[+-]?\d+", text) is not None
    if type_name == "boolean":
        return text in _TRUE or text in _FALSE
    return True  # string: any scalar


def _type_name(declaration: ConfigDeclaration) -> str:
    if declaration.type == "array" and declaration.items:
        inner = declaration.items.get("type")
        return f"List<{inner}>" if isinstance(inner, str) else "List"
    return str(declaration.type)


def merge_config(project: ProjectFile, stack: StackFile) -> StackConfig:
    """The stack's config merged with the project's declarations, as `pulumi up` would pass it."""
    merged: dict[str, Any] = dict(stack.config)
    where = str(stack.path)
    missing: list[str] = []
    for key in sorted(project.config):
        declaration = project.config[key]
        if key in stack.config:
            value = stack.config[key]
            if declaration.secret and not _is_secure(value):
                raise InputError(
                    where, "must be encrypted as it is secret: use `pulumi config set --secret`", field=key
                )
            typed = declaration.type is not None and not _is_secure(value)
            if typed and not _matches_type(str(declaration.type), declaration.items, _plain(value)):
                raise InputError(where, f"must be of type {_type_name(declaration)}", field=key)
            continue
        if declaration.has_default:
            merged[key] = declaration.default
        elif declaration.has_value:
            merged[key] = declaration.value
        elif key.split(":", 1)[0] == project.name:
            missing.append(key)
    if missing:
        raise InputError(
            where, "missing configuration value required by Pulumi.yaml", field=", ".join(missing)
        )
    secret_keys = frozenset(key for key, value in merged.items() if _contains_secure(value))
    return StackConfig(
        values={key: wire_value(value) for key, value in merged.items()},
        secret_keys=secret_keys,
        display={key: _display(value) for key, value in merged.items()},
    )


def without_password(url: str) -> str:
    """`postgres://user:pw@host/db` -> `postgres://user@host/db`: backend URLs may carry a password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))


def backend_url(project: ProjectFile) -> str | None:
    """Where `pulumi` would keep this stack's state: `PULUMI_BACKEND_URL` wins over `backend.url`.

    Any password in the URL is dropped: the URL goes on the stack resource, which reports may show.
    """
    url = os.environ.get(BACKEND_ENV) or project.backend_url
    return without_password(url) if url else None


def _declared_paths(folder: Path, stack: str, key: str, what: str) -> list[Path]:
    """Files a project (or stack) names under a `souverain:` config key, relative to the project folder."""
    project = load_project(folder)
    stack_file = load_stack(project, stack)
    config = merge_config(project, stack_file)
    raw = config.values.get(key)
    if raw is None:
        return []
    origin = str(stack_file.path) if key in stack_file.config else str(project.path)
    try:
        paths = json.loads(raw) if raw.startswith("[") else [raw]
    except ValueError:
        paths = None
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise InputError(origin, f"expected a list of {what} paths", field=key)
    found = []
    for entry in paths:
        target = (project.folder / entry).resolve()
        if not target.is_file():
            raise InputError(origin, f"{what} {entry!r} does not exist", field=key)
        found.append(target)
    return found


def declared_catalog_overlays(folder: Path, stack: str) -> list[Path]:
    """The catalog overlays the project (or stack) declares under `souverain:catalogOverlays`."""
    return _declared_paths(folder, stack, CATALOG_KEY, "catalog overlay")


def declared_policy_config(folder: Path, stack: str) -> Path | None:
    """The policy config (`--policy-config` shape) the project declares under `souverain:policyConfig`."""
    found = _declared_paths(folder, stack, POLICY_CONFIG_KEY, "policy config")
    if len(found) > 1:
        raise InputError(str(folder), "name one policy config file", field=POLICY_CONFIG_KEY)
    return found[0] if found else None


@contextmanager
def _program_environment(program_dir: Path, argv0: str) -> Iterator[None]:
    """Working directory, `sys.path[0]` and `sys.argv` as Pulumi's Python host sets them, then restored.

    Modules the program imports from its own folder are dropped afterwards, so that two projects with a
    helper module of the same name do not see each other's. No bytecode is written meanwhile: importing
    the program's helper modules would otherwise leave `__pycache__/` in the user's project, and a check
    never modifies its inputs (the Pulumi CLI's own runs are not ours to speed up).
    """
    previous_cwd = os.getcwd()
    previous_argv = sys.argv
    previous_modules = set(sys.modules)
    previous_bytecode = sys.dont_write_bytecode
    folder = str(program_dir)
    sys.path.insert(0, folder)
    sys.argv = [argv0]
    sys.dont_write_bytecode = True
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        sys.argv = previous_argv
        sys.dont_write_bytecode = previous_bytecode
        with suppress(ValueError):
            sys.path.remove(folder)
        for name in set(sys.modules) - previous_modules:
            module_file = getattr(sys.modules[name], "__file__", None)
            if module_file and Path(module_file).resolve().is_relative_to(program_dir):
                del sys.modules[name]


def _program_entry(project: ProjectFile) -> tuple[Path, Path]:
    """The folder to run in and the file or folder to hand to `runpy.run_path`."""
    program = project.program
    if program.is_dir():
        if not (program / "__main__.py").is_file():
            raise InputError(str(program), "no __main__.py: a Python Pulumi program needs one", field="main")
        return program, program
    if program.is_file() and program.suffix == ".py":
        return program.parent, program
    raise InputError(
        str(project.path), f"main {project.main!r} is neither a folder nor a .py file", field="main"
    )


def _validation_line(exc: ValidationError) -> str:
    """A component's arguments failed validation: which model, which field, why (never the value)."""
    first = exc.errors()[0]
    where = value_path(tuple(first["loc"])).lstrip(".")
    return f"invalid arguments for {exc.title}: {where + ': ' if where else ''}{first['msg']}"


def _failure_line(exc: BaseException, program_dir: Path) -> str:
    """`__main__.py line 12: KeyError: 'x'`: where in the program it failed, on one line."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if Path(frame.filename).resolve().is_relative_to(program_dir)
    ]
    where = f"{Path(frames[-1].filename).name} line {frames[-1].lineno}: " if frames else ""
    detail = str(exc).splitlines()[0] if str(exc) else ""
    return f"the program failed: {where}{type(exc).__name__}" + (f": {detail}" if detail else "")


def run_project(
    path: Path, stack: str, catalog: Catalog | None = None
) -> tuple[OfflineRun, ProjectFile, StackFile]:
    """Run the project's program for `stack` offline; the run, and the files it was read from.

    `catalog` (the check's: shipped, declared overlays, `--catalog`) is what `stack_catalog()` returns to
    the program meanwhile, so its components validate against the catalog the policies judge with.
    """
    project = load_project(path)
    stack_file = load_stack(project, stack)
    config = merge_config(project, stack_file)
    program_dir, entry = _program_entry(project)
    main_file = entry / "__main__.py" if entry.is_dir() else entry
    root = str(project.folder.resolve())  # before the program's chdir: the folder may be relative

    def program() -> None:
        runpy.run_path(str(entry), run_name="__main__")

    try:
        with _program_environment(program_dir, str(entry)), checking_catalog(catalog):
            run = run_program(
                program,
                project=project.name,
                stack=stack_file.name,
                config=config.values,
                secret_keys=config.secret_keys,
                root_directory=root,
                keep_partial=True,
            )
        if run.failure is not None and not isinstance(run.failure, ComponentRefusedError):
            raise run.failure
    except StackConfigError as exc:
        raise InputError(str(stack_file.path), exc.message, field=exc.key) from None
    except ValidationError as exc:
        raise InputError(str(main_file), _validation_line(exc)) from None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(str(main_file), _failure_line(exc, program_dir)) from None
    _settle_plan(run.plan, project, stack_file, config)
    normalize = partial(_normalized_key, project=project.name)
    run.plan.input_findings.extend(
        plaintext_secrets(stack_file.path, stack_file.config, normalize, stack_file.name)
    )
    if isinstance(run.failure, ComponentRefusedError):
        run.plan.input_findings.append(refusal_finding(run.failure, program_dir, project, stack_file, config))
    else:  # a run that stopped early did not read the keys it would have read after
        run.plan.input_findings.extend(
            unknown_keys(
                stack_file.path,
                stack_file.config,
                project.config,
                run.config_reads,
                normalize,
                stack_file.name,
            )
        )
    return run, project, stack_file


REFUSED_ID = "component-refused"


def _is_user_file(filename: str, program_dir: Path) -> bool:
    path = Path(filename).resolve()
    if not path.is_relative_to(program_dir):
        return False
    return not {"site-packages", "dist-packages", ".venv", "venv"} & set(path.relative_to(program_dir).parts)


def _user_line(exc: BaseException, program_dir: Path) -> SourceLocation | None:
    """The line of the user's program that led to `exc`: its innermost frame in the program folder."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _is_user_file(f.filename, program_dir)]
    if not frames or frames[-1].lineno is None:
        return None
    return SourceLocation(str(Path(frames[-1].filename).resolve()), frames[-1].lineno)


def _comparable(value: Any) -> Any:
    """Config values are YAML (numbers, lists); component arguments may be the same text or numbers."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _comparable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    return str(value).strip()


def _config_leaves(
    value: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, value
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _config_leaves(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _config_leaves(item, (*path, index))


def _normalized_key(raw: str, project: str) -> str:
    parts = raw.split(":")
    if len(parts) == 1:
        return f"{project}:{raw}"
    if len(parts) == 3 and parts[1] == "config":
        return f"{parts[0]}:{parts[2]}"
    return raw


def config_line(lines: Mapping[LinePath, int], key: str, project: str, sub: LinePath = ()) -> int | None:
    """The line of config `key` (and of `sub` inside its value) in a project or stack file's `config:`."""
    for where, line in lines.items():
        if len(where) == 2 + len(sub) and where[0] == "config" and where[2:] == sub:
            raw = where[1]
            if isinstance(raw, str) and _normalized_key(raw, project) == key:
                return line
    return None


def config_origins(
    value: Any, project: ProjectFile, stack: StackFile, config: StackConfig
) -> list[tuple[str, Path, int | None]]:
    """The config keys (with the place inside their value) whose value is `value`, their file and line.

    How a refused argument is traced back to the stack setting that gave it: the program read the key
    and passed its value on. Secret keys are never searched; a value found under several keys names each.
    """
    if value is None or isinstance(value, bool) or _comparable(value) in ("", [], {}):
        return []
    wanted = _comparable(value)
    found: list[tuple[str, Path, int | None]] = []
    stack_lines: dict[LinePath, int] | None = None
    project_lines: dict[LinePath, int] | None = None
    for key, shown in config.display.items():
        if key in config.secret_keys or key.startswith("souverain:"):
            continue
        for sub, leaf in _config_leaves(shown):
            if _comparable(leaf) != wanted:
                continue
            if key in stack.config:
                stack_lines = stack_lines if stack_lines is not None else value_lines(stack.path)
                found.append(
                    (key + value_path(sub), stack.path, config_line(stack_lines, key, project.name, sub))
                )
            else:
                project_lines = project_lines if project_lines is not None else value_lines(project.path)
                found.append(
                    (key + value_path(sub), project.path, config_line(project_lines, key, project.name))
                )
            break
    return found


def refusal_finding(
    refusal: ComponentRefusedError,
    program_dir: Path,
    project: ProjectFile,
    stack: StackFile,
    config: StackConfig,
) -> InputFinding:
    """A component's refusal as a finding: the component, the reason, and where to fix it.

    Located on the stack file's line when the refused value came from config (the fix is there), else on
    the program's line that declared the component.
    """
    declared = _user_line(refusal, program_dir)
    origins: list[tuple[str, Path, int | None]] = []
    if refusal.problems:
        origins = config_origins(refusal.problems[0].input, project, stack, config)
    message = refusal.line()
    location = declared
    if origins:
        keys = "; ".join(
            f"`{key}` in {path.name}" + (f" line {line}" if line else "") for key, path, line in origins
        )
        message += f" (the value is set by {keys})"
        _, path, line = origins[0]
        if line is not None:
            location = SourceLocation(str(path), line)
    if declared is not None:
        message += f"; declared at {Path(declared.path).name} line {declared.line}"
    message += "; the program stopped there, so what it declares after that line is not checked"
    urn = f"urn:pulumi:{stack.name}::{project.name}::{refusal.component}::{refusal.name}"
    return InputFinding(
        policy=REFUSED_ID,
        severity="high",
        message=message,
        resource=urn,
        type=refusal.component,
        location=location,
        path=(refusal.problems[0].where or None) if refusal.problems else None,
    )


def _settle_plan(plan: Plan, project: ProjectFile, stack: StackFile, config: StackConfig) -> None:
    """Fill what the files say about the stack, and put the project's settings on the stack resource."""
    plan.path = str(project.folder)
    plan.config = config.display
    plan.backend = backend_url(project)
    plan.secrets_provider = stack.secrets_provider
    root = next((r for r in plan.resources if r.type == STACK_TYPE), None)
    if root is None:
        root = Resource(
            address=f"urn:pulumi:{stack.name}::{project.name}::{STACK_TYPE}::{project.name}-{stack.name}",
            type=STACK_TYPE,
            name=f"{project.name}-{stack.name}",
            package="pulumi",
            custom=False,
            source=plan.source,
        )
        plan.resources.insert(0, root)
    root.properties.update(project_settings(project, stack))
    _locate_default_providers(plan, project, stack)


def _locate_default_providers(plan: Plan, project: ProjectFile, stack: StackFile) -> None:
    """A default provider is configured by the stack file's `<package>:` keys: its findings (credentials
    in clear, an endpoint) belong on the first of those lines."""
    lines: dict[LinePath, int] | None = None
    for resource in plan.resources:
        if not (resource.is_provider and resource.name == "default" and resource.location is None):
            continue
        keys = [key for key in stack.config if key.startswith(f"{resource.package}:")]
        if not keys:
            continue
        lines = lines if lines is not None else value_lines(stack.path)
        line = config_line(lines, keys[0], project.name)
        if line is not None:
            resource.location = SourceLocation(str(stack.path), line)


def project_settings(project: ProjectFile, stack: StackFile) -> dict[str, Any]:
    """The stack resource's view of where state and secrets go (read by `sovereign-state-backend`)."""
    vault = next((os.environ[name] for name in VAULT_ENV if os.environ.get(name)), None)
    return {
        "backend_url": backend_url(project),
        "secrets_provider": stack.secrets_provider,
        "vault_address": vault,
        "environments": list(stack.environments),
    }


def run_project_offline(path: Path, stack: str, catalog: Catalog | None = None) -> Plan:
    """The plan of a Pulumi project's stack, run offline (source `pulumi-mock`).

    When a catalog is given, the overlays the project declares must be part of it: checking against a
    catalog without the contract's regions would report them all as unqualified, for the wrong reason.
    """
    if catalog is not None:
        loaded = {Path(source).resolve() for source in catalog.sources if not source.startswith("<")}
        for overlay in declared_catalog_overlays(path, stack):
            if overlay not in loaded:
                raise InputError(
                    str(overlay),
                    f"declared in {CATALOG_KEY} but not loaded into the catalog",
                    field="--catalog",
                )
    run, _, _ = run_project(path, stack, catalog)
    return run.plan
