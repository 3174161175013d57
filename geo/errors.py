"""The project's exception types.

Every error a user can cause ends in one of these, with a one-line message that says what
went wrong and where (a file and line, or a command-line argument).
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.messages import Message


class GeoError(Exception):
    """Base class for every error the project raises on purpose.

    Parameters
    ----------
    message
        English text, or a :class:`~geo.messages.Message` the app can translate; ``str()`` gives the English.
    """

    exit_code = 1

    def __init__(self, message: str | Message = "") -> None:
        self.message = message if isinstance(message, Message) else Message.text(message)
        super().__init__(str(self.message))


class UsageError(GeoError):
    """A bad command-line argument or option value (exit code 2)."""

    exit_code = 2


class NoRouteError(GeoError):
    """No route exists under the given scenario (exit code 3)."""

    exit_code = 3


class WriteError(GeoError):
    """A file could not be written (disk full, folder not writable…); the previous file is intact (exit code 4)."""

    exit_code = 4


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class DataError(GeoError):
    """Curated or upstream data that does not meet the contract.

    Parameters
    ----------
    problems
        Every problem found; the message shows the first and the count.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid data"
        more = len(self.problems) - 1
        suffix = f" (and {more} more problem{'s' if more != 1 else ''})" if more > 0 else ""
        super().__init__(first + suffix)


class LayerMissing(DataError):
    """A built layer that is missing or cannot be read: pages and commands name it and go on without it.

    Parameters
    ----------
    layer_id
        The layer's registry id.
    path
        The file that was read.
    reason
        Why it could not be read (the exception's type, or what is wrong in it).
    """

    def __init__(self, layer_id: str, path: str, reason: str) -> None:
        super().__init__([Problem(path, 0, f"cannot read built layer ({reason}); run `python -m geo build`")])
        self.layer_id = layer_id
