"""The Textual app of byline: screens, widgets, bindings and styles.

It depends on `tui.core`, `tui.store` and (lazily, in a worker) `tui.nlp`;
nothing outside `tui.app` and `tui.cli` imports it.
"""
