"""Every Python block in the README and the documentation (docs/) runs as written, against the
mock exchange process.

A block is a whole program: it is run as a script with the four variables the README's
"Running the examples" documents pointing at the mock. A block that defines ``test_``
functions is a downstream test file: it is run by pytest in a folder of its own, with the
package's pytest plugin (its ``deribit_mock`` fixture starts a mock of its own).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from deribit_mock.process import ROOT, MockServer

from .conftest import CLIENT_ID, CLIENT_SECRET

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[str, str]]:
    """(id, code) for each Python block: the id is the page, the section heading and the
    block's line."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            heading = [h for h in re.findall(r"^#+ (.+)$", text[: match.start()], re.MULTILINE)][-1]
            slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
            found.append((f"{page.stem}-{slug}-line{line}", match.group(1)))
    return found


BLOCKS = _blocks()


def test_the_readme_has_examples_and_each_is_a_whole_program() -> None:
    assert len(BLOCKS) >= 15
    for name, code in BLOCKS:
        assert code.lstrip().startswith(("import ", "from ")), f"{name} does not start with its imports"
        if "async def main" in code:
            assert "asyncio.run(main())" in code, f"{name} defines main() but does not run it"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("code", [c for _, c in BLOCKS], ids=[n for n, _ in BLOCKS])
def test_a_readme_example_runs_as_written(code: str, mock: MockServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DERIBIT_", "PYTEST_"))}
    if re.search(r"^def test_", code, re.MULTILINE):
        (tmp_path / "test_example.py").write_text(code)
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_example.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=110,
        )
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        assert " passed" in run.stdout and "failed" not in run.stdout
        return
    # Methods the examples call through ws.call that the spec does not have.
    mock.stub("public/get_time", result=1_700_000_000_000)
    env.update(
        DERIBIT_WS_URL=mock.ws_url,
        DERIBIT_API_URL=mock.api_url,
        DERIBIT_CLIENT_ID=CLIENT_ID,
        DERIBIT_CLIENT_SECRET=CLIENT_SECRET,
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=110
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
