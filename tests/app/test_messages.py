"""What the article screen says: undo across visits, undo messages, keys in force."""

from __future__ import annotations

from pathlib import Path

from tests.app.helpers import article_screen, make_app, static_text, stored, stored_items
from tests.conftest import SEED_ID
from tui.app.screens.library import LibraryScreen
from tui.core.model import Status

SIZE = (120, 40)


async def test_undo_history_survives_leaving_the_article(cached_store: Path) -> None:
    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        session = screen.session
        assert session is not None and session.current is not None
        first = session.current
        text = session.text_of(first)
        await pilot.press("4")  # the fourth label of the legend: a correction
        relabelled = stored_items(cached_store)[first.id]
        assert relabelled[3] == "corrected"
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("enter")
        await pilot.pause()
        again = article_screen(app)
        assert again is not screen and again.article.id == SEED_ID
        assert again.check_action("undo", ()) is True
        await pilot.press("u")
        status = static_text(app, "#status-line")
        assert status == f"Undid relabel: {text!r} is an undecided suggestion " \
                         f"({first.label}) again"
        # The store first: a second opener reads the undo back.
        assert first.id not in stored_items(cached_store)
        assert again.session is not None
        assert again.session.items[first.id].status is Status.SUGGESTED
        await pilot.press("r")
        assert static_text(app, "#status-line") == \
            f"Redid relabel: {text!r} is {relabelled[2]}"
        assert stored_items(cached_store)[first.id] == relabelled
        await pilot.press("u", "u")
        assert "Nothing to undo" in static_text(app, "#status-line")


async def test_messages_name_the_remapped_keys(cached_store: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\naccept = "j"\nlayer = "L"\nreject = "z"\nadd-item = "O"\n'
                      'cue-here = "K"\n', encoding="utf-8")
    app = make_app(cached_store, config=config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        key_bar = static_text(app, "#key-bar")
        assert "j" in key_bar.split() and "L" in key_bar.split()
        await pilot.press("L")
        screen = article_screen(app)
        assert screen.shown_layer == "quotes"
        status = static_text(app, "#status-line")
        assert "j accept" in status and "z reject" in status
        assert "K cue" in status and "O new from selection" in status
        assert "a accept" not in status and "x reject" not in status
        # A quote made from a selection: its hint names the keys in force.
        quotes = screen.quotes
        assert quotes is not None
        await pilot.press("v", "right", "O")
        status = static_text(app, "#status-line")
        assert status.startswith("Added an indirect quote 'DOHA'"), status
        assert status.endswith("now set its speaker (s, w) and cue (K)")
        record = stored(cached_store)
        assert record is not None and quotes.current is not None
        assert record.quotes[quotes.current.id].status is Status.ADDED


def _changed_corpus(tmp_path: Path) -> tuple[Path, Path]:
    """A corpus of the seed article alone (the same id), and its file."""
    from tests.conftest import SEEDS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    source = SEEDS / f"{SEED_ID}.txt"
    target = corpus / source.name
    target.write_bytes(source.read_bytes())
    return corpus, target


async def _annotate_then_change(cached_store: Path, tmp_path: Path, loaded_model: object
                                ) -> tuple[Path, dict[str, tuple[str, str, str]], str]:
    """Decide on a few entities, a quote and a meeting; then change the text file: a
    sentence inserted before them and every mention of one decided entity replaced.
    Returns the corpus, the decided entities' (text, label, status) by id, and the text
    of the entity that is gone."""
    from tui.nlp.suggest import suggest_one
    from tui.store.gold import GoldStore

    corpus, target = _changed_corpus(tmp_path)
    app = make_app(cached_store, paths=[corpus])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("4", "a", "a", "x", *["n"] * 8, "a", "a", "a")
        await pilot.press("t", "a", "t", "a")
        screen = article_screen(app)
        text = screen.article.text
    app.ctx.store.close()
    record = stored(cached_store)
    assert record is not None and len(record.items) >= 4 and record.quotes and record.meetings
    decided = {i.id: (text[i.start:i.end], i.label, i.status.value)
               for i in record.items.values()}
    unique = [t for t, _, _ in decided.values() if text.count(t) == 1]
    assert unique, decided  # e.g. "late Tuesday", "Recep Tayyip Erdogan"
    gone = unique[0]
    raw = target.read_text(encoding="utf-8")
    raw = raw.replace("DOHA: ", "DOHA: A sentence was added here. ", 1).replace(gone, "Xyz Xyz")
    target.write_text(raw, encoding="utf-8")
    # The model's suggestions for the new text, cached as the app would have them.
    from tui.formats.readers import read_paths

    (article,) = read_paths([corpus]).articles
    with GoldStore.open(cached_store) as store:
        store.put_suggestions(article.id, suggest_one(loaded_model, article))  # type: ignore[arg-type]
    return corpus, decided, gone


async def test_a_changed_text_carries_the_decisions_over(cached_store: Path, tmp_path: Path,
                                                         loaded_model: object) -> None:
    from tui.store.archive import archived_id
    from tui.store.gold import GoldStore

    corpus, decided, gone = await _annotate_then_change(cached_store, tmp_path, loaded_model)
    old = stored(cached_store)
    assert old is not None
    app = make_app(cached_store, paths=[corpus])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        assert screen.stale and screen.session is None
        status = static_text(app, "#status-line")
        assert "C: carry the decisions" in status and "N: start again" in status
        await pilot.press("C")
        await pilot.pause()
        assert not screen.stale and screen.session is not None
        status = static_text(app, "#status-line")
        new_text = screen.article.text
        old_text = app.ctx.store.article(SEED_ID, old.text_hash).text  # type: ignore[union-attr]
    app.ctx.store.close()
    record = stored(cached_store)
    assert record is not None and record.text_hash != old.text_hash and not record.done
    kept = len(record.items) + len(record.quotes) + len(record.meetings)
    dropped = len(old.items) + len(old.quotes) + len(old.meetings) - kept
    assert dropped >= 1
    assert status.startswith(f"Carried {kept} decisions over to the new text; {dropped} not "
                             "found there were left out")
    carried = {(new_text[i.start:i.end], i.label, i.status.value)
               for i in record.items.values()}
    assert carried == {v for v in decided.values() if v[0] != gone}
    old_quotes = {old_text[q.value.content.start:q.value.content.end]: q
                  for q in old.quotes.values()}
    for quote in [*record.quotes.values(), *record.meetings.values()]:
        # The same words, further on (a sentence came before them), the same decision.
        words = new_text[quote.anchor.start:quote.anchor.end]
        assert gone not in words and "Xyz" not in words
        before = [q for q in [*old.quotes.values(), *old.meetings.values()]
                  if old_text[q.anchor.start:q.anchor.end] == words]
        assert before and quote.anchor.start > before[0].anchor.start
        assert quote.status is before[0].status
    assert old_quotes and record.quotes and record.meetings
    # The old record is kept, with its old text, under the archived id.
    archive = stored(cached_store, archived_id(SEED_ID, old.text_hash))
    assert archive is not None and archive.items == old.items and archive.quotes == old.quotes
    assert not archive.done
    with GoldStore.open(cached_store, read_only=True) as store:
        kept_text = store.article(archived_id(SEED_ID, old.text_hash), old.text_hash)
    assert kept_text is not None and gone in kept_text.text


async def test_a_changed_text_can_start_again(cached_store: Path, tmp_path: Path,
                                              loaded_model: object) -> None:
    from tui.store.archive import archived_id

    corpus, _, _ = await _annotate_then_change(cached_store, tmp_path, loaded_model)
    old = stored(cached_store)
    assert old is not None
    app = make_app(cached_store, paths=[corpus])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = article_screen(app)
        await pilot.press("a")  # read-only: nothing happens
        assert screen.stale
        await pilot.press("N")
        await pilot.pause()
        assert static_text(app, "#status-line").startswith("Started again on the new text")
        assert screen.session is not None and screen.session.counts()["accepted"] == 0
    app.ctx.store.close()
    record = stored(cached_store)
    assert record is not None and not record.items and not record.quotes
    assert record.text_hash != old.text_hash
    archive = stored(cached_store, archived_id(SEED_ID, old.text_hash))
    assert archive is not None and archive.items == old.items
    # Exported with --all, old text and all.
    import json

    from tests.test_cli import byline

    out = tmp_path / "all.jsonl"
    result = byline("export", "--db", str(cached_store), "--all", "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    kept = rows[archived_id(SEED_ID, old.text_hash)]
    shown = [i for i in old.items.values() if i.status is not Status.REJECTED]
    assert len(kept["entities"]) == len(shown) and "late Tuesday" in kept["text"]


async def test_o_on_the_words_between_quote_marks_makes_a_direct_quote(
        cached_store: Path) -> None:
    from tests.app.helpers import cursor_to
    from tests.app.test_layer_keys import go_to, open_layer, text_of, word

    app = make_app(cached_store)
    async with app.run_test(size=SIZE) as pilot:
        await open_layer(pilot, app, "quotes")
        screen = article_screen(app)
        quotes, session = screen.quotes, screen.session
        assert quotes is not None and session is not None
        await go_to(pilot, app, lambda q: text_of(app, q.content).startswith(
            "These issues will depend"))
        await pilot.press("x")  # its suggestion rejected: the words are free again
        first = word(app, "These issues will depend")
        last = word(app, "process,”", first)
        await cursor_to(pilot, app, first)
        start, end = session.tokens.index_at(first), session.tokens.index_at(last)
        assert start is not None and end is not None
        await pilot.press("v", *["shift+right"] * (end - start), "o")
        current = quotes.current
        assert current is not None and current.status is Status.ADDED
        assert text_of(app, current.value.content).endswith("during the process")
        assert current.value.kind == "direct"
        assert static_text(app, "#status-line").startswith("Added a direct quote 'These issues")
        record = stored(cached_store)
        assert record is not None and record.quotes[current.id].value.kind == "direct"
