"""`lessons report`: one self-contained HTML page about a run, to open from disk, share or print to PDF.

Everything is inline: the style sheet, the charts (SVG, see ``charts.py``) and no script at all.
A Content-Security-Policy meta element (``default-src 'none'``) makes the promise enforceable: a
browser opening the page fetches nothing, even if some text slipped through unescaped. Every
piece of document text (titles, sections, passages, names) is HTML-escaped, and only plain
http(s) addresses become links.

Counts are per story: documents marked ``duplicate_of`` another (and their passages) are left out
of every count, chart and digest entry, and the summary says how many.
"""

from __future__ import annotations

import html
import os
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from . import charts
from .digest import (Citation, Digest, build_digest, duplicate_documents, duplicates_note, in_duplicate,
                     run_theme_ids, safe_url)
from .errors import SetupError
from .names import unescape_name
from .outputs import write_text_atomic
from .review import PERSON, PLACE_LABELS, DocumentMeta, document_meta, iter_records, read_manifest, theme_names

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
HEATMAP_ROWS = 40
TOP_NAMES = 5
MONTHLY_SPAN = 36  # months; a longer span is shown by year
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?")


@dataclass
class RunCounts:
    """What the report shows, counted over a run's passages in one pass, each story once."""

    theme_ids: list[str]
    docs: dict[str, DocumentMeta]
    passages: int = 0
    lessons: int = 0
    passages_by_theme: Counter = field(default_factory=Counter)
    lessons_by_theme: Counter = field(default_factory=Counter)
    doc_passages: Counter = field(default_factory=Counter)
    doc_lessons: Counter = field(default_factory=Counter)
    doc_themes: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    organisations: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    places: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    people: defaultdict = field(default_factory=lambda: defaultdict(Counter))

    @property
    def duplicates(self) -> int:
        return duplicate_documents(self.docs)

    @property
    def counted_docs(self) -> list[str]:
        return [doc_id for doc_id, d in self.docs.items() if not d.duplicate_of]


def count_run(records: Iterable[dict], docs: dict[str, DocumentMeta], theme_ids: list[str]) -> RunCounts:
    """Passages, lessons, themes per document and names per theme over ``records``, duplicates left out.

    A name counts once per passage that mentions it, however often the passage repeats it."""
    c = RunCounts(theme_ids, docs)
    for rec in records:
        if in_duplicate(rec, docs):
            continue
        doc = rec["doc_id"]
        ids = [t["id"] for t in rec.get("themes", [])]
        c.passages += 1
        c.doc_passages[doc] += 1
        c.passages_by_theme.update(ids)
        c.doc_themes[doc].update(ids)
        if rec.get("is_lesson"):
            c.lessons += 1
            c.doc_lessons[doc] += 1
            c.lessons_by_theme.update(ids)
        ents = rec.get("entities", [])
        for label_set, by_theme in (({"ORG"}, c.organisations), (PLACE_LABELS, c.places), ({PERSON}, c.people)):
            # In order of mention, not a set's: ties in the top five must not depend on string hashing.
            names = list(dict.fromkeys(e.get("norm") or e["text"] for e in ents if e["label"] in label_set))
            for tid in ids:
                by_theme[tid].update(names)
    return c


def source_file(doc_id: str, meta: DocumentMeta, docs_dir: str | None) -> Path | None:
    """The document's source file on this machine, or None when it is not (or no longer) there.

    ``path`` in documents.jsonl is as the run was given it, often relative to wherever the run
    started; the manifest's ``docs_dir`` is absolute, and the last parts of ``path`` (as many as
    ``doc_id`` has, a feed item ``news/feed.jsonl:3`` as many as its file) are the file within it."""
    if not meta.path:
        return None
    path = Path(unescape_name(meta.path))
    candidates = [path] if path.is_absolute() else []
    if docs_dir:
        candidates.append(Path(unescape_name(docs_dir)).joinpath(*path.parts[-(doc_id.count("/") + 1):]))
    return next((p for p in candidates if p.is_file()), None)


def file_href(target: Path, base_dir: Path) -> str:
    """A relative URL from a page in ``base_dir`` to ``target``: it keeps working when both move together."""
    rel = os.path.relpath(target.resolve(), base_dir.resolve())
    return quote(os.fsencode(Path(rel).as_posix()))


# ---- the page ------------------------------------------------------------------------------------
def e(text: object) -> str:
    return html.escape(str(text), quote=True)


STYLE = """
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5b6570; --rule: #d5dbe1; --accent: #08519c; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink);
       max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid var(--rule); padding-bottom: .2rem;
     margin-top: 2.5rem; } h3 { margin-top: 1.6rem; }
a { color: var(--accent); } nav ol { columns: 2; padding-left: 1.2rem; } .muted, figcaption { color: var(--muted); }
figure { margin: 1rem 0; } figure svg { display: block; max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #f1f4f7; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.duplicate td { color: var(--muted); } tr:target td { background: #fff5cc; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.summary dt { font-weight: 600; } dl.summary dd { margin: 0; overflow-wrap: break-word; }
ol.lessons > li { margin-bottom: 1.2rem; }
blockquote { margin: .3rem 0; padding: .1rem 0 .1rem .9rem; border-left: 3px solid var(--accent); }
blockquote p { margin: .3rem 0; } ul.cites { margin: .2rem 0; font-size: .9rem; }
p.empty { font-style: italic; color: var(--muted); }
@page { size: A4; margin: 15mm; }
@media print {
  body { font-size: 10pt; max-width: none; padding: 0; }
  nav { display: none; }
  section { break-before: page; } section#summary { break-before: auto; }
  h2, h3 { break-after: avoid; } figure, tr, ol.lessons > li { break-inside: avoid; }
  figure svg { width: 100%; }
  table { font-size: 8.5pt; table-layout: fixed; } th, td { padding: .15rem .3rem; }
  tr:target td { background: none; }
  a { color: inherit; text-decoration: none; }
  ul.cites a.url::after { content: " <" attr(href) ">"; font-size: 8pt; overflow-wrap: anywhere; }
}
"""


def page(title: str, body: str) -> str:
    """A complete HTML page that loads nothing: inline style, no script, a policy that forbids fetching."""
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="referrer" content="no-referrer">\n'
            f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


@dataclass(frozen=True)
class _Context:
    """What every section needs: the counts, theme names, document anchors and where the page will live."""

    counts: RunCounts
    names: Mapping[str, str]
    manifest: dict
    base_dir: Path
    anchors: dict[str, str]

    def theme(self, tid: str) -> str:
        return self.names.get(tid, tid)

    def title(self, doc_id: str) -> str:
        meta = self.counts.docs.get(doc_id)
        return (meta.title if meta and meta.title else None) or doc_id


def _section(sid: str, heading: str, body: str) -> str:
    return f'<section id="{sid}">\n<h2>{e(heading)}</h2>\n{body}\n</section>'


def _figure(svg: str, caption: str) -> str:
    return f"<figure>\n{svg}\n<figcaption>{caption}</figcaption>\n</figure>"


def _empty(text: str) -> str:
    return f'<p class="empty">{e(text)}</p>'


def _summary(ctx: _Context, digest: Digest) -> str:
    m, c = ctx.manifest, ctx.counts
    versions = m.get("versions") if isinstance(m.get("versions"), dict) else {}
    rows = [("Input folder", m.get("docs_dir")), ("Output folder", m.get("out_dir")),
            ("Run", f"{m['started']} to {m['finished']}" if m.get("started") and m.get("finished") else None),
            ("Model", versions.get("classifier")), ("Codebook", m.get("codebook_path")),
            ("Documents", f"{len(c.counted_docs)} counted"
                          + (f"; {duplicates_note(c.duplicates)} (each repeats a story counted once)"
                             if c.duplicates else "")),
            ("Passages", f"{c.passages}, of which {c.lessons} state a lesson"),
            ("Digest", f"{digest.passages} lesson passages, quoted in {sum(len(t.lessons) for t in digest.themes)} "
                       "entries under their themes (a passage with two themes is under both)")]
    failed = (m.get("counts") or {}).get("documents_failed") if isinstance(m.get("counts"), dict) else None
    if failed:
        rows.append(("Failed files", f"{failed} (see errors.jsonl in the output folder)"))
    body = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows if v is not None)
    note = "" if m else '<p class="muted">The run has no readable manifest.json, so its details are unknown.</p>'
    return _section("summary", "Run summary", f'<dl class="summary">{body}</dl>{note}')


def _themes_chart(ctx: _Context) -> str:
    c = ctx.counts
    if not c.passages:
        return _section("themes", "Passages and lessons per theme", _empty("No passages in this run."))
    svg = charts.bar_chart([ctx.theme(t) for t in c.theme_ids],
                           {"passages": [c.passages_by_theme[t] for t in c.theme_ids],
                            "lesson passages": [c.lessons_by_theme[t] for t in c.theme_ids]},
                           xlabel="passages tagged with the theme", chart_id="chart-themes")
    caption = (f"Passages tagged with each theme, and those of them that state a lesson. A passage can carry "
               f"several themes. {c.passages} passages in all, {c.lessons} lessons.")
    return _section("themes", "Passages and lessons per theme", _figure(svg, e(caption)))


def _heatmap(ctx: _Context) -> str:
    c = ctx.counts
    tagged = [d for d in c.counted_docs if sum(c.doc_themes[d].values())]
    if not tagged:
        return _section("heatmap", "Themes by document", _empty("No passage is tagged with a theme."))
    shown = set(sorted(tagged, key=lambda d: -sum(c.doc_themes[d].values()))[:HEATMAP_ROWS])
    rows = [d for d in tagged if d in shown]
    svg = charts.heatmap([ctx.title(d) for d in rows], [ctx.theme(t) for t in c.theme_ids],
                         [[c.doc_themes[d][t] for t in c.theme_ids] for d in rows], chart_id="chart-heatmap")
    caption = "Passages of each document tagged with each theme."
    if len(rows) < len(tagged):
        caption += f" The {len(rows)} documents with the most tagged passages of {len(tagged)}."
    return _section("heatmap", "Themes by document", _figure(svg, e(caption)))


def period_of(published: str | None) -> tuple[int, int | None] | None:
    """(year, month) of a published date ("2024-03-19", "2024-03", "2024"); month None when not given."""
    m = _DATE.match(published or "")
    if not m:
        return None
    month = int(m.group(2)) if m.group(2) and 1 <= int(m.group(2)) <= 12 else None
    return int(m.group(1)), month


def periods(dated: Iterable[tuple[int, int | None]]) -> tuple[str, list[str], Callable[[tuple], str]]:
    """"month" or "year", every period from the first date to the last (none skipped, so gaps show), and a date's label.

    By month while the dates span at most ``MONTHLY_SPAN`` months and all have a month, else by year."""
    dated = list(dated)
    first, last = min(dated, key=lambda p: (p[0], p[1] or 0)), max(dated, key=lambda p: (p[0], p[1] or 0))
    monthly = all(m for _, m in dated) and (last[0] - first[0]) * 12 + last[1] - first[1] < MONTHLY_SPAN
    if monthly:
        labels = [f"{y}-{m:02d}" for y in range(first[0], last[0] + 1) for m in range(1, 13)
                  if (first[0], first[1]) <= (y, m) <= (last[0], last[1])]
        return "month", labels, lambda p: f"{p[0]}-{p[1]:02d}"
    return "year", [str(y) for y in range(first[0], last[0] + 1)], lambda p: str(p[0])


def _over_time(ctx: _Context) -> str:
    c = ctx.counts
    when = {d: period_of(c.docs[d].published) for d in c.counted_docs}
    undated = sum(1 for p in when.values() if p is None)
    note = (f" {undated} of {len(when)} documents have no published date and are not shown." if undated else "")
    dated = {d: p for d, p in when.items() if p is not None}
    if not dated:
        return _section("over-time", "Themes over time",
                        _empty("No document has a published date, so there is no timeline." + note))
    unit, labels, label_of = periods(dated.values())
    grid = {t: Counter() for t in c.theme_ids}
    for d, p in dated.items():
        for t in c.doc_themes[d]:
            if t in grid:
                grid[t][label_of(p)] += 1
    svg = charts.heatmap([ctx.theme(t) for t in c.theme_ids], labels,
                         [[grid[t][x] for x in labels] for t in c.theme_ids], chart_id="chart-time")
    caption = (f"Documents with at least one passage tagged with the theme, by {unit}"
               f" of publication.{note}")
    return _section("over-time", "Themes over time", _figure(svg, e(caption)))


def _names(counter: Counter) -> str:
    return "; ".join(f"{e(name)} ({n})" for name, n in counter.most_common(TOP_NAMES)) or "–"


def _entities(ctx: _Context) -> str:
    c = ctx.counts
    if not any(c.organisations.values()) and not any(c.places.values()) and not any(c.people.values()):
        return _section("names", "Organisations, places and people per theme",
                        _empty("No organisations, places or people were found in tagged passages."))
    rows = "".join(f"<tr><th>{e(ctx.theme(t))}</th><td>{_names(c.organisations[t])}</td>"
                   f"<td>{_names(c.places[t])}</td><td>{_names(c.people[t])}</td></tr>" for t in c.theme_ids)
    table = ("<table><thead><tr><th>theme</th><th>organisations</th><th>places</th><th>people</th></tr></thead>"
             f"<tbody>{rows}</tbody></table>")
    caption = (f'<p class="muted">The {TOP_NAMES} names most often mentioned in passages tagged with each theme, '
               "with the number of such passages naming them (canonical names: “BHC” counts as its full name).</p>")
    return _section("names", "Organisations, places and people per theme", table + caption)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{e(line.strip())}</p>" for line in text.splitlines() if line.strip())


def _citation(ctx: _Context, c: Citation) -> str:
    parts = [f'<a href="#{ctx.anchors[c.doc_id]}">{e(c.title or c.doc_id)}</a>' if c.doc_id in ctx.anchors
             else e(c.title or c.doc_id)]
    if c.section:
        parts.append(f"section “{e(c.section)}”")
    parts.append(e(c.published or "no date"))
    url = safe_url(c.url)
    if url:
        parts.append(f'<a class="url" href="{e(url)}" rel="noopener noreferrer">{e(url)}</a>')
    return f'<li title="{e(c.passage_id)}">{", ".join(parts)}</li>'


def digest_section(ctx: _Context, digest: Digest) -> str:
    """The digest as HTML: per theme, the lessons best first, each quoted once with every place it is stated."""
    intro = ("Lesson passages best first (lesson score × theme score"
             + (f"; lesson score at least {digest.min_score:g}" if digest.min_score is not None else "")
             + "). A lesson stated in several passages, reworded a little, is quoted once (as its best passage) "
               "and cites each; the links lead to the document table."
             + (f" {duplicates_note(digest.duplicates)}." if digest.duplicates else ""))
    intro = f'<p class="muted">{e(intro)}</p>'
    if not digest.passages:
        return _section("digest", "Lessons digest", _empty("No lesson passages in this run."))
    parts = [intro]
    for t in digest.themes:
        parts.append(f'<h3 id="digest-{e(t.theme_id)}">{e(t.name)} <span class="muted">({len(t.lessons)})</span></h3>')
        if not t.lessons:
            parts.append(_empty("No lesson passages."))
            continue
        items = "".join(f'<li><blockquote>{_paragraphs(lesson.text)}</blockquote><ul class="cites">'
                        + "".join(_citation(ctx, c) for c in lesson.citations) + "</ul></li>"
                        for lesson in t.lessons)
        parts.append(f'<ol class="lessons">{items}</ol>')
    return _section("digest", "Lessons digest", "\n".join(parts))


def _documents(ctx: _Context) -> str:
    c = ctx.counts
    if not c.docs:
        return _section("documents", "Documents", _empty("No documents in this run."))
    docs_dir = ctx.manifest.get("docs_dir") if isinstance(ctx.manifest.get("docs_dir"), str) else None
    rows = []
    for doc_id, meta in c.docs.items():
        url = safe_url(meta.url)
        title = e(meta.title or doc_id)
        title = f'<a href="{e(url)}" rel="noopener noreferrer">{title}</a>' if url else title
        source = source_file(doc_id, meta, docs_dir)
        where = (f'<a href="{e(file_href(source, ctx.base_dir))}">{e(doc_id)}</a>' if source else e(doc_id))
        if meta.duplicate_of:
            kept = (f'<a href="#{ctx.anchors[meta.duplicate_of]}">{e(ctx.title(meta.duplicate_of))}</a>'
                    if meta.duplicate_of in ctx.anchors else e(meta.duplicate_of))
            themes, n_pass, n_less, cls = f"duplicate of {kept}; not counted", "–", "–", ' class="duplicate"'
        else:
            themes = ", ".join(f"{e(ctx.theme(t))} ({n})" for t, n in sorted(
                c.doc_themes[doc_id].items(), key=lambda tn: c.theme_ids.index(tn[0]) if tn[0] in c.theme_ids else 99))
            n_pass, n_less, cls = str(c.doc_passages[doc_id]), str(c.doc_lessons[doc_id]), ""
        rows.append(f'<tr id="{ctx.anchors[doc_id]}"{cls}><td>{title}<br><span class="muted">{where}</span></td>'
                    f"<td>{e(meta.published or '–')}</td><td>{e(meta.format or '')}</td>"
                    f'<td class="n">{n_pass}</td><td class="n">{n_less}</td><td>{themes or "–"}</td></tr>')
    table = ('<table class="documents"><colgroup><col style="width:34%"><col style="width:10%">'
             '<col style="width:7%"><col style="width:8%"><col style="width:8%"><col style="width:33%"></colgroup>'
             '<thead><tr><th>title and source</th><th>date</th><th>format</th><th class="n">passages</th>'
             f'<th class="n">lessons</th><th>themes (passages)</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    return _section("documents", "Documents", table)


_SECTIONS = {"summary": "Run summary", "themes": "Passages and lessons per theme", "heatmap": "Themes by document",
             "over-time": "Themes over time", "names": "Organisations, places and people per theme",
             "digest": "Lessons digest", "documents": "Documents"}


def render_report(out_dir: str | Path, base_dir: str | Path, *, theme: str | None = None,
                  min_score: float | None = None, digest_only: bool = False) -> str:
    """The report page of a run, its links relative to ``base_dir`` (the folder the page is written to).

    ``digest_only`` gives the digest and the document table its citations link to; ``theme`` and
    ``min_score`` narrow the digest (see ``digest.build_digest``)."""
    manifest = read_manifest(out_dir)
    docs = document_meta(out_dir)
    theme_ids = run_theme_ids(out_dir)
    names = theme_names(out_dir)
    # One pass over passages.jsonl: the counts see every record, the digest only needs the lessons.
    lessons: list[dict] = []
    counts = count_run(_keeping_lessons(iter_records(out_dir), lessons), docs, theme_ids)
    digest = build_digest(lessons, docs, [theme] if theme else theme_ids, names, min_score=min_score)
    ctx = _Context(counts, names, manifest, Path(base_dir), {d: f"doc-{n}" for n, d in enumerate(docs, 1)})
    folder = manifest.get("docs_dir") or str(out_dir)
    if digest_only:
        sections = [digest_section(ctx, digest), _documents(ctx)]
        title = f"Lessons digest: {folder}"
        nav = ""
    else:
        sections = [_summary(ctx, digest), _themes_chart(ctx), _heatmap(ctx), _over_time(ctx), _entities(ctx),
                    digest_section(ctx, digest), _documents(ctx)]
        title = f"Cluster Lessons report: {folder}"
        nav = "<nav><ol>" + "".join(f'<li><a href="#{k}">{e(v)}</a></li>' for k, v in _SECTIONS.items()) + "</ol></nav>"
    header = f"<header><h1>{e(title)}</h1>{nav}</header>"
    return page(title, header + "\n" + "\n".join(sections))


def write_page(path: str | Path, text: str) -> Path:
    """Write a report, digest or other page to ``path`` atomically; a folder that is not there is a SetupError."""
    path = Path(path)
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise SetupError(f"cannot write {path}: {exc.strerror or exc}", kind="out_file", path=str(path)) from None
    return path


def _keeping_lessons(records: Iterable[dict], lessons: list[dict]) -> Iterator[dict]:
    """``records`` passed through, the lesson passages among them also appended to ``lessons``."""
    for rec in records:
        if rec.get("is_lesson"):
            lessons.append(rec)
        yield rec


def write_report(out_dir: str | Path, html_file: str | Path, **kwargs) -> Path:
    """Write the report page of ``out_dir`` to ``html_file``; keyword arguments as ``render_report``."""
    return write_page(html_file, render_report(out_dir, Path(html_file).parent, **kwargs))
