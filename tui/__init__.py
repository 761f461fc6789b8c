"""byline: a terminal reader and annotator for news articles.

Importing this package is cheap: it never imports spaCy or Textual. The
app (`tui.app`), the command line (`tui.cli`) and the model layer
(`tui.nlp`) are imported only by the code that needs them.
"""

__version__ = "0.1.0"

import logging as _logging

# byline's modules log through the "tui" logger; nothing they log may reach the terminal
# on its own (Python's last-resort handler would print tracebacks to stderr): the command
# line decides where logs go.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())
