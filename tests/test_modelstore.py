"""Saving and loading models: same scores back, never executing a pickle, clear mismatch errors."""

from __future__ import annotations

import json
import pickle
import shutil

import numpy as np
import pytest

from pipeline.codebook import load_codebook
from pipeline.errors import ModelError
from pipeline.modelstore import load_model

PASSAGES = [
    "The two clusters signed a memorandum of understanding to run joint trade missions to Japan and Korea.",
    "Membership fees now cover almost half of the budget, which makes the cluster less dependent on grants.",
    "The conference dinner will be served at 19:30 in the main hall of the congress centre.",
]


def test_saved_model_loads_and_gives_the_same_scores(trained, codebook):
    result, model_dir = trained
    loaded, card = load_model(model_dir, codebook)
    np.testing.assert_allclose(result.model.predict_proba(PASSAGES), loaded.predict_proba(PASSAGES), rtol=1e-6)
    np.testing.assert_array_equal(loaded.thresholds_, result.model.thresholds_)
    assert [c.themes for c in loaded.classify(PASSAGES)] == [c.themes for c in result.model.classify(PASSAGES)]
    assert card["id"] == result.model.model_id
    assert card["codebook"]["fingerprint"] == codebook.fingerprint
    for key in ("created", "training_data", "thresholds", "evaluation", "libraries"):
        assert key in card


class _Payload:
    """Unpickling this creates a marker file: proof that the pickle was executed."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("name", ["model.pkl", "parts.joblib"])
def test_pickle_in_model_folder_is_refused_without_being_executed(tmp_path, model_dir, codebook, name):
    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    marker = tmp_path / "executed"
    (bad / name).write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError, match="never opens them") as err:
        load_model(bad, codebook)
    assert err.value.kind == "unsafe_model"
    assert not marker.exists()


def test_parts_file_replaced_by_a_pickle_is_refused_without_being_executed(tmp_path, model_dir, codebook):
    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    marker = tmp_path / "executed"
    (bad / "parts.skops").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError, match="damaged or not a skops file"):
        load_model(bad, codebook)
    assert not marker.exists()


def test_model_for_another_codebook_fails_with_a_clear_message(tmp_path, model_dir, codebook):
    text = open(codebook.source, encoding="utf-8").read().replace('id = "resilience"', 'id = "adaptation"')
    (tmp_path / "other.toml").write_text(text)
    with pytest.raises(ModelError, match="retrain with `lessons train --codebook") as err:
        load_model(model_dir, load_codebook(tmp_path / "other.toml"))
    assert err.value.kind == "codebook_mismatch"


def test_model_from_another_scikit_learn_version_fails_with_a_clear_message(tmp_path, model_dir, codebook):
    old = tmp_path / "old"
    shutil.copytree(model_dir, old)
    card = json.loads((old / "model.json").read_text())
    card["libraries"]["scikit-learn"] = "0.24.2"
    (old / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="built with scikit-learn 0.24.2") as err:
        load_model(old, codebook)
    assert err.value.kind == "library_mismatch"


def test_missing_model_directory_says_how_to_build_one(tmp_path, codebook):
    with pytest.raises(ModelError, match="lessons train"):
        load_model(tmp_path / "nope", codebook)


def test_skops_file_with_a_type_outside_the_allow_list_is_refused(tmp_path, model_dir, codebook):
    import collections

    import skops.io as sio

    bad = tmp_path / "bad"
    shutil.copytree(model_dir, bad)
    sio.dump({"features": collections.Counter(a=1), "themes": None, "lesson": None}, bad / "parts.skops")
    with pytest.raises(ModelError, match="not allowed") as err:
        load_model(bad, codebook)
    assert err.value.kind == "unsafe_model"


def test_training_never_replaces_a_folder_of_other_files(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import EXIT_FAILED, app

    precious = tmp_path / "notes"
    (precious / "sub").mkdir(parents=True)
    (precious / "important.txt").write_text("two years of interview notes")
    result = CliRunner().invoke(app, ["train", "--out", str(precious)])
    assert result.exit_code == EXIT_FAILED and "not a model" in result.output
    assert (precious / "important.txt").read_text() == "two years of interview notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes"]  # no leftovers beside it


def test_model_trained_on_another_sentence_encoder_fails_with_a_clear_message(tmp_path, model_dir, codebook):
    other = tmp_path / "other"
    shutil.copytree(model_dir, other)
    card = json.loads((other / "model.json").read_text())
    assert card["encoder"]["licence"] == "Apache-2.0"
    card["encoder"]["fingerprint"] = "sha256:" + "0" * 64
    (other / "model.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="another sentence encoder"):
        load_model(other, codebook)
