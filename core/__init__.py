"""copydesk core: load, check, query and surgically edit Markdown articles with YAML front matter.

This package never imports Textual (tests/test_architecture.py proves it).
"""

__version__ = "0.1.0"
