"""The refinement of an earlier commit against the working tree's, alternately in one process.

    python bench/entities_ab.py REV [--repeat 6]

This machine's speed drifts by a third within minutes, so two runs of bench/entities.py cannot tell a
10% change from noise. Here the commit's ``pipeline`` package is extracted (``git archive``) and
imported beside this one; each repeat tags the documents with spaCy once and hands every document to
both versions' refinement components in turn, right after it was tagged, as a run does. Prints, for
the gold passages grouped by document, all of them as one long report and a glossary of 3,000 names,
the best and median refinement seconds of each version, and the best ratio to the NER's time.
The two versions must give the same entities (checked on the first repeat), unless --allow-changes: then
the number of documents whose entities differ is printed and rule changes are timed as well.
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
OLD = "pipeline_at_rev"


def _extract(rev: str, into: Path) -> None:
    """The commit's package as ``pipeline_at_rev``, its factories renamed so that both can register."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "pipeline"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    (into / "pipeline").rename(into / OLD)
    pipes = into / OLD / "entity_pipes.py"
    pipes.write_text(pipes.read_text(encoding="utf-8").replace('"cluster_lessons_', '"at_rev_cluster_lessons_'),
                     encoding="utf-8")


def _stages(nlp, mod, new_ruler: str, live: bool = False) -> list:
    """The refinement components of one version, in pipeline order, after the (shared) place ruler: the
    working tree's as ``nlp`` holds them (``live``), an earlier commit's built by hand as its factories
    build them."""
    if live:
        return [nlp.get_pipe(name) for name in mod.COMPONENTS]
    repair = getattr(mod, "_repaired", None) or (lambda text, ents, ctx: mod.repair_spans(text, ents))
    return [nlp.get_pipe(new_ruler), mod.mark_passages, mod.PassageStage(mod.clean_passage),
            mod.PassageStage(repair), mod.PassageStage(mod.link_acronyms),
            mod.AddPlaces(), mod.PassageStage(lambda text, ents, ctx: mod.date_spans(text, ents)), mod.Consistency()]


def _caches(package: str) -> list:
    mods = [importlib.import_module(f"{package}.entities"), importlib.import_module(f"{package}.entity_spans")]
    return [f for m in mods for f in vars(m).values()
            if callable(getattr(f, "cache_clear", None)) and getattr(f, "__module__", "") == m.__name__]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("rev", help="the commit to compare with, e.g. HEAD~3")
    ap.add_argument("--repeat", type=int, default=6)
    ap.add_argument("--gold", default=str(ROOT / "corpus" / "entities_gold.jsonl"))
    ap.add_argument("--allow-changes", action="store_true",
                    help="time versions whose rules differ (prints how many documents' entities changed)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="entities_ab."))
    _extract(args.rev, tmp)
    sys.path.insert(0, str(tmp))

    import pipeline.entity_pipes as new
    from pipeline.annotate import _chunks, join_chunks, load_spacy
    from pipeline.entity_eval import read_gold

    from entities import text_sets  # bench/entities.py: the same documents as its refinement rows

    old = importlib.import_module(f"{OLD}.entity_pipes")
    nlp = load_spacy()
    versions = {"rev": (_stages(nlp, old, new.PLACE_RULER), _caches(OLD), old.TEXT),
                "now": (_stages(nlp, new, new.PLACE_RULER, live=True), _caches("pipeline"), new.TEXT)}
    sets = text_sets(read_gold(args.gold))
    print(f"Refinement of {args.rev} against the working tree, {args.repeat} repeats alternating\n")
    print("| passages | rev best s | now best s | rev median s | now median s | rev / NER | now / NER |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, groups in sets.items():
        spent = {v: [] for v in versions}
        ner_best = float("inf")
        for r in range(args.repeat):
            order = list(versions) if r % 2 == 0 else list(reversed(versions))
            took, found = dict.fromkeys(versions, 0.0), {v: [] for v in versions}
            pending: dict[int, list] = {}

            def pieces():
                for i, texts in enumerate(groups):
                    chunks = _chunks(texts)
                    pending[i] = [texts, len(chunks), []]
                    for chunk in chunks:
                        yield chunk, i

            start = time.perf_counter()
            for chunk_doc, i in nlp.pipe(pieces(), as_tuples=True, batch_size=16, disable=list(new.COMPONENTS)):
                texts, n_chunks, got = pending[i]
                got.append(chunk_doc)
                if len(got) < n_chunks:
                    continue
                tagged = got[0] if n_chunks == 1 else join_chunks(got)  # as a run joins them
                for v in order:
                    procs, caches, key = versions[v]
                    doc = tagged.copy()  # each version refines its own copy, not timed
                    t0 = time.perf_counter()
                    doc.user_data[key] = "\n\n".join(texts)
                    for proc in procs:
                        doc = proc(doc)
                    took[v] += time.perf_counter() - t0
                    if r == 0:
                        found[v].append([(e.start_char, e.end_char, e.label_) for e in doc.ents])
            ner_best = min(ner_best, time.perf_counter() - start - sum(took.values()))
            if r == 0 and found["rev"] != found["now"]:
                changed = sum(a != b for a, b in zip(found["rev"], found["now"]))
                if not args.allow_changes:
                    raise SystemExit(f"{name}: the two versions give different entities ({changed} documents; "
                                     "--allow-changes to time them anyway)")
                print(f"({name}: entities differ in {changed} of {len(groups)} documents)")
            for v in versions:
                spent[v].append(took[v])
            for v in versions:  # each repeat starts cold, as a run over new documents does
                for cached in versions[v][1]:
                    cached.cache_clear()
        best = {v: min(x) for v, x in spent.items()}
        med = {v: statistics.median(x) for v, x in spent.items()}
        print(f"| {name} | {best['rev']:.3f} | {best['now']:.3f} | {med['rev']:.3f} | {med['now']:.3f} | "
              f"{best['rev'] / ner_best:.3f} | {best['now'] / ner_best:.3f} |")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
