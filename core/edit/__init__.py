"""Edits: the operations on a field path (``ops``) and their surgical application to an
article's text (``apply``: only the edited field's lines change, verified by re-parsing)."""
