"""scripts/find-python: which Python the Makefile builds .venv from."""

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "find-python"


def fake_python(path: Path, *, good: bool) -> None:
    """A stand-in that passes or fails the script's 3.12+ check, and names itself."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'#!/bin/sh\ncase "$2" in *executable*) echo "{path}";; *) exit {0 if good else 1};; esac\n'
    )
    path.chmod(0o755)


def run(tmp_path: Path) -> subprocess.CompletedProcess:
    tools = tmp_path / "tools"
    tools.mkdir(exist_ok=True)
    for tool in ("sh", "ls", "grep", "sort"):
        (tools / tool).symlink_to(shutil.which(tool))
    path = f"{tmp_path / 'bin'}:{tools}"
    env = {"PATH": path, "PYENV_ROOT": str(tmp_path / "pyenv"), "HOME": str(tmp_path)}
    return subprocess.run(
        ["/bin/sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30
    )


def test_a_new_enough_python_on_the_path_comes_first(tmp_path):
    fake_python(tmp_path / "bin" / "python3.13", good=True)
    fake_python(tmp_path / "pyenv" / "versions" / "3.12.1" / "bin" / "python3", good=True)
    assert run(tmp_path).stdout.strip() == str(tmp_path / "bin" / "python3.13")


def test_else_the_newest_pyenv_version_that_works(tmp_path):
    fake_python(tmp_path / "bin" / "python3", good=False)  # 3.11, say
    versions = tmp_path / "pyenv" / "versions"
    fake_python(versions / "3.9.18" / "bin" / "python3", good=False)
    fake_python(versions / "3.12.9" / "bin" / "python3", good=True)
    fake_python(versions / "3.12.10" / "bin" / "python3", good=True)
    fake_python(versions / "3.13.0" / "bin" / "python3", good=False)  # no venv module
    result = run(tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == str(versions / "3.12.10" / "bin" / "python3")


def test_none_found_says_what_to_install(tmp_path):
    fake_python(tmp_path / "bin" / "python3", good=False)
    result = run(tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Python 3.12 or newer" in result.stderr and "install" in result.stderr
