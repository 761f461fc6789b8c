"""byline: a terminal reader and annotator for news articles.

Importing this package is cheap: it never imports spaCy or Textual. The
app (`tui.app`), the command line (`tui.cli`) and the model layer
(`tui.nlp`) are imported only by the code that needs them.
"""

__version__ = "0.1.0"
