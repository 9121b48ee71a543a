"""Settings are declared once (newsarchive/settings.py): the README documents
exactly those, `--help` shows them, and a bad value is reported by name."""
import re

from click.testing import CliRunner

from newsarchive import settings
from newsarchive.cli import cli
from tests.conftest import ROOT


def test_readme_table_is_the_modules():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- settings[^>]*-->\n(.*?)<!-- /settings -->", readme, re.S)
    assert table, "README.md lost its settings table markers"
    assert table.group(1) == settings.markdown(), \
        "README's settings table is stale: paste the output of `python -m newsarchive.settings`"


def test_no_module_reads_the_environment_itself():
    # Setting HF_HUB_OFFLINE for the model libraries is a write, not a setting.
    readers = re.compile(r"environ\.get\(|environ\[|getenv\(")
    for package in ("archive", "indexer", "newsarchive"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "settings.py":
                assert not readers.search(path.read_text()), f"{path} reads os.environ"


def test_help_lists_the_settings_each_command_uses():
    top = CliRunner().invoke(cli, ["--help"]).output
    serve = CliRunner().invoke(cli, ["serve", "--help"]).output
    for s in settings.for_command(None):
        assert s.name in top
    assert "NEWSARCHIVE_STORE" in serve and "NEWSARCHIVE_EMBEDDER" in serve
    assert "NEWSARCHIVE_NER_WORKERS" not in serve  # serving runs no NER
    assert "NEWSARCHIVE_ES_URL" not in top  # the tests' setting, not the product's


def test_a_bad_value_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSARCHIVE_EMBEDDER", "hash")
    monkeypatch.setenv("NEWSARCHIVE_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NEWSARCHIVE_NER_WORKERS", "two")
    result = CliRunner().invoke(cli, ["index", "--store", str(tmp_path / "store"),
                                      str(ROOT / "samples")])
    assert result.exit_code == 2
    assert "NEWSARCHIVE_NER_WORKERS='two' is not a valid integer" in result.output


def test_unset_and_empty_mean_the_default(monkeypatch):
    monkeypatch.setenv("NEWSARCHIVE_ABOUT_MIN", "")
    assert settings.ABOUT_MIN.get() == 1.5
    monkeypatch.setenv("NEWSARCHIVE_ABOUT_MIN", "0.5")
    assert settings.ABOUT_MIN.get() == 0.5


def test_an_unknown_model_is_a_setting_error_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.delenv("NEWSARCHIVE_EMBEDDER", raising=False)
    monkeypatch.setenv("NEWSARCHIVE_BACKEND", "gpu")
    result = CliRunner().invoke(cli, ["index", "--store", str(tmp_path / "store"),
                                      str(ROOT / "samples" / "articles.jsonl")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "unknown embedder 'minilm-gpu'" in result.output
    assert "NEWSARCHIVE_BACKEND auto or one of torch" in result.output
