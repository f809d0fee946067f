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
FORMAT_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "default"
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".sav", ".pt", ".bin")
# Types skops does not trust by default but that our fitted parts legitimately contain.
# Anything else in a parts file means it was not written by us: we refuse to load it.
ALLOWED_EXTRA_TYPES: frozenset[str] = frozenset()


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
    for _, vectorizer in model.features_.transformer_list:
        # numpy ints in the vocabulary make skops write one file per term (30 MB, 2 s to load);
        # plain ints keep the file small and loading fast.
        vectorizer.vocabulary_ = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
    parts = {"features": model.features_, "themes": model.themes_, "lesson": model.lesson_}
    sio.dump(parts, tmp / PARTS)
    card = {
        **card,
        "format_version": FORMAT_VERSION,
        "themes": model.theme_ids,
        "thresholds": model.thresholds_,
        "lesson_threshold": model.lesson_threshold_,
        "calibration": {t: list(ab) for t, ab in model.calibration_.items()},
        "lesson_calibration": list(model.lesson_calibration_),
        "params": {"seed": model.seed, "C": model.C},
        "libraries": library_versions(),
    }
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
    """Load a model directory into a ThemeModel after the safety and compatibility checks."""
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
    if not isinstance(parts, dict) or set(parts) != {"features", "themes", "lesson"}:
        raise ModelError(f"{parts_path} does not hold a Cluster Lessons model; retrain with `lessons train`")
    model = ThemeModel(card["themes"], seed=card["params"]["seed"], C=card["params"]["C"])
    model.features_, model.themes_, model.lesson_ = parts["features"], parts["themes"], parts["lesson"]
    try:
        model.set_decision(card["calibration"], card["thresholds"], card["lesson_calibration"], card["lesson_threshold"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{model_dir / CARD} lacks a valid threshold or calibration ({exc}); retrain with `lessons train`") from None
    model.model_id = card["id"]
    return model, card
