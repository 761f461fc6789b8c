"""Labels, names, config keys and remapped keys in the app's chrome: never a control,
bidi or invisible character on screen.

The article text has its own tests (test_hostile*.py); these cover what
surrounds it: the key bar and help drawn from a keymap whose keys are single
control or format characters (U+009B, U+202E), the label picker, legend and
side panel on labels a store holds, notifications quoting untrusted text, and
the config's warnings about hostile TOML keys and values. Each check reads the
whole screen as the compositor draws it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import ANNOTATOR, article_screen, make_app
from tests.conftest import SEED_ID
from tests.ptyterm import UNSAFE
from tui.app.bindings import ALL_BINDING_IDS, key_name
from tui.app.screens.label_picker import LabelPicker
from tui.core.config import load_config, parse_config
from tui.core.model import Article, EntityItem, Status
from tui.store.gold import GoldStore

ESC = "\x1b"
H = f"{ESC}[2J{ESC}]0;PWN-TITLE\x07\x9b31m\u202e\r\x08\u2066\u200e\u061c\n|"
#: More labels than the nine digit keys, so the picker is the only way to some.
LABELS = [f"L{n}{H}" for n in range(11)]


def unsafe(text: str) -> list[str]:
    return [f"{c!r} at {i}: {text[max(i - 20, 0):i + 20]!r}"
            for i, c in enumerate(text) if c in UNSAFE and c != "\n"]


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    """Every cell of the screen as the compositor draws it (modal screens included)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


@pytest.mark.parametrize(("key", "shown"), [
    ("\x9b", "U+009B"), ("\u202e", "U+202E"), ("\x1b", "U+001B"), ("\u3000", "U+3000"),
    ("\u200b", "U+200B"), ("\n", "U+000A"), ("question_mark", "?"), ("ctrl+s", "ctrl+s"),
    ("é", "é"), (f"f2{ESC}[2J", "f2␛[2J"),
])
def test_a_key_is_named_never_drawn_raw(key: str, shown: str) -> None:
    assert key_name(key) == shown


@pytest.mark.parametrize("keys", ["\x9b", "\u202e", "a,\u2066", " ", "\x1b", "\u200b",
                                  "x\x1b[2J", "\u3000"])
def test_the_config_refuses_keys_that_cannot_be_typed_or_seen(keys: str) -> None:
    config, warnings = parse_config({"keys": {"accept": keys}}, Path("c.toml"),
                                    ALL_BINDING_IDS)
    assert "accept" not in config.keymap
    assert len(warnings) == 1 and "[keys] accept: expected keys" in warnings[0]
    assert not unsafe(warnings[0]), warnings


def test_config_warnings_quote_hostile_keys_and_values_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / f"config{H}.toml"
    path.write_text(
        '"top\\u001b[2J\\u202e\\n" = 1\n'
        'annotator = "bad\\u001b]0;T\\u0007"\n'
        '[keys]\n"fly\\u009b31m" = "a"\naccept = "\\u001b[2J"\n'
        '[labels]\nentities = ["\\u202eX"]\n"odd\\u2066" = 1\n', encoding="utf-8")
    config, warnings = load_config(path, ALL_BINDING_IDS, explicit=True)
    # The annotator is not warned about: its controls are made visible, as every reader
    # does with names (tui.core.names), and nothing of it can reach the terminal.
    assert config.annotator == "bad\u241b]0;T\u2407" and not unsafe(config.annotator)
    assert len(warnings) == 5, warnings
    for warning in warnings:
        assert "\n" not in warning and not unsafe(warning), warning
    assert any("unknown setting 'top\\x1b[2J\\u202e\\n'" in w for w in warnings), warnings
    assert any("unknown action 'fly\\x9b31m'" in w for w in warnings), warnings


def _hostile_labels_store(db: Path, article: Article) -> None:
    with GoldStore.open(db) as store:
        store.put_article(article)
        store.save_items(article.id, ANNOTATOR, article.text_hash, {
            f"a:{n}": EntityItem(id=f"a:{n}", start=n, end=n + 3, label=label,
                                 status=Status.ADDED, annotator=f"{ANNOTATOR}{H}",
                                 time=f"2025{H}")
            for n, label in enumerate(LABELS)})


async def test_labels_keys_and_notifications_from_anyone(tmp_path: Path,
                                                         seed_articles: list[Article]) -> None:
    db = tmp_path / "gold.json"
    article = next(a for a in seed_articles if a.id == SEED_ID)
    _hostile_labels_store(db, article)
    app = make_app(db)
    # A keymap that did not come through the config's checks: the bar must hold anyway.
    app.ctx.keymap = {"accept": "\x9b", "reject": "\u202e", "undo": f"f2{ESC}[2J"}
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert screen.article.id == SEED_ID
        drawn = screen_text(app)
        assert "U+009B" in drawn and "U+202E" in drawn, "the remapped keys are in the bar"
        assert "␛[2J" in drawn, "the store's names are in the side panel"
        assert not unsafe(drawn), unsafe(drawn)[:5]

        await pilot.press("n")
        await pilot.pause()
        await pilot.press("l")  # the label picker: every label, the store's too
        for _ in range(20):  # (a loaded machine may take more than one frame to push it)
            await pilot.pause()
            if isinstance(app.screen, LabelPicker):
                break
        assert isinstance(app.screen, LabelPicker)
        drawn = screen_text(app)
        assert drawn.count("PWN-TITLE") >= 2, drawn  # the end of the list
        assert not unsafe(drawn), unsafe(drawn)[:5]
        await pilot.press("escape", "question_mark")  # the help: every key, remapped
        await pilot.pause()
        drawn = screen_text(app)
        assert "U+009B" in drawn and "U+202E" in drawn, drawn
        assert not unsafe(drawn), unsafe(drawn)[:5]
        await pilot.press("escape")
        await pilot.pause()

        app.notify(f"boom {H}", title=f"title {H}", severity="error", markup=True)
        screen.notify(f"[bold]not markup[/] {H}")
        await pilot.pause(0.3)
        drawn = screen_text(app)
        assert "[bold]not markup[/]" in drawn and "boom ␛[2J" in drawn, drawn
        assert not unsafe(drawn), unsafe(drawn)[:5]
        for notification in app._notifications:
            assert not unsafe(notification.message) and not unsafe(notification.title)
