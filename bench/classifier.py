"""Which theme model to ship: every candidate on corpus CV, real-grounded CV, the real dev set and
(at the end only) the frozen real-grounded test split.

    python bench/classifier.py [--rows tfidf,encoder,...] [--with-test] [--finetune] [--out bench/_work/classifier.json]

Every model trains on ``corpus/labels`` + ``corpus/grounded/train`` and gets its thresholds the
same way as the shipped trainer: fitted on out-of-fold scores of the real-grounded passages
(grouped by source page). Columns:

* **corpus CV**: out-of-fold figures over all training passages (imagined and real-grounded),
  5 folds grouped by source, each fold cut by thresholds fitted on the other folds;
* **grounded CV**: the same folds, scored on the real-grounded passages only;
* **grounded test**: the frozen test split (``corpus/grounded/test.jsonl``, pages never trained
  on); printed only with ``--with-test``, so no model choice looks at it until the end;
* **real dev**: ``../shared/realdev/passages.jsonl`` (written by other hands from 194 real pages),
  read when present; never trained on;
* passages per second on one core (classify, evidence included) and the install size the model
  adds to the default install.

Rows: ``keywords`` (the codebook's example phrases, a baseline), ``tfidf``, ``encoder``
(all-MiniLM-L6-v2, ONNX int8), ``tfidf+encoder`` (one logistic regression over both blocks),
``tfidf|encoder`` (one model per block, probabilities averaged), ``tfidf|encoder+sentences`` (the
same with lessons also scored per sentence), ``model2vec`` (static embeddings distilled from the same encoder;
needs the ``encoder-dev`` extra) and, with ``--finetune``, ``finetuned`` (MiniLM fine-tuned end to
end with a multi-label head on CPU; needs ``encoder-dev``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.classify import ThemeModel  # noqa: E402
from pipeline.codebook import load_codebook  # noqa: E402
from pipeline.evaluate import theme_report  # noqa: E402
from pipeline.labels import DEFAULT_LABELS, GROUNDED_TEST, REAL_GROUNDED, read_labels  # noqa: E402
from pipeline.train import fit_thresholds, label_matrix, train_model  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work"
REALDEV = ROOT.parent / "shared" / "realdev" / "passages.jsonl"
ENCODER_SOURCE = os.environ.get("LESSONS_ENCODER_SOURCE", "")  # a sentence-transformers folder, for model2vec/finetune
ROWS = ("keywords", "tfidf", "encoder", "model2vec", "tfidf+encoder", "tfidf|encoder", "tfidf|encoder+sentences")
ENCODER_PACKAGES = ("onnxruntime", "tokenizers", "huggingface-hub", "hf-xet", "flatbuffers", "protobuf",
                    "fsspec", "filelock", "pyyaml", "httpx2", "httpcore2", "truststore")


def install_mb(packages) -> float:
    """Disk size of installed distributions (their RECORD files), in MB."""
    from importlib.metadata import PackageNotFoundError, distribution

    total = 0
    for name in packages:
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            continue
        for f in dist.files or []:
            try:
                total += f.locate().stat().st_size
            except OSError:
                pass
    return total / 1e6


def encoder_mb() -> float:
    return install_mb(ENCODER_PACKAGES) + sum(p.stat().st_size for p in (ROOT / "pipeline" / "data" / "encoder").iterdir()) / 1e6


# ---- rows -------------------------------------------------------------------------------------
class KeywordTagger:
    """Tags a theme when one of its codebook example phrases occurs in the passage."""

    def __init__(self, codebook):
        def pattern(phrases):
            return re.compile(r"\b(?:" + "|".join(re.escape(p.lower()) for p in phrases) + r")", re.I)

        self.patterns = [pattern(t.examples) for t in codebook.themes] + [pattern(codebook.lesson_examples)]

    def predict_proba(self, texts):
        return np.array([[float(bool(p.search(t))) for p in self.patterns] for t in texts])


class Model2VecThemeModel(ThemeModel):
    """ThemeModel whose encoder block is a model2vec static model distilled from the same encoder."""

    def _make_features(self, kind):
        from sklearn.base import BaseEstimator, TransformerMixin
        from sklearn.pipeline import FeatureUnion

        if kind != "encoder":
            return super()._make_features(kind)
        static = _model2vec()

        class Static(BaseEstimator, TransformerMixin):
            def fit(self, X, y=None):
                return self

            def transform(self, X):
                v = static.encode(list(X))
                return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)

        return FeatureUnion([("static", Static())])


_M2V = None


def _model2vec():
    global _M2V
    if _M2V is None:
        from model2vec import StaticModel
        from model2vec.distill import distill

        path = WORK / "model2vec"
        if not path.exists():
            distill(model_name=ENCODER_SOURCE, pca_dims=256).save_pretrained(str(path))
        _M2V = StaticModel.from_pretrained(str(path))
    return _M2V


def speed(predict, texts) -> float:
    from pipeline.encoder import get_encoder

    predict(texts[:20])  # load sessions outside the timing
    get_encoder()._cache.clear()  # the memo would hide the encoding cost: measure it
    fresh = list(texts)
    t0 = time.perf_counter()
    predict(fresh)
    return len(fresh) / (time.perf_counter() - t0)


def scores_on(proba, thresholds, y, theme_ids) -> dict:
    T = len(theme_ids)
    pred = proba >= thresholds
    return theme_report(y[:, :T], pred[:, :T], theme_ids, y[:, T], pred[:, T], proba[:, :T], proba[:, T])


def finetune(train_items, codebook, evals: dict[str, list], seed: int = 0) -> dict:
    """Fine-tune MiniLM end to end with an 11-output head; thresholds from a grouped 20% hold-out."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.model_selection import GroupShuffleSplit

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    texts, y = label_matrix(train_items, codebook.ids)
    groups = [it.doc for it in train_items]
    grounded = np.array([it.origin == REAL_GROUNDED for it in train_items])
    fit_idx, hold_idx = next(GroupShuffleSplit(1, test_size=0.2, random_state=seed).split(texts, y, groups))
    hold_idx = hold_idx[grounded[hold_idx]]

    def train(idx):
        enc = SentenceTransformer(ENCODER_SOURCE, device="cpu")
        enc.max_seq_length = 160
        head = torch.nn.Linear(enc.get_sentence_embedding_dimension(), y.shape[1])
        opt = torch.optim.AdamW([{"params": enc.parameters(), "lr": 3e-5}, {"params": head.parameters(), "lr": 1e-3}])
        lossf = torch.nn.BCEWithLogitsLoss()
        rng = np.random.default_rng(seed)
        for _ in range(3):
            order = rng.permutation(idx)
            for b in range(0, len(order), 16):
                batch = order[b:b + 16]
                feats = enc.tokenize([texts[i] for i in batch])
                out = enc(feats)["sentence_embedding"]
                loss = lossf(head(out), torch.tensor(y[batch], dtype=torch.float32))
                opt.zero_grad()
                loss.backward()
                opt.step()
        enc.eval()

        def predict(xs):
            with torch.no_grad():
                e = enc.encode(list(xs), convert_to_tensor=True, batch_size=32)
                return torch.sigmoid(head(e)).numpy()
        return predict

    t0 = time.perf_counter()
    predict_fit = train(fit_idx)
    thresholds = fit_thresholds(predict_fit([texts[i] for i in hold_idx]), y[hold_idx])
    predict = train(np.arange(len(texts)))
    out = {"train_seconds": time.perf_counter() - t0}
    for name, items in evals.items():
        tx, ty = label_matrix(items, codebook.ids)
        out[name] = scores_on(predict(tx), thresholds, ty, codebook.ids)
    out["per_second"] = speed(predict, [it.text for it in next(iter(evals.values()))][:200])
    return out


# ---- main -------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default=",".join(ROWS))
    ap.add_argument("--with-test", action="store_true", help="also score the frozen grounded test split")
    ap.add_argument("--finetune", action="store_true", help="add the fine-tuned encoder row (slow)")
    ap.add_argument("--train", choices=("all", "grounded"), default="all",
                    help="train on imagined + real-grounded passages (default) or real-grounded only")
    ap.add_argument("--params", default="{}", help="JSON of ThemeModel parameters for every trained row (e.g. C)")
    ap.add_argument("--out", type=Path, default=WORK / "classifier.json")
    args = ap.parse_args()
    rows = [r for r in args.rows.split(",") if r]

    cb = load_codebook()
    train_items = read_labels(list(DEFAULT_LABELS) if args.train == "all" else [DEFAULT_LABELS[1]], cb.ids)
    extra = json.loads(args.params)
    evals: dict[str, list] = {}
    if args.with_test:
        evals["grounded test"] = read_labels([GROUNDED_TEST], cb.ids)
    if REALDEV.exists():
        evals["real dev"] = read_labels([REALDEV], cb.ids)
    n_grounded = sum(it.origin == REAL_GROUNDED for it in train_items)
    print(f"training passages: {len(train_items)} ({n_grounded} real-grounded); "
          + ", ".join(f"{k}: {len(v)}" for k, v in evals.items()), file=sys.stderr)
    speed_texts = [it.text for it in (evals.get("real dev") or train_items)][:300]
    results: dict[str, dict] = {}
    _, ytrain = label_matrix(train_items, cb.ids)

    def add_theme_model(name, params, cls=ThemeModel, mb=0.0):
        t0 = time.perf_counter()
        res = train_model(train_items, cb, params={**params, **extra}, estimator=cls)
        model = res.model
        row = {"train_seconds": time.perf_counter() - t0, "corpus CV": res.reports["cv"],
               "grounded CV": res.reports.get("cv_grounded"), "install_mb": mb}
        for ename, items in evals.items():
            tx, ty = label_matrix(items, cb.ids)
            row[ename] = scores_on(model.predict_proba(tx), model.thresholds_, ty, cb.ids)
        row["per_second"] = speed(model.classify, speed_texts)
        results[name] = row
        print(f"  {name}: done in {row['train_seconds']:.0f} s", file=sys.stderr)

    def add_row(name):
        if name == "keywords":
            kw = KeywordTagger(cb)
            row = {"install_mb": 0.0, "per_second": speed(kw.predict_proba, speed_texts)}
            for ename, items in evals.items():
                tx, ty = label_matrix(items, cb.ids)
                row[ename] = scores_on(kw.predict_proba(tx), np.full(ytrain.shape[1], 0.5), ty, cb.ids)
            results[name] = row
        elif name in ("tfidf", "encoder", "tfidf+encoder", "tfidf|encoder"):
            add_theme_model(name, {"features": name}, mb=0.0 if name == "tfidf" else encoder_mb())
        elif name == "tfidf|encoder+sentences":
            add_theme_model(name, {"features": "tfidf|encoder", "lesson_sentences": True}, mb=encoder_mb())
        elif name == "model2vec":
            if not ENCODER_SOURCE:
                print("  model2vec skipped: set LESSONS_ENCODER_SOURCE to a sentence-transformers folder "
                      "and install the encoder-dev extra", file=sys.stderr)
                return
            add_theme_model(name, {"features": "encoder"}, cls=Model2VecThemeModel,
                            mb=install_mb(("model2vec", "safetensors")) + 30)

    for name in rows:
        try:
            add_row(name)
        except Exception as exc:  # one broken candidate must not lose the others' figures
            print(f"  {name} failed: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        print_table(results, evals)

    if args.finetune:
        if not ENCODER_SOURCE:
            print("  finetuned skipped: set LESSONS_ENCODER_SOURCE", file=sys.stderr)
        else:
            row = finetune(train_items, cb, evals)
            row["install_mb"] = install_mb(("torch", "transformers", "sentence-transformers"))
            results["finetuned"] = row
    print_table(results, evals, final=True)
    WORK.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=float))
    print(f"\n(details in {args.out})", file=sys.stderr)


def print_table(results, evals, final=False):
    cols = ["corpus CV", "grounded CV", *evals]
    out = sys.stdout if final else sys.stderr
    head = f"{'model':15s}" + "".join(f"| {c:^25s}" for c in cols) + "| passages/s | +install MB"
    sub = f"{'':15s}" + "".join(f"| {'macro':>7s} {'lesson':>7s} {'mAP':>7s} " for _ in cols) + "|            |"
    print(head, file=out)
    print(sub, file=out)
    for name, row in results.items():
        cells = []
        for c in cols:
            r = row.get(c)
            cells.append("| " + (f"{r['macro_f1']:7.3f} {r.get('lesson_f1', 0):7.3f} {r.get('mean_ap', float('nan')):7.3f} "
                                 if r else f"{'—':>7s} {'—':>7s} {'—':>7s} "))
        print(f"{name:15s}" + "".join(cells) + f"| {row.get('per_second', 0):10.0f} | {row.get('install_mb', 0):10.0f}", file=out)


if __name__ == "__main__":
    main()
