"""Property tests: arbitrary (hostile) strings through every display path and the readers.

No exception, no markup interpreted, the text drawn is the input after the
documented one-for-one placeholder replacement (`display_safe`), offsets kept.
"""

from __future__ import annotations

import json
import re
import unicodedata
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tui.app.adjudicate import _cell as adjudicate_cell
from tui.app.screens.library import _cell as library_cell
from tui.app.screens.review import _cell as review_cell
from tui.app.widgets import wrap
from tui.app.widgets.article_view import ArticleView
from tui.app.widgets.panels import (
    describe_item,
    describe_layer_item,
    legend_line,
    short_label,
)
from tui.app.widgets.wrap import wrap_lines
from tui.commands.agreement import render_table
from tui.commands.stats import labels_table, progress_table
from tui.core.agreement import AgreementReport, Counts, PairAgreement
from tui.core.history import History
from tui.core.layers import MeetingSuggestion, QuoteSuggestion
from tui.core.meeting_session import MeetingSession
from tui.core.model import Article, EntitySuggestion, ModelInfo, Span, Suggestions
from tui.core.quote_session import QuoteSession
from tui.core.review import describe
from tui.core.session import EntitySession
from tui.core.stats import AnnotatorProgress, LabelStats, LayerStats, Stats
from tui.core.text import display_safe, normalise
from tui.core.tokens import TokenIndex, simple_tokens
from tui.formats.errors import InputError
from tui.formats.imported import normalised
from tui.formats.readers import read_file

PROPS = settings(max_examples=200, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow])

# ------------------------------------------------------------------ strategies

CONTROLS = [chr(c) for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))]
BIDI = [chr(c) for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))]
ZERO_WIDTH = ["\u200b", "\u200c", "\u2060", "\ufeff"]
#: Format characters that hide text beyond the zero-width spaces, and the line and
#: paragraph separators (zero cells wide): display_safe shows them too.
HIDING = ["\u00ad", "\u180e", "\u2061", "\u2062", "\u2063", "\u2064",
          *(chr(c) for c in range(0x206A, 0x2070)), "\ufff9", "\ufffa", "\ufffb",
          "\u2028", "\u2029"]
#: Lone surrogates cannot be written as UTF-8 (as the byte they may escape, one could be
#: a C1 control): display_safe shows them as U+FFFD.
SURROGATES = [chr(c) for c in range(0xD800, 0xE000)]
FORBIDDEN = frozenset((set(CONTROLS) - {"\n"}) | set(BIDI) | set(ZERO_WIDTH) | set(HIDING)
                      | set(SURROGATES))
FRAGMENTS = [
    "[", "]", "\\", "[/", "[/]", "[b]", "[B]", "[$accent]", "[@click=app.quit]",
    "[@click=app.bell()]x[/]", "[link=https://evil.example]y[/link]", "[bold red on blue]",
    "\\[b]", ":smile:", "\r\n", "\r", "\n", "\t", "\x1b[31m", "\x1b]8;;http://x\x1b\\",
    "\x9b2J", "\u202eevil\u202c", "\u2066iso\u2069", "👨\u200d👩\u200d👧", "👍🏽",
    "e\u0301", "\u0301", "a\u0308\u0323", "日本語の文章", "한국어", "𝔘𝔫𝔦", "\u00ad",
    "\u2028", "\u2029", "\ufffd", "date 2024-01-01\n", "DOHA: ", " ",
]
HOSTILE_CHARS = CONTROLS + BIDI + ZERO_WIDTH + ["\u200d", "\u0301", "\u0300", "中", "😀"]

piece = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(HOSTILE_CHARS),
    st.text(max_size=6),
)
hostile = st.lists(piece, max_size=25).map("".join)
#: Also lone surrogates, for APIs that take a Python str from anywhere.
surrogate = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
hostile_or_surrogate = st.lists(st.one_of(piece, surrogate), max_size=25).map("".join)

MODEL = ModelInfo("m", "1")


def _plain_lines(renderable: Any, width: int = 80) -> str:
    out = StringIO()
    console = Console(file=out, width=width, color_system=None, force_terminal=False,
                      legacy_windows=False)
    console.print(renderable)
    return out.getvalue()


def _no_interactive_styles(text: Text) -> None:
    """No span of `text` carries a link or a click action (so none came from the input)."""
    console = Console(file=StringIO(), color_system=None, legacy_windows=False)
    for span in text.spans:
        style = span.style if isinstance(span.style, Style) else console.get_style(span.style)
        assert style.link is None, span
        assert not style.meta, span
    for segment in text.render(console):
        if segment.style is not None:
            assert segment.style.link is None
            assert not segment.style.meta


def _assert_printable(drawn: str) -> None:
    bad = [c for c in drawn if c in FORBIDDEN]
    assert not bad, bad


# ------------------------------------------------------------- 1. display_safe


@PROPS
@given(hostile_or_surrogate)
def test_display_safe_is_one_for_one_and_removes_every_hazard(s: str) -> None:
    safe = display_safe(s)
    assert len(safe) == len(s)
    _assert_printable(safe)
    for before, after in zip(s, safe, strict=True):
        if before not in FORBIDDEN:
            assert after == before
        else:
            assert after != before
    assert display_safe(safe) == safe


#: Zero-width format characters that hide text just as U+200B does, but display_safe keeps.
OTHER_INVISIBLE = ["\u00ad", "\u180e", "\u2061", "\u2062", "\u2063", "\u2064",
                   *(chr(c) for c in range(0x206A, 0x2070)), "\ufff9", "\ufffa", "\ufffb"]


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(OTHER_INVISIBLE))
def test_display_safe_shows_other_invisible_format_characters(char: str) -> None:
    assert unicodedata.category(char) == "Cf"
    assert display_safe("pay" + char + "pal")[3] != char


# ------------------------------------------------------------- 2. Rich Text cells


def _check_cell(cell: Text, value: str, cells: int) -> None:
    _no_interactive_styles(cell)
    expected = display_safe(value.replace("\n", " "))
    _assert_printable(cell.plain)
    assert cell_len(cell.plain) <= max(cells, 1)
    if cell.plain == expected:
        return
    assert cell.plain.endswith("…"), (cell.plain, expected)
    prefix = cell.plain[:-1]
    if not expected.startswith(prefix):
        # Rich pads with a space where the cut fell inside a wide character.
        assert prefix.endswith(" ") and expected.startswith(prefix[:-1]), (cell.plain, expected)


@PROPS
@given(hostile_or_surrogate, st.integers(1, 60))
def test_table_cells_never_interpret_markup(value: str, cells: int) -> None:
    for cell_of, shown in ((library_cell, value[:400]), (review_cell, value),
                           (adjudicate_cell, value)):
        cell = cell_of(value, cells)
        _check_cell(cell, shown, cells)
        drawn = _plain_lines(cell, width=cells + 5)
        _assert_printable(drawn)


def _entity_session(text: str, spans: list[tuple[int, int]], label: str,
                    annotator: str, model: ModelInfo = MODEL) -> EntitySession:
    article = Article("a", text)
    suggestions = Suggestions(model, article.text_hash,
                              tuple(EntitySuggestion(s, e, label) for s, e in spans),
                              tuple(simple_tokens(text)))
    return EntitySession(article, suggestions, {}, annotator, lambda changes: None,
                         clock=lambda: "2025-01-01T00:00:00Z")


@st.composite
def text_and_spans(draw: st.DrawFn, source: st.SearchStrategy[str] = hostile
                   ) -> tuple[str, list[tuple[int, int]]]:
    text = draw(source)
    assume(text)
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=12))))
    pairs = [(a, b) for a, b in zip(cuts[0::2], cuts[1::2], strict=False) if a < b]
    return text, pairs


def _clean(value: str, limit: int) -> str:
    value = display_safe(value.replace("\n", " "))
    return value if len(value) <= limit else value[: limit - 1] + "…"


@PROPS
@given(text_and_spans(), hostile, hostile, hostile, hostile)
def test_describe_item_shows_hostile_text_literally(
        data: tuple[str, list[tuple[int, int]]], label: str, annotator: str,
        name: str, version: str) -> None:
    text, spans = data
    session = _entity_session(text, spans, label, annotator, ModelInfo(name, version))
    described = describe_item(session, None)
    _no_interactive_styles(described)
    for item in list(session.items.values()):
        if annotator:
            session.select(item.id)
            session.accept()
            item = session.items[item.id]
        described = describe_item(session, item)
        _no_interactive_styles(described)
        _assert_printable(described.plain)
        assert _clean(text[item.start:item.end], 200) in described.plain
        assert _clean(label, 200) in described.plain
        if annotator:
            assert _clean(annotator, 200) in described.plain
        _assert_printable(_plain_lines(described, 60))


@PROPS
@given(st.lists(hostile, max_size=12), st.integers(min_value=20, max_value=200))
def test_legend_shows_hostile_labels_literally(labels: list[str], width: int) -> None:
    legend = legend_line(tuple(labels), width)
    _no_interactive_styles(legend)
    _assert_printable(legend.plain)
    assert cell_len(legend.plain) <= width and "\n" not in legend.plain
    for digit, label in enumerate(labels[:9], start=1):
        if f" {digit} " in legend.plain:
            assert short_label(label) in legend.plain


def _layer_sessions(text: str, spans: list[tuple[int, int]], model: ModelInfo,
                    date: str | None, event: str) -> tuple[QuoteSession, MeetingSession]:
    article = Article("a", text)
    tokens = TokenIndex(simple_tokens(text))
    as_spans = [Span(s, e) for s, e in spans]
    quotes = [QuoteSuggestion(content=as_spans[0], speaker=as_spans[-1],
                              cue=as_spans[len(as_spans) // 2], speaker_ref=None,
                              kind="direct")]
    meetings = [MeetingSuggestion(trigger=as_spans[0], participants=tuple(as_spans[1:]),
                                  place=as_spans[-1], time=as_spans[0], date=date,
                                  event=event)]
    history = History()
    return (QuoteSession(article, model, tokens, quotes, {}, "ann", lambda c: None, history),
            MeetingSession(article, model, tokens, meetings, {}, "ann", lambda c: None,
                           history))


def _check_layer(text: str, spans: list[tuple[int, int]], model: ModelInfo,
                 date: str | None, event: str) -> None:
    for session in _layer_sessions(text, spans, model, date, event):
        for item in list(session.items.values()):
            described = describe_layer_item(session, item)
            _no_interactive_styles(described)
            _assert_printable(described.plain)
            _assert_printable(_plain_lines(described, 60))
            value = item.value
            anchor = value.content if isinstance(value, QuoteSuggestion) else value.trigger
            limit = 90 if isinstance(value, QuoteSuggestion) else 60
            assert _clean(text[anchor.start:anchor.end], limit) in described.plain
            assert describe(text, value) is not None


@PROPS
@given(text_and_spans(), hostile)
def test_describe_layer_item_shows_hostile_text_literally(
        data: tuple[str, list[tuple[int, int]]], event: str) -> None:
    text, spans = data
    assume(spans)
    _check_layer(text, spans, MODEL, "2025-01-01", event)


@FEW
@given(text_and_spans(), st.sampled_from(sorted(FORBIDDEN)), st.booleans())
def test_describe_layer_item_cleans_model_name_and_date(
        data: tuple[str, list[tuple[int, int]]], bad: str, in_date: bool) -> None:
    text, spans = data
    assume(spans)
    model = MODEL if in_date else ModelInfo("m" + bad, "1")
    _check_layer(text, spans, model, "2025" + bad if in_date else None, "e1")


@PROPS
@given(st.lists(st.tuples(hostile_or_surrogate, hostile_or_surrogate), min_size=1, max_size=4))
def test_agreement_table_never_interprets_names(pairs: list[tuple[str, str]]) -> None:
    report = AgreementReport(
        annotators=tuple(sorted({n for pair in pairs for n in pair})),
        pairs=tuple(PairAgreement(a, b, 1, 0, 0, 0, 0, Counts()) for a, b in pairs))
    lines = render_table(report)
    drawn = "\n".join(lines)
    _assert_printable(drawn)
    assert "\u2028" not in drawn or any("\u2028" in a + b for a, b in pairs)
    # Every visible non-space character of the names is drawn, in order, in its column.
    letters = "".join(c for c in drawn if not c.isspace())
    for a, b in pairs:
        for name in (a, b):
            for char in display_safe(name).replace("\n", "\u2424"):
                if not char.isspace() and cell_len(char) > 0:
                    assert char in letters


@PROPS
@given(st.lists(hostile_or_surrogate, min_size=1, max_size=4),
       st.lists(hostile_or_surrogate, min_size=1, max_size=4))
def test_stats_tables_never_interpret_names(names: list[str], labels: list[str]) -> None:
    layers = {"entities": 1, "quotes": 0, "meetings": 0}
    stats = Stats(
        annotators=tuple(AnnotatorProgress(n, 1, 0, layers) for n in names),
        days=(), labels=tuple(LabelStats(label, accepted=1) for label in labels),
        layers=tuple(LayerStats(layer) for layer in layers))
    for table in (progress_table(stats), labels_table(stats)):
        for column in table.columns:
            for cell in column.cells:
                if isinstance(cell, Text):
                    _no_interactive_styles(cell)
                    _assert_printable(cell.plain)
        drawn = _plain_lines(table, 100)
        _assert_printable(drawn)
    first = progress_table(stats).columns[0]
    plains = [c.plain for c in first.cells if isinstance(c, Text)]
    for name in names:
        assert display_safe(name).replace("\n", "\u2424") in plains


# --------------------------------------------------------------- 3. article view


class _Console:
    def __init__(self) -> None:
        self.console = Console(file=StringIO(), width=200, color_system="truecolor",
                               legacy_windows=False)


class _BareView(ArticleView):
    """The view's line drawing without an app: a console and a plain base style."""

    _fake_app = _Console()

    @property
    def app(self) -> Any:  # type: ignore[override]
        return self._fake_app

    @property
    def rich_style(self) -> Style:
        return Style()


def _without_zero_cell_breaks(text: str) -> str:
    # U+2028/U+2029 are whitespace of zero cells (display_safe shows them; raw text may not).
    return text.replace("\u2028", "L").replace("\u2029", "P")


@PROPS
@given(hostile, st.integers(4, 50))
def test_wrap_lines_covers_every_character_once(raw: str, width: int) -> None:
    text = display_safe(_without_zero_cell_breaks(raw))
    _check_wrap(text, width)


@FEW
@given(st.lists(st.sampled_from(["\u2028", "\u2029"]), min_size=1, max_size=3).map("".join),
       st.integers(4, 10))
def test_wrap_lines_keeps_zero_cell_whitespace_before_a_long_word(lead: str,
                                                                    width: int) -> None:
    _check_wrap(lead + "x" * (width + 1), width)


def test_narrow_chars_are_one_cell_and_the_space_is_their_only_whitespace() -> None:
    chars = [c for c in map(chr, range(0x110000)) if wrap._NARROW.fullmatch(c)]
    assert len(chars) > 600
    assert all(cell_len(c) == 1 for c in chars)
    assert [c for c in chars if c.isspace()] == [" "]


_NARROW_TEXT = st.lists(st.sampled_from(["a", "b", "é", "“", "”", "—", "’", ".", " ", "  ",
                                         "abcdefghij"]), max_size=120).map("".join)


@PROPS
@given(_NARROW_TEXT, st.integers(4, 40))
def test_wrapping_narrow_text_by_jumps_is_measuring_every_word(paragraph: str,
                                                              width: int) -> None:
    """`_wrap_narrow` (the fast way, for paragraphs of one-cell characters) makes exactly
    the lines `_wrap_any` (measuring every word with cell_len) makes."""
    assert wrap._NARROW.fullmatch(paragraph)
    fast: list[tuple[int, int]] = []
    measured: list[tuple[int, int]] = []
    wrap._wrap_narrow(paragraph, 7, width, fast)
    wrap._wrap_any(paragraph, 7, width, measured)
    assert fast == measured
    _check_wrap(paragraph, width)


def _check_wrap(text: str, width: int) -> None:
    lines = wrap_lines(text, width)
    assert lines
    rebuilt = []
    previous_end = None
    for start, end in lines:
        assert 0 <= start <= end <= len(text)
        if previous_end is not None:
            # The next line starts where the last ended, or after the newline that ended it.
            assert start in (previous_end, previous_end + 1)
            if start == previous_end + 1:
                assert text[previous_end] == "\n"
                rebuilt.append("\n")
        assert "\n" not in text[start:end]
        rebuilt.append(text[start:end])
        previous_end = end
    assert "".join(rebuilt) == text


@PROPS
@given(text_and_spans(), st.integers(4, 40))
def test_article_view_draws_exactly_the_safe_text_and_its_spans(
        data: tuple[str, list[tuple[int, int]]], width: int) -> None:
    text, spans = data
    text = _without_zero_cell_breaks(text)
    session = _entity_session(text, spans, "PERSON", "ann")
    view = _BareView(Article("a", text))
    view._lines = wrap_lines(view._text, width)
    view._line_starts = [start for start, _ in view._lines]
    view.session = session  # (no cursor, no selection: only entities are highlighted)
    highlighted: set[int] = set()
    drawn: list[str] = []
    for index, (start, end) in enumerate(view._lines):
        strip = view._render_visual_line(index)
        segments: list[Segment] = list(strip)
        line_text = "".join(segment.text for segment in segments)
        assert line_text == display_safe(text)[start:end]
        assert strip.cell_length == cell_len(line_text)
        _assert_printable(line_text)
        offset = start
        for segment in segments:
            style = segment.style
            assert style is None or (style.link is None and not style.meta)
            if style is not None and style.bgcolor is not None:
                highlighted.update(range(offset, offset + len(segment.text)))
            offset += len(segment.text)
        drawn.append(line_text)
    expected = {i for s, e in spans for i in range(s, e) if text[i] != "\n"}
    assert highlighted == expected
    assert "".join(drawn) == display_safe(text).replace("\n", "")


# ------------------------------------------------------------------- 4. readers


def _txt_expected(s: str) -> str | None:
    """The text read from a .txt file holding `s`, or None where an InputError is due."""
    if s.startswith("\ufeff"):
        s = s[1:]
    if "\x00" in s:
        return None
    text = normalise(s)
    if not text.strip():
        return None
    return text


@PROPS
@given(hostile)
def test_txt_file_reads_back_normalised(tmp_path_factory: pytest.TempPathFactory,
                                         s: str) -> None:
    assume(not re.match(r"\s*date", normalise(s.lstrip("\ufeff"))))
    path = tmp_path_factory.mktemp("txt") / "article.txt"
    path.write_bytes(s.encode("utf-8"))
    expected = _txt_expected(s)
    if expected is None:
        with pytest.raises(InputError):
            read_file(path)
        return
    (article,) = read_file(path)
    assert article.text == expected
    assert article.id == "article"


@PROPS
@given(hostile_or_surrogate, st.booleans())
def test_jsonl_text_reads_back_normalised(tmp_path_factory: pytest.TempPathFactory,
                                           s: str, ascii_only: bool) -> None:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        ascii_only = True  # (the only way to write it)
    path = tmp_path_factory.mktemp("jsonl") / "batch.jsonl"
    line = json.dumps({"id": "x1", "text": s}, ensure_ascii=ascii_only)
    s = json.loads(line)["text"]  # (an escaped surrogate pair is one character)
    has_surrogate = any(0xD800 <= ord(c) <= 0xDFFF for c in s)
    path.write_bytes(("\n" + line + "\n").encode("utf-8"))
    if has_surrogate or not s.strip():
        with pytest.raises(InputError) as raised:
            read_file(path)
        assert raised.value.line == 2
        if has_surrogate:
            assert "surrogate" in raised.value.reason
        return
    (article,) = read_file(path)
    assert article.text == normalise(s)
    assert article.id == "x1"


@PROPS
@given(hostile_or_surrogate)
def test_jsonl_metadata_and_id_never_crash(tmp_path_factory: pytest.TempPathFactory,
                                            s: str) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "batch.jsonl"
    line = json.dumps({"id": s, "text": "Some text.", "meta": {s: [s, {"k": s}]}})
    path.write_bytes((line + "\n").encode("utf-8"))
    try:
        (article,) = read_file(path)
    except InputError as error:
        assert error.line == 1
        return
    assert article.id == json.loads(line)["id"]
    assert not any(c in article.id for c in CONTROLS)


# ----------------------------------------------------------- 5. imported spans


@st.composite
def raw_text_and_spans(draw: st.DrawFn) -> tuple[str, list[tuple[int, int, str]]]:
    text = draw(hostile_or_surrogate)
    n = len(text)
    spans = draw(st.lists(st.tuples(st.integers(-1, n + 1), st.integers(-1, n + 1),
                                    st.sampled_from(["A", "B", "[b]"])), max_size=6))
    return text, spans


@PROPS
@given(raw_text_and_spans())
def test_normalised_moves_spans_onto_their_characters(
        data: tuple[str, list[tuple[int, int, str]]]) -> None:
    text, spans = data
    try:
        joined, moved = normalised(text, spans)
    except ValueError:
        return
    assert joined == normalise(text)
    assert len(moved) == len(spans)
    expected = sorted((normalise(text[s:e]), label) for s, e, label in spans)
    got = sorted((joined[s:e], label) for s, e, label in moved)
    assert got == expected
    for s, e, _ in moved:
        assert 0 <= s < e <= len(joined)


@PROPS
@given(st.text(alphabet="ab\r\n\u0301\u0300e\u1100\u1161\u11a8", max_size=12),
       st.lists(st.integers(0, 12), min_size=2, max_size=4))
def test_normalised_on_joining_sequences(text: str, cuts: list[int]) -> None:
    cuts = sorted(c for c in cuts if c <= len(text))
    spans = [(a, b, "X") for a, b in pairwise(cuts) if a < b]
    try:
        joined, moved = normalised(text, spans)
    except ValueError:
        return
    assert joined == normalise(text)
    for (s, e, _), (ns, ne, _) in zip(sorted(spans), moved, strict=True):
        assert joined[ns:ne] == normalise(text[s:e])
