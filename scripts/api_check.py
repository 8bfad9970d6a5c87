"""The breaking-change gate: make api-check [BASE=<git ref>].

Compares the package's public Python API (griffe) and the spec (operations, parameters, enum
values, result fields) at BASE with the working tree. Additions pass; a removal, a newly
required parameter, a narrowed enum or a removed or retyped field is a break, allowed only
when the version in pyproject.toml was bumped for it: the major version (below 1.0, the
minor). BASE defaults to the last tag, or the previous commit when there is none.

Usage: python scripts/api_check.py [BASE]
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "patch")


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def last_tag() -> str | None:
    try:
        return git("describe", "--tags", "--abbrev=0")
    except subprocess.CalledProcessError:
        return None


def resolves(ref: str) -> bool:
    try:
        git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except subprocess.CalledProcessError:
        return False
    return True


#: GitHub's "no commit" (the "before" of a branch's first push).
NO_COMMIT = "0" * 40


def choose_base(given: str | None, in_ci: bool) -> tuple[str | None, str]:
    """The ref to compare with, and why it was chosen (or None and why there is none). In CI the
    workflow names the base (a pull request's base branch, the commit before a push) and the
    gate fails without one: a shallow checkout or a missing base must not pass a break."""
    if given and given != NO_COMMIT:
        return (given, "given") if resolves(given) else (None, f"no such commit or ref: {given}")
    tag = last_tag()
    if tag is not None:
        return tag, "the last release tag"
    if in_ci:
        return None, "no base: set API_CHECK_BASE (and fetch the history: actions/checkout fetch-depth: 0)"
    if resolves("HEAD~1"):
        return "HEAD~1", "the previous commit (no base given, no release tag)"
    return None, "nothing to compare with (no tag and no previous commit, as in a shallow clone)"


def checkout(ref: str, into: Path) -> None:
    """The tree at ``ref`` (committed files only), extracted into ``into``, with the package whole:
    the runtime is committed under runtime/_core/ alone (since the layout of issue 31) and copied
    into the package here as ``make`` does."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    runtime, copy = into / "runtime" / "_core", into / "generated" / "deribit_session_client" / "_core"
    if runtime.is_dir() and not copy.exists() and copy.parent.is_dir():
        shutil.copytree(runtime, copy)


def version(tree: Path) -> tuple[int, ...]:
    text = tomllib.loads((tree / "pyproject.toml").read_text())["project"]["version"]
    return tuple(int(part) for part in text.split(".")[:3])


def breaking_bump(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    """Whether ``new`` is a version that may break: a new major (below 1.0, a new minor)."""
    if old[0] == 0 and new[0] == 0:
        return new[1] > old[1]
    return new[0] > old[0]


# -- the spec ------------------------------------------------------------------------------------


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                found[f"{method.upper()} {path}"] = item[method]
    return found


def _params(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in (_resolve(spec, raw) for raw in operation.get("parameters", []))}


def _enum(spec: dict[str, Any], schema: Any) -> set[Any] | None:
    schema = _resolve(spec, schema)
    return set(schema["enum"]) if isinstance(schema, dict) and "enum" in schema else None


def _fields(spec: dict[str, Any], schema: Any, prefix: str = "") -> dict[str, str]:
    """Result field path -> its JSON type (or the name of its schema), through allOf."""
    out: dict[str, str] = {}
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return out
    for part in schema.get("allOf", []):
        out.update(_fields(spec, part, prefix))
    for name, prop in schema.get("properties", {}).items():
        resolved = _resolve(spec, prop)
        options = resolved.get("oneOf") or resolved.get("anyOf")
        if options:
            kind = "|".join(sorted(str(_resolve(spec, o).get("type", "any")) for o in options))
        else:
            kind = resolved.get("type") or ("object" if "properties" in resolved or "allOf" in resolved else "any")
        out[prefix + name] = str(kind)
        if kind == "object":
            out.update(_fields(spec, resolved, f"{prefix}{name}."))
    return out


def spec_breaks(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    breaks: list[str] = []
    old_ops, new_ops = _operations(old), _operations(new)
    for key, old_op in old_ops.items():
        new_op = new_ops.get(key)
        if new_op is None:
            breaks.append(f"{key}: operation removed")
            continue
        old_params, new_params = _params(old, old_op), _params(new, new_op)
        for name, param in old_params.items():
            if name not in new_params:
                breaks.append(f"{key}: parameter {name!r} removed")
                continue
            if new_params[name].get("required") and not param.get("required"):
                breaks.append(f"{key}: parameter {name!r} is now required")
            old_enum, new_enum = _enum(old, param.get("schema")), _enum(new, new_params[name].get("schema"))
            if old_enum is not None and new_enum is not None and old_enum - new_enum:
                breaks.append(f"{key}: parameter {name!r} lost enum values {sorted(map(str, old_enum - new_enum))}")
        for name, param in new_params.items():
            if name not in old_params and param.get("required"):
                breaks.append(f"{key}: new required parameter {name!r}")
        old_ok = _resolve(old, old_op.get("responses", {}).get("200", {}))
        new_ok = _resolve(new, new_op.get("responses", {}).get("200", {}))
        old_schema = old_ok.get("content", {}).get("application/json", {}).get("schema", {})
        new_schema = new_ok.get("content", {}).get("application/json", {}).get("schema", {})
        old_fields, new_fields = _fields(old, old_schema), _fields(new, new_schema)
        for path, kind in old_fields.items():
            if path not in new_fields:
                breaks.append(f"{key}: result field {path!r} removed")
            elif new_fields[path] != kind:
                breaks.append(f"{key}: result field {path!r} changed type {kind} -> {new_fields[path]}")
    for name, schema in old.get("components", {}).get("schemas", {}).items():
        new_schema = new.get("components", {}).get("schemas", {}).get(name)
        old_enum = _enum(old, schema)
        new_enum = _enum(new, new_schema) if new_schema is not None else None
        if old_enum is not None and new_enum is not None and old_enum - new_enum:
            breaks.append(f"schema {name}: lost enum values {sorted(map(str, old_enum - new_enum))}")
    return breaks


# -- the Python API --------------------------------------------------------------------------------


def python_breaks(old_tree: Path, new_tree: Path) -> list[str]:
    import griffe

    old = griffe.load("deribit_session_client", search_paths=[old_tree / "generated"], allow_inspection=False)
    new = griffe.load("deribit_session_client", search_paths=[new_tree / "generated"], allow_inspection=False)
    found = []
    for breakage in griffe.find_breaking_changes(old, new):
        path = breakage.obj.path
        if "._" in path or path.split(".")[-1].startswith("_"):
            continue  # private: _core, _operations, _-prefixed names
        found.append(f"{path}: {breakage.kind.value} ({breakage.old_value} -> {breakage.new_value})")
    return found


def main() -> int:
    given = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else os.environ.get("API_CHECK_BASE") or None
    # (the workflows set it with the base: a CI run that lost its base must fail, not pass)
    in_ci = os.environ.get("API_CHECK_REQUIRE_BASE") == "1"
    base, why = choose_base(given, in_ci)
    if base is None:
        if in_ci or given:
            print(f"api-check: {why}", file=sys.stderr)
            return 2
        print(f"api-check: {why}")
        return 0
    print(f"api-check: comparing with {base} ({why})")
    with tempfile.TemporaryDirectory() as scratch:
        old_tree = Path(scratch)
        checkout(base, old_tree)
        breaks = spec_breaks(
            yaml.safe_load((old_tree / "openapi.yaml").read_text()), yaml.safe_load((ROOT / "openapi.yaml").read_text())
        )
        breaks += python_breaks(old_tree, ROOT)
        old_version, new_version = version(old_tree), version(ROOT)
    shown = ".".join(map(str, new_version))
    if not breaks:
        print(f"api-check: no breaking change since {base} (version {shown})")
        return 0
    print(f"api-check: {len(breaks)} breaking change(s) since {base}:")
    for line in breaks:
        print(f"  - {line}")
    if breaking_bump(old_version, new_version):
        print(f"allowed: the version went from {'.'.join(map(str, old_version))} to {shown}")
        return 0
    print("not allowed without a major version bump (below 1.0: the minor): make release VERSION=...")
    return 1


if __name__ == "__main__":
    sys.exit(main())
