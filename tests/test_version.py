"""One version number: ``appeal.__version__``, which the package metadata reads, shown by ``--version`` and ``-V``."""

from __future__ import annotations

import importlib.metadata

import pytest
from click.testing import CliRunner

from appeal import __version__
from appeal.cli import cli


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_the_cli_shows_the_version(flag):
    result = CliRunner().invoke(cli, [flag])
    assert result.exit_code == 0
    assert result.output == f"appeal, version {__version__}\n"


def test_the_package_metadata_has_the_same_version():
    assert importlib.metadata.version("appeal") == __version__
