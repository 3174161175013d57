"""Messages as data: a template and its parameters, rendered in English for the command line, translated in the app.

A :class:`Message` keeps what a message says apart from how it is worded. ``str()`` gives the command line's
English; :meth:`Message.render` passes the template through a ``gettext`` and formats the parameters, which are
data (names, ids, codes: never translated) or nested messages (rendered the same way). So no code ever parses an
English sentence back to translate it. Templates are marked with :func:`geo.i18n.N_` where they are written, so the
catalog extraction finds them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Gettext = Callable[[str], str]

def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Message:
    """One message: a template with ``{named}`` fields, its parameters, and the app's wording where it differs.

    Parameters
    ----------
    template
        The English text with ``{name}`` fields; also the catalog id the app translates.
    params
        ``(name, value)`` pairs: plain values are data and shown as they are; a :class:`Message` is rendered; a
        tuple of messages is rendered and joined with " and ".
    shown
        The app's template where the command line's names options the app has not (``--via``); else None.

    Examples
    --------
    >>> m = Message.of("unknown place {name}{hint}", name="'Xyz'", hint=Message.of(" — did you mean {s}?", s="Osh"))
    >>> str(m)
    "unknown place 'Xyz' — did you mean Osh?"
    >>> m.render(lambda template: template.replace("unknown place", "неизвестный пункт"))
    "неизвестный пункт 'Xyz' — did you mean Osh?"
    >>> str(Message.text("as written"))
    'as written'
    """

    template: str
    params: tuple[tuple[str, object], ...] = ()
    shown: str | None = None

    @classmethod
    def of(cls, template: str, shown: str | None = None, /, **params: object) -> Message:
        """Return a message from its template, the app's wording (optional) and its parameters."""
        return cls(template, tuple(params.items()), shown)

    @classmethod
    def text(cls, text: str) -> Message:
        """Return a message that is only data (shown as written in every language)."""
        return cls("{text}", (("text", text),))

    @property
    def values(self) -> dict[str, object]:
        """Return the parameters by name."""
        return dict(self.params)

    def render(self, gettext: Gettext = _same, *, app: bool = False) -> str:
        """Return the message worded by ``gettext`` (English when it is the identity); ``app``: the app's wording."""
        template = self.shown if app and self.shown else self.template
        return gettext(template).format(**{k: _render(v, gettext, app) for k, v in self.params})

    def __str__(self) -> str:
        return self.render()


def _render(value: object, gettext: Gettext, app: bool) -> object:
    if isinstance(value, Message):
        return value.render(gettext, app=app)
    if isinstance(value, tuple) and value and all(isinstance(v, Message) for v in value):
        return gettext(" and ").join(v.render(gettext, app=app) for v in value)
    return value


def message_of(error: BaseException) -> Message:
    """Return the message an error carries (its text, as data, when it carries none)."""
    carried = getattr(error, "message", None)
    return carried if isinstance(carried, Message) else Message.text(str(error))
