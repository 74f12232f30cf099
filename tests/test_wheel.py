"""The wheel carries the built-in templates and citations: installed in a fresh
virtualenv, outside the checkout, it generates the sample letter."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile

import pytest

from conftest import ROOT, UPMC


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling", reason="hatchling (the build backend) is needed to build the wheel offline")
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(dist), str(ROOT)], check=True, capture_output=True)
    (path,) = dist.glob("appeal-*.whl")
    return path


def test_wheel_holds_templates_citations_fonts_and_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for expected in ("appeal/_builtin/templates/specific-code-required.md", "appeal/_builtin/templates/base/letter.md",
                     "appeal/_builtin/citations/cpt-assistant-2000-09.yaml", "appeal/fonts/LiberationSerif-Regular.ttf",
                     "appeal/fonts/LICENSE.txt", "appeal/data/codes.yaml"):
        assert expected in names


def test_installed_wheel_generates_the_sample(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True,
                   capture_output=True)
    # The dependencies come from this test's environment; the appeal package only from the wheel.
    env = dict(os.environ, PYTHONPATH=sysconfig.get_paths()["purelib"])
    work = tmp_path / "elsewhere"
    work.mkdir()
    case = work / UPMC.name
    shutil.copy(UPMC, case)
    done = subprocess.run([str(python), "-m", "appeal", "generate", str(case), "-o", "out", "--date", "2026-11-27",
                           "--json"], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    outputs = sorted((work / "out").iterdir())
    assert [p.suffix for p in outputs] == [".docx", ".pdf"]
    where = subprocess.run([str(python), "-c", "import appeal, sys; print(appeal.__file__)"], cwd=work, env=env,
                           capture_output=True, text=True).stdout
    assert str(env_dir) in where
