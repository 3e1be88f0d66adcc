"""One module per screen (and per dashboard pane)."""
