"""Colours of entity labels and the Rich styles built from them.

Known OntoNotes labels have fixed colours; any other label (from a config or
another model) gets one from the palette by a stable hash of its name.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from rich.color import Color
from rich.style import Style

from tui.core.model import Status

LABEL_COLOURS: dict[str, str] = {
    "PERSON": "#f9c74f", "ORG": "#90be6d", "GPE": "#4cc9f0", "LOC": "#43aa8b",
    "NORP": "#f8961e", "DATE": "#b5a6ff", "TIME": "#cdb4db", "EVENT": "#ff8fab",
    "FAC": "#a0c4ff", "PRODUCT": "#ffd6a5", "WORK_OF_ART": "#fdffb6", "LAW": "#caffbf",
    "LANGUAGE": "#9bf6ff", "MONEY": "#bdb2ff", "PERCENT": "#ffc6ff", "QUANTITY": "#e9edc9",
    "ORDINAL": "#d4a373", "CARDINAL": "#ccd5ae",
}
_PALETTE = list(LABEL_COLOURS.values())


def label_colour(label: str) -> str:
    """The hex colour of `label`."""
    colour = LABEL_COLOURS.get(label)
    if colour is None:
        colour = _PALETTE[zlib.crc32(label.encode("utf-8", "surrogatepass")) % len(_PALETTE)]
    return colour


def _dimmed(hex_colour: str, factor: float = 0.45) -> str:
    triplet = Color.parse(hex_colour).get_truecolor()
    r, g, b = (int(c * factor) for c in triplet)
    return f"#{r:02x}{g:02x}{b:02x}"


@lru_cache(maxsize=512)
def entity_style(label: str, status: Status, current: bool) -> Style:
    """How an entity is drawn: decided ones solid, suggestions dim, rejected struck out."""
    colour = label_colour(label)
    if status is Status.REJECTED:
        style = Style(color="grey62", strike=True)
    elif status is Status.SUGGESTED:
        style = Style(color=colour, bgcolor=_dimmed(colour))
    else:
        style = Style(color="black", bgcolor=colour)
    if current:
        style += Style(bold=True, underline=True, reverse=status is not Status.REJECTED)
    return style


CURSOR_STYLE = Style(color="black", bgcolor="white", bold=True)
SELECTION_STYLE = Style(color="white", bgcolor="#7d3c98", bold=True)


#: The colours of the parts of a quote and of a meeting mention.
ROLE_COLOURS: dict[str, str] = {
    "content": "#4cc9f0", "speaker": "#f9c74f", "speaker_ref": "#f9c74f", "cue": "#ff8fab",
    "trigger": "#ff8fab", "participant": "#f9c74f", "place": "#90be6d", "time": "#b5a6ff",
}


@lru_cache(maxsize=128)
def role_style(role: str, status: Status, current: bool) -> Style:
    """How a part of a quote or meeting is drawn.

    The current item's parts are solid (its content or trigger bold and
    underlined); the other items' parts dim, suggestions dimmer still, and
    rejected ones struck out. A speaker_ref is underlined, not filled: it is
    where the speaker resolves to, not part of the quote.
    """
    colour = ROLE_COLOURS.get(role, "#cccccc")
    if status is Status.REJECTED:
        return Style(color="grey62", strike=True)
    if role == "speaker_ref":
        return Style(color=colour, underline=True, bold=current)
    if current:
        style = Style(color="black", bgcolor=colour)
        if role in ("content", "trigger"):
            style += Style(bold=True, underline=True)
        return style
    factor = 0.3 if status is Status.SUGGESTED else 0.55
    return Style(color=colour, bgcolor=_dimmed(colour, factor))


@lru_cache(maxsize=512)
def faint_entity_style(label: str, status: Status) -> Style:
    """An entity seen from the quote or meeting layer: its label colour, no fill."""
    if status is Status.REJECTED:
        return Style()
    return Style(color=label_colour(label), italic=status is Status.SUGGESTED)
