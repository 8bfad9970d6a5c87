"""The package as downstream teams get it, and the generator's reproducibility."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from deribit_mock import METHODS
from deribit_mock.process import MockServer

ROOT = Path(__file__).resolve().parent.parent


def _diff(a: Path, b: Path) -> list[str]:
    """Relative paths that differ between two trees (missing on either side included)."""
    cmp = filecmp.dircmp(a, b, ignore=["__pycache__"])
    out = [str(Path(a.name) / n) for n in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files]
    for sub in cmp.subdirs:
        out += _diff(a / sub, b / sub)
    return out


def test_generation_reproduces_generated_byte_for_byte_twice(scratch: Path) -> None:
    for _ in range(2):
        subprocess.run([str(ROOT / "scripts" / "generate"), str(scratch.relative_to(ROOT))], cwd=ROOT, check=True)
        assert _diff(ROOT / "generated", scratch) == []


def test_the_mock_serves_every_path_of_the_spec() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    paths = {p.lstrip("/") for p in spec["paths"]}
    missing = sorted(paths - set(METHODS))
    assert not missing, (
        f"the mock has no handler for {', '.join(missing)}: add one to deribit_mock/methods.py, as"
        ' @method("<name>", params=models.<Name>GetParametersQuery, response=models.<Result>Response)'
        " (the models are generated from openapi.yaml into deribit_mock/_models.py by make generate)"
    )
    assert not sorted(set(METHODS) - paths), "the mock serves methods the spec does not describe"


@pytest.fixture(scope="module")
def wheel(  # builds in an isolated environment from the package index: the tests using it allow 300 s
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--sdist", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("*.whl")
    assert len(list(out.glob("*.tar.gz"))) == 1
    return built


@pytest.mark.timeout(300)
def test_the_wheel_ships_the_typed_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()

    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert wheel.name.startswith(f"deribit_session_client-{version}-py3-none-any")
    assert "deribit_session_client/py.typed" in names
    assert "deribit_session_client/api/session_management/set_heartbeat.py" in names
    assert "deribit_session_client/_operations.py" in names
    assert "deribit_session_client/_core/http/client.py" in names
    assert "deribit_mock/pytest_plugin.py" in names and "deribit_mock/_models.py" in names  # the testing extra
    assert not [n for n in names if "/" not in n]  # no top-level module: three packages and their metadata
    assert {"deribit_mock/py.typed", "deribit_session_cli/py.typed", "deribit_session_client/py.typed"} <= set(names)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith(("tests/", "generated/", "runtime/")) for n in names)


@pytest.mark.timeout(300)  # installs httpx and attrs from the package index
def test_the_wheel_installs_in_a_fresh_venv_and_calls_the_mock(wheel: Path, mock: MockServer, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
    )
    script = (
        "import deribit_session_client as d\n"
        "from deribit_session_client.api.session_management import set_heartbeat\n"
        f"with d.Client(base_url={mock.api_url!r}) as c:\n"
        "    print(set_heartbeat.sync(client=c, interval=30).result, d.__file__)\n"
    )
    run = subprocess.run([str(python), "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path)

    result, location = run.stdout.split()
    assert result == "ok"
    assert str(env_dir) in location  # the installed copy, not the repository's
    assert [r["query"] for r in mock.requests()] == ["interval=30"]


def test_the_version_lives_in_pyproject_and_both_transports_announce_it(mock: MockServer) -> None:
    import tomllib

    import deribit_session_client
    from deribit_session_client import Client, WebSocketClient
    from deribit_session_client.api.supporting import test as public_test

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert deribit_session_client.__version__ == version
    assert (
        yaml.safe_load((ROOT / "openapi.yaml").read_text())["info"]["version"] == version
    )  # (make release moves both)
    assert "package_version_override" not in (ROOT / "generator-config.yaml").read_text()
    with Client(base_url=mock.api_url) as client:
        public_test.sync(client=client)
    with WebSocketClient(mock.ws_url) as ws:
        ws.call("public/test")
        [conn] = mock.connections()
        transport = ws.transport
    [sent] = [r for r in mock.requests() if r["transport"] == "http"]
    assert sent["headers"]["user-agent"] == f"deribit-session-client/{version}"
    assert conn["user_agent"].startswith(f"deribit-session-client/{version} {transport}/")


LAZY_IMPORTS = """
import sys
import deribit_session_client
from deribit_session_client import Client
from deribit_session_client.api.session_management import (
    disable_cancel_on_disconnect, disable_heartbeat, enable_cancel_on_disconnect,
    get_cancel_on_disconnect, set_heartbeat,
)
from deribit_session_client.api.supporting import test
print(sorted(m for m in ("websockets", "httpcore") if m in sys.modules))
with Client(base_url=sys.argv[1]) as client:
    test.sync(client=client)
print(sorted(m for m in ("websockets", "httpcore") if m in sys.modules))
"""


def test_importing_for_http_loads_neither_websockets_nor_httpcore_until_used(mock: MockServer) -> None:
    # What a process that imports the package pays before its first call (make bench:
    # import_ms_client); httpcore comes with the first connection pool.
    run = subprocess.run(
        [sys.executable, "-c", LAZY_IMPORTS, mock.api_url],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "generated")},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["[]", "['httpcore']"]


def test_the_dev_environment_imports_the_package_without_pythonpath(tmp_path: Path) -> None:
    run = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", "import deribit_session_client as d; print(d.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().startswith(str(ROOT / "generated"))


DOWNSTREAM_TEST = """
from deribit_session_client import AuthenticatedClient, WebSocketClient
from deribit_session_client.api.session_management import get_cancel_on_disconnect


def test_cancel_on_disconnect_survives_a_drop(deribit_mock):
    deribit_mock.time_scale(0.2)  # a heartbeat every 2 s, and as long to answer it
    with WebSocketClient(deribit_mock.ws_url, client_id=deribit_mock.client_id,
                         client_secret=deribit_mock.client_secret, heartbeat_interval=10,
                         cancel_on_disconnect="connection", initial_retry_delay=0.05) as ws:
        deribit_mock.drop()
        import time
        while ws.stats["state"] == "ready" and ws.stats["reconnects"] == 0:
            time.sleep(0.01)
        assert get_cancel_on_disconnect.sync(client=ws).result.enabled is True
    assert [e["event"] for e in deribit_mock.events()].count("cancel_on_disconnect") == 2


def test_http_too(deribit_mock):
    client = AuthenticatedClient(base_url=deribit_mock.api_url, token=deribit_mock.access_token)
    assert get_cancel_on_disconnect.sync(client=client, scope="account").result.enabled is False
    assert deribit_mock.requests()[0]["auth"] == "bearer"


def test_a_client_that_posts_json_rpc(deribit_mock):
    import httpx

    deribit_mock.realistic(True)
    body = {"jsonrpc": "2.0", "id": 3, "method": "private/enable_cancel_on_disconnect", "params": {"scope": "account"}}
    answer = httpx.post(deribit_mock.api_url + "/private/enable_cancel_on_disconnect", json=body,
                        headers={"Authorization": "Bearer " + deribit_mock.access_token})
    assert answer.json()["id"] == 3 and answer.json()["result"] == "ok"
"""


TRIVIAL_TEST = """
import deribit_session_client


def test_the_package_imports():
    assert deribit_session_client.__version__
"""

FIXTURE_TEST = """
def test_uses_the_mock(deribit_mock):
    pass
"""


def _pytest_in(python: Path, project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        capture_output=True,
        text=True,
        env={k: v for k, v in __import__("os").environ.items() if k not in ("PYTHONPATH",)},
        timeout=240,
    )


def _pip(python: Path, *args: str) -> None:
    run = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.timeout(420)  # installs pytest, then the testing extra's dependencies, from the package index
def test_downstream_teams_test_against_the_mock_with_the_fixture(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    project = tmp_path / "downstream"
    project.mkdir()

    # The plain install, in a project that has pytest: the plugin is registered, and must not
    # stop pytest from starting (it did: starlette is only in the testing extra).
    _pip(python, str(wheel), "pytest")
    (project / "test_trivial.py").write_text(TRIVIAL_TEST)
    run = _pytest_in(python, project)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed" in run.stdout

    # A test asking for the fixture without the extra fails alone, saying what to install.
    (project / "test_fixture.py").write_text(FIXTURE_TEST)
    run = _pytest_in(python, project)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 passed, 1 error" in run.stdout
    assert 'pip install "deribit-session-client[testing]"' in run.stdout
    (project / "test_fixture.py").unlink()

    _pip(python, f"{wheel}[testing]")
    (project / "test_strategy.py").write_text(DOWNSTREAM_TEST)
    run = _pytest_in(python, project)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "4 passed" in run.stdout


def test_a_traceback_into_the_runtime_copy_points_at_the_same_line_of_runtime() -> None:
    import traceback

    from deribit_session_client import Client, InvalidParamsError
    from deribit_session_client.api.session_management import set_heartbeat

    with pytest.raises(InvalidParamsError) as caught:
        set_heartbeat.sync(client=Client(base_url="http://127.0.0.1:9"), interval=5)  # refused before sending
    frames = [f for f in traceback.extract_tb(caught.value.__traceback__) if "/_core/" in f.filename]
    assert frames
    for frame in frames:
        source = ROOT / "runtime" / "_core" / frame.filename.split("/_core/", 1)[1]
        assert frame.lineno is not None and frame.line
        assert source.read_text().splitlines()[frame.lineno - 1].strip() == frame.line.strip()


def test_the_api_reference_lists_every_operation_and_model_and_refuses_a_gap(tmp_path: Path) -> None:
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("reference_hook", ROOT / "docs" / "hooks" / "reference.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    page = hook.on_page_markdown("# Operations\n<!-- operations -->\n")
    operations = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    assert page.count(":::") == len(operations)
    models = hook.on_page_markdown("<!-- models -->")
    assert models.count(":::") == len(list((ROOT / "generated/deribit_session_client/models").glob("[!_]*.py")))
    # a spec operation whose module is missing fails the build (make docs), naming it
    shutil.copytree(ROOT / "generated" / "deribit_session_client" / "api", tmp_path / "api")
    (tmp_path / "api" / "trading" / "buy.py").unlink()
    setattr(hook, "PACKAGE", tmp_path)  # noqa: B010 (a module loaded from a path: mypy cannot see it)
    with pytest.raises(ValueError, match=r"no generated module: \['buy'\]"):
        hook.on_page_markdown("<!-- operations -->")


def test_a_spec_method_without_a_handler_answers_its_example_marked_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    # (as a path added to the spec before its handler: make generate puts its example in EXAMPLES)
    from deribit_mock import _models
    from deribit_mock.methods import RpcError, Session, State, dispatch, example_only

    monkeypatch.setitem(_models.EXAMPLES, "public/get_time", 1535043730126)
    monkeypatch.setitem(_models.EXAMPLES, "private/get_positions", [])
    assert example_only() == {"public/get_time", "private/get_positions"}
    state = State()
    answer = dispatch(state, "public/get_time", {}, session=Session(), transport="http", realistic=False)
    assert answer == 1535043730126
    with pytest.raises(RpcError) as refused:  # a private one needs authentication, as every private method
        dispatch(state, "private/get_positions", {}, session=Session(), transport="http", realistic=False)
    assert refused.value.code == 13009
    assert set(_models.EXAMPLES) >= {
        p.lstrip("/") for p in yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    }
