"""Derives what the runtime needs to know of each operation from openapi.yaml.

openapi-python-client drops ``minimum``, ``maximum``, vendor extensions and the like before its
templates see them, so ``make generate`` reads them here, straight from the spec, and writes
``deribit_session_client/_operations.py``: one ``Operation`` per path, keyed by the name the
generator gives the operation's module (its own naming functions, so the two cannot drift).

It fails loudly, rather than generating a client that skips a check, on a parameter
constraint the runtime cannot enforce, a parameter outside the query string, or a request body.

Usage: python scripts/derive_operations.py openapi.yaml generator-config.yaml OUT.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml
from openapi_python_client.parser.openapi import generate_operation_id
from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import PythonIdentifier

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
#: Schema keys the runtime enforces (or that constrain nothing).
ENFORCED = {
    "type",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
    "format",
    "items",
    "minItems",
    "minLength",
    "maxLength",
}
HARMLESS = {"description", "default", "example", "examples", "title", "deprecated"}
FORMATS = {None, "int32", "int64", "float", "double", "password"}
TYPES = {"number", "integer", "string", "boolean", "array"}


class SpecError(Exception):
    pass


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise SpecError(f"only local $refs are supported, got {ref!r}")
        target: Any = spec
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def _rule(spec: dict[str, Any], where: str, param: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(spec, param.get("schema", {}))
    unknown = set(schema) - ENFORCED - HARMLESS
    if unknown:
        raise SpecError(f"{where}: the client cannot enforce {', '.join(sorted(unknown))}")
    kind = schema.get("type")
    if kind is None and "enum" not in schema:
        raise SpecError(f"{where}: a parameter needs a type (or an enum)")
    if kind is not None and kind not in TYPES:
        raise SpecError(f"{where}: the client sends only {', '.join(sorted(TYPES))} parameters, not {kind!r}")
    if schema.get("format") not in FORMATS:
        raise SpecError(f"{where}: the client cannot enforce format {schema['format']!r}")
    rule: dict[str, Any] = {"required": bool(param.get("required", False))}
    for key in ("type", "minimum", "maximum", "enum", "minItems", "minLength", "maxLength"):
        if key in schema:
            rule[key] = schema[key]
    if kind == "array":
        items = _resolve(spec, schema.get("items", {}))
        if set(items) - {"type"} - HARMLESS or items.get("type") not in TYPES - {"array"}:
            raise SpecError(f"{where}: an array parameter's items need a type (string, number, ...) and no more")
        rule["items"] = items["type"]
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = schema.get(key)
        if isinstance(value, bool):  # OpenAPI 3.0: a flag on minimum/maximum
            if value:
                if bound not in schema:
                    raise SpecError(f"{where}: {key}: true needs {bound}")
                rule[key] = rule.pop(bound)
        elif value is not None:  # OpenAPI 3.1: the bound itself
            rule[key] = value
    if schema.get("format") == "password":
        rule["secret"] = True
    return rule


def _check_state(where: str, state: Any, params: dict[str, Any]) -> None:
    """x-connection-state: a key (a list of keys for clear) and an action: set or clear a value;
    add or remove the items of an array parameter (``param``) to or from a set."""
    if not isinstance(state, dict) or "key" not in state:
        raise SpecError(f"{where}: x-connection-state needs a key")
    action = state.get("action", "set")
    if action not in ("set", "clear", "add", "remove"):
        raise SpecError(f"{where}: x-connection-state's action is set, clear, add or remove")
    if isinstance(state["key"], list) and action not in ("clear", "remove"):
        raise SpecError(f"{where}: x-connection-state takes a list of keys only to remove or clear")
    if action in ("add", "remove") and params.get(state.get("param", ""), {}).get("type") != "array":
        raise SpecError(f"{where}: x-connection-state {action} needs param: an array parameter")


def derive(spec: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """Generator's operation name -> Operation keyword arguments, in the spec's order."""
    operations: dict[str, dict[str, Any]] = {}
    for path, path_item in spec.get("paths", {}).items():
        shared = path_item.get("parameters", [])
        for method in METHODS:
            operation = path_item.get(method)
            if operation is None:
                continue
            if "operationId" in operation:
                name = str(PythonIdentifier(operation["operationId"], prefix=prefix))
            else:
                name = str(generate_operation_id(path=UntrustedString(path), method=method, prefix=prefix))
            where = f"{method.upper()} {path}"
            if "requestBody" in operation:
                raise SpecError(f"{where}: request bodies are not supported (Deribit takes query parameters)")
            params: dict[str, Any] = {}
            for raw in [*shared, *operation.get("parameters", [])]:
                param = _resolve(spec, raw)
                if param.get("in") != "query":
                    raise SpecError(
                        f"{where}: parameter {param.get('name')!r} is in {param.get('in')!r}; only query parameters are supported"
                    )
                params[param["name"]] = _rule(spec, f"{where} parameter {param['name']!r}", param)
            state = operation.get("x-connection-state")
            if state is not None:
                _check_state(where, state, params)
            idempotent = operation.get("x-idempotent", False)
            if not isinstance(idempotent, bool):
                raise SpecError(f"{where}: x-idempotent must be true or false")
            bucket = operation.get("x-rate-limit", "non_matching_engine")
            if bucket not in ("non_matching_engine", "matching_engine"):
                raise SpecError(f"{where}: x-rate-limit must be non_matching_engine or matching_engine")
            operations[name] = {
                "name": name,
                "method": method,
                "path": path,
                "idempotent": idempotent,
                "params": params,
                "connection_state": operation.get("x-connection-state"),
                "websocket_no_answer": bool(operation.get("x-websocket-no-answer", False)),
            }
            if bucket != "non_matching_engine":
                operations[name]["rate_limit"] = bucket
    return operations


def servers(spec: dict[str, Any]) -> dict[str, str]:
    """PRODUCTION_WS_URL and TESTNET_WS_URL from the servers' x-websocket-url."""
    names: dict[str, str] = {}
    for server in spec.get("servers", []):
        environment, url = server.get("x-environment"), server.get("x-websocket-url")
        if environment in ("production", "testnet") and url:
            names[f"{environment.upper()}_WS_URL"] = url
    missing = {"PRODUCTION_WS_URL", "TESTNET_WS_URL"} - names.keys()
    if missing:
        raise SpecError(f"servers need x-environment and x-websocket-url for {', '.join(sorted(missing))}")
    return names


def render(operations: dict[str, dict[str, Any]], urls: dict[str, str], version: str) -> str:
    lines = [
        '"""Every operation of openapi.yaml as the runtime needs it, and the WebSocket URLs: derived',
        "by ``make generate`` (scripts/derive_operations.py). Do not edit.",
        '"""',
        "",
        "from typing import Final",
        "",
        "from ._core.spec.operations import Operation",
        "from ._core.spec.registry import register",
        "",
        *[f"{name}: Final = {url!r}" for name, url in sorted(urls.items())],
        "",
        "OPERATIONS: Final[dict[str, Operation]] = {",
    ]
    for name, kwargs in operations.items():
        args = ", ".join(f"{key}={value!r}" for key, value in kwargs.items())
        lines.append(f"    {name!r}: Operation({args}),")
    lines.append("}")
    lines += [
        "",
        "# The runtime learns the operations from here, not by importing this package by name.",
        f"register(OPERATIONS, version={version!r})",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    source, config_file, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    try:
        operations = derive(spec, prefix=config.get("field_prefix", "field_"))
        urls = servers(spec)
    except SpecError as exc:
        raise SystemExit(f"error: {source}: {exc}") from None
    version = str(config.get("package_version_override") or "0")
    out.write_text(render(operations, urls, version), encoding="utf-8")


if __name__ == "__main__":
    main()
