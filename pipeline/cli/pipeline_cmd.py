"""`lessons save-pipeline`: the entity pipeline as a spaCy pipeline folder, for use without Cluster Lessons' CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from . import _console, _fail, app


@app.command("save-pipeline")
def save_pipeline(
    out_dir: Annotated[Path, typer.Argument(metavar="OUT_DIR", help="Folder to write (must be new or empty unless --force).")],
    spacy_model: Annotated[str, typer.Option("--spacy-model", help="spaCy pipeline; 'auto' as for run.")] = "auto",
    gazetteer: Annotated[Optional[Path], typer.Option("--gazetteer", help="Gazetteer TOML to include as an entity ruler.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUT_DIR if it exists.")] = False,
) -> None:
    """Write the NER and the entity refinement as one spaCy pipeline: spacy.load(OUT_DIR)(text) gives a run's entities."""
    from ..annotate import save_pipeline as save

    try:
        path = save(out_dir, spacy_model, gazetteer, force=force)
    except LessonsError as exc:
        raise _fail(exc) from None
    _console().print(f"wrote {path}: load it with spacy.load({str(path)!r}); entities in doc.ents, "
                     "canonical names in ent._.norm, ISO dates in ent._.iso", markup=False, soft_wrap=True)
