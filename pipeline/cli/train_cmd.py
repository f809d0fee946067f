"""`lessons train`, `lessons evaluate`, `lessons evaluate-entities` and `lessons agreement`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import LessonsError
from . import EXIT_FAILED, EXIT_USAGE, ReportFormat, _console, _fail, app


@app.command()
def train(
    labels: Annotated[Optional[list[Path]], typer.Option("--labels", "-l", help="Labels JSONL file or folder; repeatable (a later file's label for the same text wins).")] = None,
    corrections: Annotated[Optional[list[Path]], typer.Option("--corrections", "-c", help="Corrections JSONL written by reviewers; repeatable. Overrides the labels' label for the same text (latest reviewed_at wins).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")] = Path("models/default"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same data and seed give the same model.")] = 0,
    features: Annotated[str, typer.Option("--features", help="tfidf|encoder (default: TF-IDF and sentence-encoder models averaged, best on real text), tfidf+encoder, encoder, or tfidf (fastest).")] = "tfidf|encoder",
) -> None:
    """Train the theme and lesson classifier and print its cross-validated figures.

    Without --labels it trains on corpus/labels and corpus/grounded/train (never on the frozen
    corpus/grounded/test.jsonl). A --corrections file relabels the passages reviewers decided on
    and adds those the labels lack. Thresholds are fitted on out-of-fold scores of the real-grounded
    passages, so corrections change the model, not the cut-offs."""
    from ..classify import feature_blocks
    from ..codebook import load_codebook
    from ..corrections import merge_corrections, read_corrections
    from ..labels import DEFAULT_LABELS, read_labels
    from ..modelstore import check_model_out_dir, save_model
    from ..train import train_model

    console = _console()
    try:
        check_model_out_dir(out)  # before minutes of training, not after
        cb = load_codebook(codebook)
        try:
            feature_blocks(features)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--features") from None
        items = read_labels(labels or list(DEFAULT_LABELS), cb.ids)
        merged = None
        if corrections:
            items, merged = merge_corrections(items, read_corrections(corrections, cb.ids))
            _print_merge(console, merged, cb.ids)
        console.print(f"training on {len(items)} passages from {len({i.doc for i in items})} documents …")
        result = train_model(items, cb, seed=seed, params={"features": features})
        if merged:
            result.card["training_data"]["corrections"] = merged.to_json()
        save_model(result.model, out, result.card)
    except LessonsError as exc:
        raise _fail(exc) from None
    except ValueError as exc:
        console.print(f"error (labels): {exc}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    stdout = _console(stderr=False)
    for report in result.reports.values():
        _print_report(stdout, report, title=f"model {result.card['id']}: {report['protocol']}")
        stdout.print()
    stdout.print(f"thresholds fitted on {result.card['threshold_source']}")
    stdout.print(f"training {result.card['train_seconds']:.0f} s, prediction {result.card['passages_per_second']:,} passages/s")
    console.print(f"model written to {out}")


@app.command()
def evaluate(
    labels: Annotated[list[Path], typer.Option("--labels", "-l", help="Held-out labels JSONL (file or folder).")],
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="Model directory (default models/default).")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
) -> None:
    """Score a model on labelled passages: per-theme P/R/F1, micro/macro F1, lesson F1, confusions."""
    from ..codebook import load_codebook
    from ..labels import read_labels
    from ..modelstore import DEFAULT_MODEL_DIR, load_model
    from ..train import evaluate_model

    try:
        cb = load_codebook(codebook)
        m, card = load_model(model or DEFAULT_MODEL_DIR, cb)
        items = read_labels(labels, cb.ids)
    except LessonsError as exc:
        raise _fail(exc) from None
    report = evaluate_model(m, items, card)
    seen = report.get("seen_in_training")
    if seen:
        _console().print(f"warning: {seen} of {len(items)} passages were in this model's training data, so these "
                         "figures are optimistic; evaluate on passages it has not seen (the held-out figures "
                         "from `lessons train` are the fair ones)", markup=False, soft_wrap=True)
    if fmt is ReportFormat.json:
        print(json.dumps(report, indent=2))
    else:
        _print_report(_console(stderr=False), report, title=f"model {card['id']} on {len(items)} passages")


@app.command("evaluate-entities")
def evaluate_entities(
    gold: Annotated[Optional[Path], typer.Option("--gold", "-g", help="Gold JSONL: {text, entities:[{text,label,start,end}], doc} (default corpus/entities_gold.jsonl).")] = None,
    spacy_model: Annotated[str, typer.Option("--spacy-model", help="spaCy pipeline; 'auto' as for run.")] = "auto",
    gazetteer: Annotated[Optional[Path], typer.Option("--gazetteer", help="Gazetteer TOML to include.")] = None,
    part: Annotated[Optional[list[str]], typer.Option("--part", help="Only gold passages of this part (repeatable; corpus/entities_gold.jsonl has AB, C, D and the frozen test part E).")] = None,
    loose: Annotated[bool, typer.Option("--loose", help="Forgive a leading 'the' and a trailing possessive on either side.")] = False,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
) -> None:
    """Entity precision/recall/F1 per label (ORG, places, DATE, PERSON): raw spaCy, the tuned NER, and ours."""
    from ..entity_eval import DEFAULT_GOLD, GROUP_ORDER, compare_pipelines, read_gold

    try:
        items = read_gold(gold or DEFAULT_GOLD, part)
        reports = compare_pipelines(items, spacy_model, gazetteer, loose)
    except LessonsError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        _console().print(f"error (gold): cannot read {gold}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    if fmt is ReportFormat.json:
        print(json.dumps(reports | {"passages": len(items), "loose": loose}, indent=2))
        return
    from rich.table import Table

    where = f"{gold or DEFAULT_GOLD}" + (f", part {', '.join(part)}" if part else "") + ("; loose spans" if loose else "")
    t = Table(title=f"entities on {len(items)} gold passages ({where})", title_justify="left")
    tuned = "tuned_ner" in reports
    for col in ("label", "support", "raw F1", *(("tuned NER F1",) if tuned else ()), "ours P", "ours R", "ours F1"):
        t.add_column(col, justify="left" if col == "label" else "right")
    for grp in [*GROUP_ORDER, "all"]:
        ours = reports["cluster_lessons"][grp]
        t.add_row(grp, str(ours["support"]), f"{reports['raw_spacy'][grp]['f1']:.3f}",
                  *((f"{reports['tuned_ner'][grp]['f1']:.3f}",) if tuned else ()),
                  *(f"{ours[k]:.3f}" for k in ("precision", "recall", "f1")))
    _console(stderr=False).print(t)


def _print_merge(console, m, theme_ids: list[str]) -> None:
    from ..records import printable

    console.print(f"corrections: {m.read} lines read, {m.corrections} passages decided; {m.overrides} override the "
                  f"labels, {m.confirmed} agree with them, {m.new} new passages", markup=False, soft_wrap=True)
    if m.conflicts:
        console.print(f"conflicts between reviewers: {len(m.conflicts)} (the later decision is used)", markup=False)
        for c in m.conflicts:
            k, o = c.kept, c.overruled
            console.print(printable(f"  {k.passage_id}: {k.reviewer} {_labels(k)} ({k.reviewed_at:%Y-%m-%d %H:%M}) "
                                    f"over {o.reviewer} {_labels(o)} ({o.reviewed_at:%Y-%m-%d %H:%M})"),
                          markup=False, soft_wrap=True)
    changed = [(t, m.gained.get(t, 0), m.lost.get(t, 0)) for t in [*theme_ids, "is_lesson"]
               if m.gained.get(t) or m.lost.get(t)]
    if changed:
        console.print("positives changed: " + ", ".join(f"{t} +{g} -{lo}" for t, g, lo in changed), markup=False,
                      soft_wrap=True)


def _labels(c) -> str:
    return "[" + ", ".join([*c.themes, *(["lesson"] if c.is_lesson else [])]) + "]"


@app.command()
def agreement(
    corrections: Annotated[Path, typer.Argument(metavar="CORRECTIONS", help="Corrections JSONL (the first coder: its reviewers).")],
    model: Annotated[Optional[Path], typer.Option("--model", "-m", help="Compare with this model's predictions now, instead of what the model said at review time.")] = None,
    other: Annotated[Optional[Path], typer.Option("--with", help="Another reviewer's corrections JSONL: compare the two on the passages both reviewed.")] = None,
    codebook: Annotated[Optional[Path], typer.Option("--codebook", help="Codebook TOML (default corpus/codebook.toml).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f")] = ReportFormat.table,
    disagreements: Annotated[Optional[Path], typer.Option("--disagreements", help="Write the passages where the coders differ to this JSONL file.")] = None,
) -> None:
    """Cohen's kappa and P/R/F1 per theme: the model against the reviewer, or two reviewers against each other.

    Without --model or --with the model's side is the labelling recorded in each correction's
    `before`, i.e. what the reviewer was shown."""
    from ..agreement import agreement_report, disagreements as differing, model_pairs, predicted_pairs, reviewer_pairs
    from ..codebook import load_codebook
    from ..corrections import read_corrections
    from ..outputs import AtomicJsonl

    if model and other:
        _console().print("error (usage): give --model or --with, not both", markup=False)
        raise typer.Exit(EXIT_USAGE)
    try:
        cb = load_codebook(codebook)
        first = read_corrections([corrections], cb.ids)
        names = (_reviewers(first), "")
        if other:
            second = read_corrections([other], cb.ids)
            pairs, names = reviewer_pairs(first, second), (names[0], _reviewers(second))
        elif model:
            from ..modelstore import load_model

            fitted, card = load_model(model, cb)
            pairs, names = predicted_pairs(first, fitted), (names[0], f"model {card['id']}")
        else:
            pairs = model_pairs(first)
            ids = sorted({c.model for c in first.corrections if c.model})
            names = (names[0], "model at review time" + (f" ({', '.join(ids)})" if ids else ""))
        report = agreement_report(pairs, cb.ids) | {"first": names[0], "second": names[1]}
        if disagreements:
            out = AtomicJsonl(disagreements)
            try:
                for rec in differing(pairs, names):
                    out.write(rec)
                out.commit()
            finally:
                out.discard()  # after a commit there is nothing left to discard
    except LessonsError as exc:
        raise _fail(exc) from None
    except OSError as exc:
        _console().print(f"error (write): cannot write {disagreements}: {exc.strerror or exc}", markup=False)
        raise typer.Exit(EXIT_FAILED) from None
    if fmt is ReportFormat.json:
        print(json.dumps(report, indent=2))
    else:
        _print_agreement(_console(stderr=False), report)


def _reviewers(found) -> str:
    return ", ".join(sorted({c.reviewer for c in found.corrections})) or "nobody"


def _print_agreement(console, r: dict) -> None:
    from rich.table import Table

    from ..records import printable

    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    t = Table(title=printable(f"{r['second']} against {r['first']} on {r['passages']} passages"), title_justify="left")
    for col in ("theme", "kappa", "agreement", "precision", "recall", "F1", "first +", "second +"):
        t.add_column(col, justify="left" if col == "theme" else "right")
    for tid, v in [*r["per_theme"].items(), ("is_lesson", r["lesson"])]:
        t.add_row(tid, num(v["kappa"]), num(v["agreement"]), num(v["precision"]), num(v["recall"]), num(v["f1"]),
                  str(v["positives_first"]), str(v["positives_second"]))
    console.print(t)
    console.print(f"kappa pooled over all theme decisions {num(r['kappa_pooled'])}, mean over themes "
                  f"{num(r['kappa_mean'])}; micro-F1 {r['micro_f1']:.3f}, macro-F1 {r['macro_f1']:.3f}; "
                  f"{r['passages_in_full_agreement']} of {r['passages']} passages in full agreement", markup=False)


def _print_report(console, report: dict, title: str) -> None:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for col in ("theme", "precision", "recall", "F1", "support"):
        t.add_column(col, justify="left" if col == "theme" else "right")
    for tid, v in report["per_theme"].items():
        t.add_row(tid, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))
    if "lesson" in report:
        v = report["lesson"]
        t.add_row("is_lesson", f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]))
    console.print(t)
    ap = f"   mean AP {report['mean_ap']:.3f}" if "mean_ap" in report else ""
    console.print(f"macro-F1 {report['macro_f1']:.3f}   micro-F1 {report['micro_f1']:.3f}   "
                  f"lesson F1 {report.get('lesson_f1', 0):.3f}{ap}   passages {report['n']}")
    if report.get("confused_pairs"):
        console.print("most confused (gold → predicted instead): " + ", ".join(
            f"{c['gold']} → {c['predicted']} ({c['count']})" for c in report["confused_pairs"]))
