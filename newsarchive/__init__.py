"""The product around the two packages: the `newsarchive` command (cli.py)
and its settings (settings.py). `indexer/` writes the archive, `archive/`
reads it and serves the web page; both read their settings from here."""
