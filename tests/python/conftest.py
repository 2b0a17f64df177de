# The Python module's tests (docs/python.md). They find the module and the blobflow binary of a build tree:
# BLOBFLOW_PYTHONPATH (default build/test/python) and BLOBFLOW_CLI (default build/test/blobflow); ctest sets both.
import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, os.environ.get("BLOBFLOW_PYTHONPATH", str(ROOT / "build" / "test" / "python")))


@pytest.fixture(scope="session")
def cli():
    """The blobflow binary of the same build."""
    path = pathlib.Path(os.environ.get("BLOBFLOW_CLI", ROOT / "build" / "test" / "blobflow"))
    assert path.exists(), f"{path}: no blobflow binary (set BLOBFLOW_CLI)"
    return path


@pytest.fixture(scope="session")
def configs():
    """The example configurations (studies/configs)."""
    return ROOT / "studies" / "configs"
