"""Fine-tune en_core_web_sm's NER on passages written from real cluster news; writes pipeline/data/ner.

    python tools/train_ner.py                     # corpus/entities_train.jsonl → pipeline/data/ner
    python tools/train_ner.py --epochs 10 --out /tmp/ner --eval ../shared/realdev/passages.jsonl

The gold passages carry ORG, GPE, LOC, DATE and PERSON (corpus/LABELLING.md's entity rule, as in
README "Entities"). On the same text the base model's other labels (MONEY, NORP, CARDINAL, …) are
kept as it predicts them, a rehearsal so the tuned model does not forget them. In en_core_web_sm
the NER has its own tok2vec, so only ``ner`` is trained and saved (about 6 MB); the tagger and
parser are untouched, and the tuned NER runs exactly as fast as the base one (bench/entities.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.annotate import TUNED_META, TUNED_NER, resolve_spacy_model  # noqa: E402

GOLD_LABELS = ("ORG", "GPE", "LOC", "DATE", "PERSON")
DEFAULT_TRAIN = ROOT / "corpus" / "entities_train.jsonl"


def examples_for(nlp, passages: list[dict]) -> list:
    """Gold spans for the five labels, and the base model's own spans for every other label."""
    from spacy.training import Example
    from spacy.util import filter_spans

    out = []
    for p, predicted in zip(passages, nlp.pipe([p["text"] for p in passages], batch_size=64)):
        doc = nlp.make_doc(p["text"])
        gold = [doc.char_span(e["start"], e["end"], label=e["label"], alignment_mode="expand")
                for e in p["entities"]]
        gold = [s for s in gold if s is not None]
        taken = {i for s in gold for i in range(s.start, s.end)}
        rehearsal = [doc.char_span(e.start_char, e.end_char, label=e.label_) for e in predicted.ents
                     if e.label_ not in GOLD_LABELS and not taken.intersection(range(e.start, e.end))]
        doc.ents = filter_spans(gold + [s for s in rehearsal if s is not None])
        out.append(Example(nlp.make_doc(p["text"]), doc))
    return out


def train_ner(base: str, passages: list[dict], *, epochs: int, seed: int, drop: float = 0.25,
              learn_rate: float = 0.0005):
    """The base pipeline with its ``ner`` updated on ``passages`` (other components untouched)."""
    import spacy
    from spacy.util import compounding, fix_random_seed, minibatch

    fix_random_seed(seed)
    nlp = spacy.load(base)
    examples = examples_for(nlp, passages)
    rng = random.Random(seed)
    with nlp.select_pipes(enable=["ner"]):
        optimizer = nlp.resume_training()
        optimizer.learn_rate = learn_rate
        for epoch in range(epochs):
            rng.shuffle(examples)
            losses: dict = {}
            for batch in minibatch(examples, size=compounding(8.0, 32.0, 1.001)):
                nlp.update(batch, sgd=optimizer, drop=drop, losses=losses)
            print(f"epoch {epoch + 1}/{epochs}: ner loss {losses.get('ner', 0.0):.1f}", file=sys.stderr)
    return nlp


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    ap.add_argument("--out", type=Path, default=TUNED_NER)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import spacy

    base = resolve_spacy_model()
    passages = [json.loads(line) for line in args.train.read_text(encoding="utf-8").splitlines() if line.strip()]
    nlp = train_ner(base, passages, epochs=args.epochs, seed=args.seed)
    ner = nlp.get_pipe("ner")
    args.out.mkdir(parents=True, exist_ok=True)
    ner.to_disk(args.out, exclude=["vocab"])
    digest = hashlib.sha256((args.out / "model").read_bytes()).hexdigest()[:12]
    meta = {
        "id": f"ner-tuned-{digest}",
        "base": f"{base} {nlp.meta.get('version')} (spaCy {spacy.__version__})",
        "licence": "MIT, as en_core_web_sm; the training passages are this project's own writing",
        "train": str(args.train.relative_to(ROOT) if args.train.is_relative_to(ROOT) else args.train),
        "passages": len(passages),
        "epochs": args.epochs,
        "seed": args.seed,
        "recipe": "python tools/train_ner.py",
    }
    (args.out / TUNED_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({meta['id']})", file=sys.stderr)


if __name__ == "__main__":
    main()
