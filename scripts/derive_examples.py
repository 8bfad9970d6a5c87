"""The spec's example result for each method (its 200 answer's ``example``), appended to the
mock's generated models as ``EXAMPLES``: what the mock answers, marked as such, for a method of
the spec it has no handler for yet (a new path answers structurally before anyone writes its
logic). Usage: python scripts/derive_examples.py SPEC MODELS_FILE"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def examples(spec: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        operation = item.get("get") or item.get("post") or {}
        answer = _resolve(spec, operation.get("responses", {}).get("200", {}))
        example = answer.get("content", {}).get("application/json", {}).get("example")
        if isinstance(example, dict) and "result" in example:
            found[path.lstrip("/")] = example["result"]
    return found


def main() -> None:
    spec = yaml.safe_load(Path(sys.argv[1]).read_text())
    models = Path(sys.argv[2])
    text = models.read_text().rstrip("\n")
    text += (
        "\n\n\n#: Each spec method's example result (its 200 answer's example in the spec): what the mock"
        "\n#: answers, marked as such, for a method it has no handler for (scripts/derive_examples.py)."
        f"\nEXAMPLES: dict[str, object] = {examples(spec)!r}\n"
    )
    models.write_text(text)


if __name__ == "__main__":
    main()
