"""Derives the client's parameter rules from openapi.yaml.

openapi-python-client drops `minimum`, `maximum` and the like before its templates see them,
so `make generate` reads them here, straight from the spec, and renders
templates/_validation.py.jinja into the generated package.

Usage: python scripts/derive_validation.py openapi.yaml OUT.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import jinja2
import yaml

KEYS = ("type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SystemExit(f"error: only local $refs are supported, got {ref!r}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _rule(spec: dict[str, Any], param: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(spec, param.get("schema", {}))
    rule: dict[str, Any] = {"required": bool(param.get("required", False))}
    for key in KEYS:
        if key in schema:
            rule[key] = schema[key]
    return rule


def derive(spec: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Returns operationId -> query parameter name -> rule, in the spec's order."""
    rules: dict[str, dict[str, dict[str, Any]]] = {}
    for path_item in spec.get("paths", {}).values():
        shared = path_item.get("parameters", [])
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            params = [_resolve(spec, p) for p in [*shared, *operation.get("parameters", [])]]
            rules[operation["operationId"]] = {p["name"]: _rule(spec, p) for p in params if p.get("in") == "query"}
    return rules


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
        keep_trailing_newline=True,
    )
    text = env.get_template("_validation.py.jinja").render(rules=repr(derive(spec)))
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
