"""mkdocs hook: the API reference pages list every operation and every model of the generated
package, found from openapi.yaml and generated/ at build time (no hand-kept list). A spec
operation with no generated module, or a generated module the spec does not describe, fails
the build (``make docs``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "generated" / "deribit_session_client"
MARKERS = {"<!-- operations -->": "operations", "<!-- models -->": "models"}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _operations() -> str:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    found = {p.stem: p.parent.name for p in (PACKAGE / "api").glob("*/*.py") if p.stem != "__init__"}
    wanted = {}
    for path, item in spec["paths"].items():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                wanted[_snake(operation["operationId"])] = (operation.get("tags") or ["default"])[0], path
    missing = sorted(set(wanted) - set(found))
    extra = sorted(set(found) - set(wanted))
    if missing or extra:
        raise ValueError(
            f"the API reference: operations of the spec with no generated module: {missing}; generated modules"
            f" the spec does not describe: {extra} (run make generate)"
        )
    lines = []
    for tag in dict.fromkeys(t for t, _ in wanted.values()):
        lines.append(f"## {tag}\n")
        for name, (its_tag, _path) in wanted.items():
            if its_tag == tag:
                lines.append(f"::: deribit_session_client.api.{found[name]}.{name}\n")
    return "\n".join(lines)


def _models() -> str:
    names = sorted(p.stem for p in (PACKAGE / "models").glob("*.py") if p.stem != "__init__")
    if not names:
        raise ValueError("the API reference: no generated models (run make generate)")
    return "\n".join(f"::: deribit_session_client.models.{name}\n" for name in names)


def on_page_markdown(markdown: str, **_: Any) -> str:
    for marker, kind in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, _operations() if kind == "operations" else _models())
    return markdown
