"""The ``copydesk`` command line: ``main`` parses and runs one subcommand; each lives in
``commands/<name>.py``."""
