"""Shared fixtures: the real codebook, a model trained once per session, spaCy loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.codebook import load_codebook
from pipeline.labels import DEFAULT_LABELS, DEFAULT_LABELS_DIR, read_labels

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DOCS = ROOT / "corpus" / "documents"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def codebook():
    return load_codebook()


@pytest.fixture(scope="session")
def corpus_labels(codebook):
    return read_labels([DEFAULT_LABELS_DIR], codebook.ids)


@pytest.fixture(scope="session")
def small_labels(codebook):
    """Every third passage of the default training data (imagined and real-grounded): quick to train on."""
    return read_labels(list(DEFAULT_LABELS), codebook.ids)[::3]


@pytest.fixture(scope="session")
def trained(tmp_path_factory, codebook, small_labels):
    """The default model kind, trained by the real trainer on a third of the corpus, saved once per session."""
    from pipeline.modelstore import save_model
    from pipeline.train import train_model

    result = train_model(small_labels, codebook, seed=0)
    model_dir = tmp_path_factory.mktemp("model") / "default"
    save_model(result.model, model_dir, result.card)
    return result, model_dir


@pytest.fixture(scope="session")
def model_dir(trained):
    return trained[1]


@pytest.fixture(scope="session")
def nlp():
    """The default pipeline: the small English model with the NER tuned on cluster news."""
    from pipeline.annotate import load_spacy

    return load_spacy()


@pytest.fixture(scope="session")
def base_nlp():
    """The small English model as shipped, whose split names some rules exist to repair."""
    from pipeline.annotate import load_spacy, resolve_spacy_model

    return load_spacy(resolve_spacy_model())


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create a folder of files from {relative path: content}."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
