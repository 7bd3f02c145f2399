from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from scan_corpus import Sample, build_corpus  # the corpus builder lives next to the tests


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Sample]]:
    folder = tmp_path_factory.mktemp("artifact_corpus")
    return folder, build_corpus(folder)
