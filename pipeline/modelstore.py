"""Save and load a model directory safely: skops for fitted parts (never pickle), model.json card.

A model directory holds ``model.json`` (id, created, data and codebook fingerprints, thresholds,
figures, library versions) and ``parts.skops``. Loading refuses any type outside an explicit
allow-list, refuses pickle/joblib files outright, and checks the codebook and scikit-learn version.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .codebook import Codebook
from .errors import ModelError

CARD = "model.json"
PARTS = "parts.skops"
FORMAT_VERSION = 2  # 2: one ThemeModel estimator (TF-IDF and/or encoder features), thresholds per column
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".pt", ".bin")
# Types skops does not trust by default but that our fitted parts legitimately contain.
# Anything else in a parts file means it was not written by us: we refuse to load it.
ALLOWED_EXTRA_TYPES: frozenset[str] = frozenset({
    "pipeline.classify.ThemeModel",
    "pipeline.encoder.EncoderFeatures",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
})


def library_versions() -> dict[str, str]:
    """Installed versions, read from package metadata so that nothing heavy is imported."""
    from importlib.metadata import version

    return {name: version(name) for name in ("scikit-learn", "numpy", "skops")}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def check_model_out_dir(out_dir: str | Path) -> None:
    """A model may replace a model, or fill an empty or new folder; never a folder of other files."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ModelError(f"{out_dir} exists and is not a folder; choose another --out")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / CARD).is_file():
        raise ModelError(f"{out_dir} already holds files that are not a model; choose an empty or new --out "
                         "(a model folder is replaced as a whole)")


def save_model(model, out_dir: str | Path, card: dict) -> Path:
    """Write the model directory atomically: a half-written model never replaces a good one."""
    import shutil

    import skops.io as sio

    out_dir = Path(out_dir)
    check_model_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    for _, union, _ in model.blocks_:
        for _, block in union.transformer_list:
            if hasattr(block, "vocabulary_"):
                # numpy ints in the vocabulary make skops write one file per term (30 MB, 2 s to
                # load); plain ints keep the file small and loading fast.
                block.vocabulary_ = {term: int(i) for term, i in block.vocabulary_.items()}
    model.__dict__.pop("_names_cache", None)  # derived, rebuilt on first use
    sio.dump({"model": model}, tmp / PARTS)
    T = len(model.theme_ids)
    card = {
        **card,
        "format_version": FORMAT_VERSION,
        "themes": list(model.theme_ids),
        "thresholds": {t: float(model.thresholds_[j]) for j, t in enumerate(model.theme_ids)},
        "lesson_threshold": float(model.thresholds_[T]),
        "params": model.get_params(),
        "libraries": library_versions(),
    }
    if "encoder" in model.features:
        from .encoder import DEFAULT_ENCODER_DIR, encoder_fingerprint

        card["encoder"] = {**json.loads((DEFAULT_ENCODER_DIR / "encoder.json").read_text(encoding="utf-8")),
                           "fingerprint": encoder_fingerprint()}
    card["params"]["theme_ids"] = list(card["params"]["theme_ids"])
    (tmp / CARD).write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
        out_dir.rename(old)
        tmp.rename(out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out_dir)
    return out_dir


def read_card(model_dir: str | Path) -> dict:
    """The model card, or a ModelError saying what is wrong with the directory."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise ModelError(f"model directory not found: {model_dir} (build one with `lessons train --out {model_dir}`)")
    unsafe = sorted(p.name for p in model_dir.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
    if unsafe:
        raise ModelError(
            f"{model_dir} contains {', '.join(unsafe)}: pickle-style files can run code when loaded, so "
            "Cluster Lessons never opens them; remove them and use a model written by `lessons train`",
            kind="unsafe_model")
    try:
        card = json.loads((model_dir / CARD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{model_dir} has no {CARD}; it is not a Cluster Lessons model") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelError(f"{model_dir / CARD} is not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(card, dict) or card.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{model_dir} was written by another version of Cluster Lessons; retrain it with `lessons train`")
    return card


def check_compatible(card: dict, codebook: Codebook, model_dir: Path) -> None:
    """Refuse a model built for other themes or another scikit-learn minor version."""
    if card.get("themes") != codebook.ids:
        raise ModelError(
            f"model {model_dir} was trained for themes {card.get('themes')} but the codebook "
            f"{codebook.source} has {codebook.ids}; retrain with `lessons train --codebook {codebook.source}`",
            kind="codebook_mismatch")
    if "encoder" in card:
        from .encoder import encoder_fingerprint

        if card["encoder"].get("fingerprint") != encoder_fingerprint():
            raise ModelError(
                f"model {model_dir} was trained on another sentence encoder ({card['encoder'].get('name')}, "
                f"{str(card['encoder'].get('fingerprint'))[:19]}…) than the one installed; retrain it with `lessons train`",
                kind="library_mismatch")
    built = card.get("libraries", {}).get("scikit-learn", "?")
    here = library_versions()["scikit-learn"]
    if _minor(built) != _minor(here):
        raise ModelError(
            f"model {model_dir} was built with scikit-learn {built} but {here} is installed; "
            "retrain it with `lessons train` (fitted models do not carry across versions)",
            kind="library_mismatch")


def load_card(model_dir: str | Path, codebook: Codebook) -> dict:
    """The model card after the safety and compatibility checks, without loading the fitted parts."""
    card = read_card(model_dir)
    check_compatible(card, codebook, Path(model_dir))
    return card


def load_model(model_dir: str | Path, codebook: Codebook):
    """Load a model directory into a ThemeModel after the safety and compatibility checks.

    The parts file is read with skops, never pickle: only skops' trusted types and our explicit
    allow-list (our estimator and transformer classes, two calibration internals) are built."""
    import skops.io as sio

    from .classify import ThemeModel

    model_dir = Path(model_dir)
    card = load_card(model_dir, codebook)
    parts_path = model_dir / PARTS
    if not parts_path.is_file():
        raise ModelError(f"{model_dir} has no {PARTS}; retrain with `lessons train --out {model_dir}`")
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        # Only skops' default-trusted types and our explicit allow-list load; anything else raises.
        parts = sio.load(parts_path, trusted=sorted(ALLOWED_EXTRA_TYPES) or None)
    except UntrustedTypesFoundException as exc:
        raise ModelError(f"{parts_path} contains types that are not allowed ({exc}); it was not written by "
                         "`lessons train`, so it is not loaded", kind="unsafe_model") from None
    except Exception as exc:  # skops raises assorted errors on a damaged or foreign file
        raise ModelError(f"{parts_path} is damaged or not a skops file ({exc.__class__.__name__})") from None
    model = parts.get("model") if isinstance(parts, dict) else None
    if not isinstance(model, ThemeModel) or list(model.theme_ids) != card["themes"]:
        raise ModelError(f"{parts_path} does not hold a Cluster Lessons model; retrain with `lessons train`")
    try:
        model.set_thresholds([card["thresholds"][t] for t in card["themes"]] + [card["lesson_threshold"]])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{model_dir / CARD} lacks a valid threshold ({exc}); retrain with `lessons train`") from None
    model.model_id = card["id"]
    return model, card
