"""The breaking-change gate (make api-check) on scratch copies of this repository: each
scenario changes the spec, regenerates, commits, and runs the gate against the commit before."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

Spec = dict[str, Any]


def _remove_operation(spec: Spec) -> None:
    del spec["paths"]["/public/test"]


def _remove_parameter(spec: Spec) -> None:
    spec["paths"]["/public/test"]["get"]["parameters"] = []


def _narrow_enum(spec: Spec) -> None:
    spec["components"]["schemas"]["Scope"]["enum"] = ["connection"]


def _rename_result_field(spec: Spec) -> None:
    props = spec["components"]["schemas"]["CancelOnDisconnectState"]["properties"]
    props["is_enabled"] = props.pop("enabled")
    spec["components"]["schemas"]["CancelOnDisconnectState"]["required"] = ["scope", "is_enabled"]


def _add_optional_parameter(spec: Spec) -> None:
    spec["paths"]["/public/test"]["get"]["parameters"].append(
        {"name": "verbose", "in": "query", "required": False, "schema": {"type": "boolean"}}
    )


def _add_operation(spec: Spec) -> None:
    spec["paths"]["/public/get_time"] = {"get": {**spec["paths"]["/public/test"]["get"], "operationId": "get_time"}}


def _bump_minor_and_remove_operation(spec: Spec) -> None:
    _remove_operation(spec)


SCENARIOS: list[tuple[str, Callable[[Spec], None], bool, str]] = [
    ("removed-operation", _remove_operation, False, "operation removed"),
    ("removed-parameter", _remove_parameter, False, "parameter 'expected_result' removed"),
    ("narrowed-enum", _narrow_enum, False, "lost enum values ['account']"),
    ("renamed-result-field", _rename_result_field, False, "result field 'result.enabled' removed"),
    ("added-optional-parameter", _add_optional_parameter, True, "no breaking change"),
    ("added-operation", _add_operation, True, "no breaking change"),
    (
        "break-with-a-minor-bump",
        _bump_minor_and_remove_operation,
        True,
        "allowed: the version went from",
    ),
]


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)


def _clone(tmp_path: Path) -> Path:
    """A scratch clone of this repository (its commits, this venv) that can commit."""
    repo = tmp_path / "repo"
    assert _run(tmp_path, "git", "clone", "-q", str(ROOT), str(repo)).returncode == 0
    (repo / ".venv").symlink_to(ROOT / ".venv")
    for setting in (("user.name", "test"), ("user.email", "test@example.invalid")):
        _run(repo, "git", "config", *setting)
    return repo


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("change", "passes", "says"), [s[1:] for s in SCENARIOS], ids=[s[0] for s in SCENARIOS])
def test_the_gate(tmp_path: Path, change: Callable[[Spec], None], passes: bool, says: str) -> None:
    repo = _clone(tmp_path)
    spec = yaml.safe_load((repo / "openapi.yaml").read_text())
    change(spec)
    (repo / "openapi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    if change is _bump_minor_and_remove_operation:
        pyproject = repo / "pyproject.toml"
        text = pyproject.read_text()
        current = re.search(r'(?m)^version = "(\d+)\.(\d+)\.(\d+)"', text)
        assert current is not None
        major, minor = int(current[1]), int(current[2])
        bumped = f"0.{minor + 1}.0" if major == 0 else f"{major + 1}.0.0"
        pyproject.write_text(text.replace(current[0], f'version = "{bumped}"', 1))
    generated = _run(repo, "scripts/generate", "generated")
    assert generated.returncode == 0, generated.stderr
    _run(repo, "git", "add", "-A")
    assert _run(repo, "git", "commit", "-qm", "change").returncode == 0

    gate = _run(repo, sys.executable, "scripts/api_check.py", "HEAD~1")

    assert (gate.returncode == 0) is passes, gate.stdout + gate.stderr
    assert says in gate.stdout


@pytest.mark.timeout(300)
def test_in_ci_a_break_followed_by_another_commit_still_fails_and_no_base_fails(tmp_path: Path) -> None:
    repo = _clone(tmp_path)
    before = _run(repo, "git", "rev-parse", "HEAD").stdout.strip()  # what the push's "before" names
    spec = yaml.safe_load((repo / "openapi.yaml").read_text())
    _remove_operation(spec)
    (repo / "openapi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    assert _run(repo, "scripts/generate", "generated").returncode == 0
    _run(repo, "git", "add", "openapi.yaml", "generated")
    assert _run(repo, "git", "commit", "-qm", "a break").returncode == 0
    (repo / "NOTES.txt").write_text("an unrelated change\n")
    _run(repo, "git", "add", "NOTES.txt")
    assert _run(repo, "git", "commit", "-qm", "something else").returncode == 0

    def gate(**env: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("API_CHECK")}
        # (the script as make api-check runs it: make would set the venv up again in the clone)
        return subprocess.run(
            [sys.executable, "scripts/api_check.py"], cwd=repo, capture_output=True, text=True, env={**clean, **env}
        )

    as_ci = gate(API_CHECK_BASE=before, API_CHECK_REQUIRE_BASE="1")  # as .github/workflows/ci.yml runs it
    assert as_ci.returncode != 0 and "operation removed" in as_ci.stdout, as_ci.stdout + as_ci.stderr
    # Locally the default base is the last release tag (before the break: it fails), else the
    # previous commit (the unrelated one: it passes, which is why CI names its base).
    tagged = _run(repo, "git", "describe", "--tags", "--abbrev=0").returncode == 0
    assert (gate().returncode == 0) is not tagged
    no_base = gate(API_CHECK_BASE="0" * 40, API_CHECK_REQUIRE_BASE="1")  # a branch's first push, no tag
    # (the last release tag, when there is one, is that push's base: the break fails either way)
    assert no_base.returncode != 0
    assert ("operation removed" in no_base.stdout) if tagged else ("no base" in no_base.stderr)
    shallow = tmp_path / "shallow"
    assert _run(tmp_path, "git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)).returncode == 0
    missing = subprocess.run(
        [sys.executable, "scripts/api_check.py"],
        cwd=shallow,
        capture_output=True,
        text=True,
        env={**os.environ, "API_CHECK_BASE": before, "API_CHECK_REQUIRE_BASE": "1"},
    )
    assert missing.returncode != 0 and "no such commit" in missing.stderr  # the history was not fetched
