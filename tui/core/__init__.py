"""The domain of byline: articles, spans, suggestions, decisions, sessions, undo.

Pure Python: nothing here imports textual, rich or spacy (a test enforces it).
"""
