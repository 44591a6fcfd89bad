"""copydesk terminal UI (Textual). Widgets and screens call `core`; they never parse YAML or touch files."""
