"""`pip install .` puts the crvm command on the PATH: the wheel scripts/setup.sh
builds into build/wheel is installed into a new virtual environment, whose
bin directory then holds a crvm that runs, linked statically (it needs no
libcrvm.so), and answers as the library's version."""

import os
import shutil
import subprocess
import sys
import venv

import pytest

import crvm
from conftest import REPO_ROOT


def wheel():
    found = sorted((REPO_ROOT / "build" / "wheel").glob("crvm-*.whl"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("no wheel in build/wheel (scripts/setup.sh install_python_package builds it)")
        pytest.skip("no wheel in build/wheel")
    return found[-1]


def test_a_new_environment_gets_a_working_crvm(tmp_path):
    whl = wheel()
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    # This environment's pip installs into the new one (--prefix; --ignore-installed,
    # as crvm is installed here too), without the dependencies: the command needs none.
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "--ignore-installed",
                    "--prefix", str(env_dir), str(whl)], check=True, timeout=300)
    bindir = env_dir / "bin"
    path = os.pathsep.join([str(bindir), "/usr/bin", "/bin"])
    env = {"PATH": path, "HOME": str(tmp_path)}
    assert shutil.which("crvm", path=path) == str(bindir / "crvm")
    done = subprocess.run(["crvm", "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"crvm {crvm.__version__}"
    ldd = subprocess.run(["ldd", str(bindir / "crvm")], capture_output=True, text=True)
    assert "libcrvm" not in ldd.stdout
    out = tmp_path / "demo.html"
    done = subprocess.run(["crvm", "demo", "--customers", "300", "--out", str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
