"""Every setting read from the environment, declared once.

A setting is read when it is used, not at import, so a shell or a test can
change it between runs. `newsarchive --help` lists them, and the README's
table is this module's `markdown()` (tests/test_settings.py keeps the two
the same; `python -m newsarchive.settings` prints the table to paste).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

# The commands that open a store, embed text or run NER, for `--help`.
STORE_COMMANDS = ("index", "reindex", "search", "stats", "serve", "delete", "compact")
MODEL_COMMANDS = ("index", "reindex", "search", "serve", "eval")
WRITE_COMMANDS = ("index", "reindex", "eval")

KINDS = {int: "integer", float: "number", str: "text"}


class SettingError(ValueError):
    """A setting's value cannot be used; the message names the variable."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    # A value, or a function of nothing for a default that depends on the machine.
    default: Any
    help: str
    # How a computed default is shown (the machine's own value would mislead).
    shown_default: str | None = None
    # The commands whose --help list it; empty for settings of the tests only.
    commands: tuple[str, ...] = ()

    def default_value(self) -> Any:
        return self.default() if callable(self.default) else self.default

    def get(self) -> Any:
        """The environment's value, else the default. Empty counts as unset."""
        raw = os.environ.get(self.name, "")
        if not raw:
            return self.default_value()
        try:
            return self.type(raw)
        except ValueError:
            raise SettingError(f"{self.name}={raw!r} is not a valid {KINDS[self.type]}; "
                               f"unset it for the default ({self.shown()})") from None

    def shown(self) -> str:
        return self.shown_default or str(self.default_value())


def _user_data(*parts: str) -> str:
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("newsarchive"), *parts)


def _user_cache(*parts: str) -> str:
    from platformdirs import user_cache_dir

    return os.path.join(user_cache_dir("newsarchive"), *parts)


STORE = Setting(
    "NEWSARCHIVE_STORE", str, lambda: _user_data("store"),
    "Where the archive lives: a directory (the embedded store) or an Elasticsearch URL "
    "whose path names the alias (http://127.0.0.1:9200/newsarchive); several nodes of one "
    "cluster are comma-separated (http://es1:9200,http://es2:9200/newsarchive). "
    "`--store` overrides it.",
    "store under the user data directory (~/.local/share/newsarchive/store on Linux)",
    STORE_COMMANDS)
EMBEDDER = Setting(
    "NEWSARCHIVE_EMBEDDER", str, "minilm",
    "The embedding model: minilm (all-MiniLM-L6-v2 on NEWSARCHIVE_BACKEND), "
    "minilm-BACKEND, or hash (a fast stand-in without meaning, for tests).",
    commands=MODEL_COMMANDS)
BACKEND = Setting(
    "NEWSARCHIVE_BACKEND", str, "auto",
    "How the model runs: auto (torch-bf16 on a processor with bfloat16 matrix units, else "
    "torch), torch, torch-bf16, torch-amp, onnx or onnx-int8.",
    commands=MODEL_COMMANDS)
ONNX_DIR = Setting(
    "NEWSARCHIVE_ONNX_DIR", str, lambda: _user_cache("models", "all-MiniLM-L6-v2"),
    "Where the model's ONNX exports are written, once, for the onnx backends.",
    "models/all-MiniLM-L6-v2 under the user cache directory", MODEL_COMMANDS)
CACHE = Setting(
    "NEWSARCHIVE_CACHE", str, _user_cache,
    "Directory of the caches: embeddings.sqlite (no passage is embedded twice) and "
    "entities.sqlite (the model's entity spans, so a reindex runs spaCy only on new text).",
    "the user cache directory (~/.cache/newsarchive on Linux)", WRITE_COMMANDS)
NER_WORKERS = Setting(
    "NEWSARCHIVE_NER_WORKERS", int, lambda: min(2, os.cpu_count() or 1),
    "Processes that run entity recognition while indexing (spaCy's uses one core each).",
    "2, or 1 on a one-core machine", WRITE_COMMANDS)
ABOUT_MIN = Setting(
    "NEWSARCHIVE_ABOUT_MIN", float, 1.5,
    "The salience a person or country needs for an article to count as about it (the "
    "facets count only those); chosen on bench/facets_gold.jsonl.",
    commands=WRITE_COMMANDS)
COMMIT_EVERY = Setting(
    "NEWSARCHIVE_COMMIT_EVERY", int, 500,
    "Commit after this many articles while indexing (`--commit-every`).",
    commands=("index",))
COMMIT_SECONDS = Setting(
    "NEWSARCHIVE_COMMIT_SECONDS", float, 30.0,
    "Commit at least this often, in seconds, while indexing (`--commit-seconds`).",
    commands=("index",))
ES_URL = Setting(
    "NEWSARCHIVE_ES_URL", str, "http://127.0.0.1:9200",
    "The Elasticsearch node(s) the tests and benchmarks use, comma-separated for several; "
    "the product itself uses NEWSARCHIVE_STORE.")

ALL = (STORE, EMBEDDER, BACKEND, ONNX_DIR, CACHE, NER_WORKERS, ABOUT_MIN, COMMIT_EVERY,
       COMMIT_SECONDS, ES_URL)


def for_command(command: str | None) -> list[Setting]:
    """The settings a command uses; `None` (the top-level --help) for every product one."""
    return [s for s in ALL if s.commands and (command is None or command in s.commands)]


def markdown() -> str:
    """The README's settings table."""
    rows = ["| setting | type | default | what it sets |", "|---|---|---|---|"]
    for s in ALL:
        rows.append(f"| `{s.name}` | {KINDS[s.type]} | {s.shown()} | {s.help} |")
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
