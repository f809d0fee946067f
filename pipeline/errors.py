"""The exceptions the library raises; each names the file and says what to do."""

from __future__ import annotations


class LessonsError(Exception):
    """Base class: ``kind`` is a short stable code, the message one clear sentence."""

    kind = "error"

    def __init__(self, message: str, *, kind: str | None = None, path: str | None = None):
        super().__init__(message)
        if kind:
            self.kind = kind
        self.path = path

    @property
    def message(self) -> str:
        return str(self)


class IngestError(LessonsError):
    """A file could not be read into a document (in a batch it becomes an error record)."""

    kind = "unreadable"


class ModelError(LessonsError):
    """A model directory is missing, unsafe, or built for another codebook or library."""

    kind = "model"


class SetupError(LessonsError):
    """Something the run needs before it can start is missing (spaCy pipeline, folder, codebook)."""

    kind = "setup"


class LabelsError(LessonsError):
    """A labels file has a malformed record."""

    kind = "labels"
