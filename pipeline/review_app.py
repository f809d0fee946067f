"""The terminal review (``lessons annotate``): one passage at a time, single keys to decide.

The app only shows a :class:`~pipeline.review_queue.ReviewSession` and turns keys into its
methods; every decision is on disk before the next passage is shown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rich.console import Group
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Static

from .review import DocumentMeta
from .review_queue import ReviewSession

THEME_KEYS = "1234567890"  # the n-th theme of the codebook is toggled by the n-th key
ENTITY_STYLES = {"ORG": "bold cyan", "GPE": "bold green", "LOC": "green", "DATE": "magenta"}
BAR = 20
# Same length as what it replaces, so entity offsets still fit: a passage read from a hostile
# file must not drive the terminal, and its highlights must not shift.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _safe(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def passage_text(record: Mapping) -> Text:
    """The passage with its entities highlighted, one style per entity label."""
    text = Text(_safe(record["text"]))
    for e in record.get("entities", []):
        text.stylize(ENTITY_STYLES.get(e["label"], "yellow"), e["start"], e["end"])
    return text


def heading(record: Mapping, meta: DocumentMeta) -> Text:
    """Title, section and date of the passage's document."""
    parts = [(meta.title or record["doc_id"], "bold"), (record.get("section") or "", "italic"),
             (meta.published or "", "")]
    return Text(" · ").join(Text(_safe(s), style=style) for s, style in parts if s)


def score_bar(score: float, threshold: float) -> Text:
    """The score as a bar with the threshold marked: ━━━━━━━┃─── (filled up to the score)."""
    filled, mark = round(score * BAR), min(round(threshold * BAR), BAR - 1)
    bar = Text()
    for i in range(BAR):
        bar.append("┃" if i == mark else "━" if i < filled else "─",
                   style="bold" if i == mark else "green" if i < filled and score >= threshold else "")
    return bar


def label_rows(session: ReviewSession) -> Text:
    """Each theme with its key, the reviewer's choice, score against threshold and evidence; then the lesson flag."""
    rec, th = session.record, session.queue.thresholds
    themes, lesson = session.labels()
    model = {t["id"]: t for t in rec.get("model_themes", rec.get("themes", []))}
    width = max(len(t) for t in [*session.theme_ids, "lesson"])
    rows = []
    for n, tid in enumerate(session.theme_ids):
        key = THEME_KEYS[n] if n < len(THEME_KEYS) else " "
        score, on = rec.get("scores", {}).get(tid, 0.0), tid in themes
        evidence = ", ".join(model[tid].get("evidence", [])) if tid in model else ""
        rows.append(_row(key, tid.ljust(width), on, on != (tid in model), score, th.themes[tid], evidence))
    model_lesson = rec.get("model_is_lesson", rec.get("is_lesson", False))
    rows.append(_row("l", "lesson".ljust(width), lesson, lesson != model_lesson, rec.get("lesson_score", 0.0),
                     th.lesson, _safe(rec.get("lesson_sentence", ""))))
    return Text("\n").join(rows)


def _row(key: str, name: str, on: bool, changed: bool, score: float, threshold: float, note: str) -> Text:
    row = Text.assemble((f" {key} ", "reverse"), " ", ("[x] " if on else "[ ] ", "bold green" if on else "dim"),
                        (name, "bold" if on else ""), " ", (f"{score:.3f} ", ""), score_bar(score, threshold),
                        (f" {threshold:.3f}", "dim"), (" changed" if changed else "        ", "yellow"))
    if note:
        row.append(f"  {_safe(note)}", style="dim italic")
    return row


class ReviewApp(App[None]):
    """Review the queued passages: keys toggle labels, accept, skip, go back, undo, quit."""

    TITLE = "lessons annotate"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    #heading { padding: 0 1; background: $boost; }
    #passage { height: 1fr; padding: 0 1; }
    /* one line per label and for the progress: the passage keeps the room */
    #labels { height: auto; padding: 0 1; border-top: solid $primary; text-wrap: nowrap; text-overflow: ellipsis; }
    #progress { height: 1; padding: 0 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    """
    BINDINGS = [
        Binding("a", "accept", "accept"),
        Binding("enter", "accept", "accept", show=False),
        *[Binding(k, f"toggle_theme({n})", "theme", show=n == 0, key_display="1…0")
          for n, k in enumerate(THEME_KEYS)],
        Binding("l", "toggle_lesson", "lesson"),
        Binding("s", "skip", "skip"),
        Binding("b", "back", "back"),
        Binding("u", "undo", "undo"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, session: ReviewSession):
        super().__init__()
        self.session = session
        self._shown = -1  # the queue position on screen: the text scrolls back to its top only for a new passage

    def compose(self) -> ComposeResult:
        yield Static(id="heading")
        with VerticalScroll(id="passage"):
            yield Static(id="text")
        yield Static(id="labels")
        yield Static(id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self) -> None:
        s = self.session
        where = "" if s.done else f" · {s.record['passage_id']}"
        progress = (f"{min(s.pos + 1, len(s.queue))} of {len(s.queue)}{where} · {s.decided} decided now, "
                    f"{s.queue.decided} before · {s.reviewer} → {s.path.name}")
        self.query_one("#progress", Static).update(Text(_safe(progress)))
        if s.done:
            self.query_one("#heading", Static).update(Text("End of the queue", style="bold"))
            self.query_one("#text", Static).update(Text(
                f"{s.decided} passages decided in this session. b: back to the last passage, u: undo, q: quit."))
            self.query_one("#labels", Static).update("")
            return
        rec = s.record
        self.query_one("#heading", Static).update(heading(rec, s.documents.get(rec["doc_id"], DocumentMeta())))
        decided, status = s.decision(), Text()
        if decided:
            status = Text(f"decided by you in this session ({decided.reviewed_at.astimezone():%H:%M:%S})\n\n",
                          style="yellow")
        self.query_one("#text", Static).update(Group(status, passage_text(rec)))
        self.query_one("#labels", Static).update(label_rows(self.session))
        if self._shown != s.pos:
            self.query_one("#passage", VerticalScroll).scroll_home(animate=False)
            self._shown = s.pos

    def action_toggle_theme(self, n: int) -> None:
        if not self.session.done and n < len(self.session.theme_ids):
            self.session.toggle_theme(self.session.theme_ids[n])
            self.show()

    def action_toggle_lesson(self) -> None:
        if not self.session.done:
            self.session.toggle_lesson()
            self.show()

    def action_accept(self) -> None:
        if not self.session.done and self._written(self.session.accept):
            self.show()

    def action_skip(self) -> None:
        self.session.skip()
        self.show()

    def action_back(self) -> None:
        self.session.back()
        self.show()

    def action_undo(self) -> None:
        if not self.session.history:
            self.notify("nothing to undo in this session", severity="warning")
            return
        undone = self._written(self.session.undo)
        if undone:
            self.notify(f"undone: {_safe(undone.passage_id)}")
            self.show()

    def _written(self, step):
        """Run a step that appends to the corrections file; a failed write is shown, and nothing changes."""
        try:
            return step()
        except OSError as exc:
            self.notify(f"cannot write {self.session.path}: {exc.strerror or exc}; nothing was recorded",
                        severity="error", timeout=10)
            return False
