"""spaCy: model resolution, the rule-based fallback, and entity suggestions.

Importing this package does not import spaCy; its modules do, when called.
"""
