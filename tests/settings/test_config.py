"""Settings: defaults module, environment overrides, CLI overrides, typed view."""

from __future__ import annotations

import os

import pytest

from pipeline.errors import ConfigError
from settings.config import load_config
from settings.environment import apply_environment, parse_value


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    import settings

    if "NEWSDEDUP_DB" not in os.environ:
        assert settings.NEWSDEDUP_DB == "sqlite:///newsdedup.db"
    config = load_config()
    order = sorted(config.item_pipelines, key=config.item_pipelines.__getitem__)
    assert [path.rsplit(".", 1)[1] for path in order] == [
        "SeenStage", "DecodeStage", "ExtractStage", "RecurringLinesStage", "CleanStage", "MetadataStage",
        "FingerprintStage", "DedupStage", "StoreStage"]
    assert config.dedup.num_perm == 128


def test_environment_overrides_typed() -> None:
    ns = {"NEWSDEDUP_DB": "sqlite://", "NEWSDEDUP_STORE_BATCH": 200, "NEWSDEDUP_NEAR_THRESHOLD": 0.7,
          "NEWSDEDUP_LEXICON_LANGUAGES": ["de"], "OTHER": 1}
    apply_environment(ns, {"NEWSDEDUP_DB": "postgresql://x/y", "NEWSDEDUP_STORE_BATCH": "50",
                           "NEWSDEDUP_NEAR_THRESHOLD": "0.8", "NEWSDEDUP_LEXICON_LANGUAGES": "de, fr",
                           "OTHER": "2"})
    assert ns == {"NEWSDEDUP_DB": "postgresql://x/y", "NEWSDEDUP_STORE_BATCH": 50,
                  "NEWSDEDUP_NEAR_THRESHOLD": 0.8, "NEWSDEDUP_LEXICON_LANGUAGES": ["de", "fr"], "OTHER": 1}


def test_bad_environment_value_names_the_setting() -> None:
    with pytest.raises(ValueError, match="NEWSDEDUP_STORE_BATCH"):
        parse_value("NEWSDEDUP_STORE_BATCH", "many", 200)


def test_cli_overrides_win() -> None:
    assert load_config({"NEWSDEDUP_DB": "sqlite:///x.db"}).db_url == "sqlite:///x.db"


def test_signature_params_name_every_parameter() -> None:
    params = load_config().dedup.signature_params
    for part in ("scheme=affine32", "hash=xxh32", "num_perm=128", "seed=1", "shingle=words5"):
        assert part in params


def test_budget_settings_are_typed_and_checked() -> None:
    budget = load_config({"NEWSDEDUP_MAX_HTML_TAGS": "500", "NEWSDEDUP_DOCUMENT_SECONDS": "2.5"}).budget
    assert (budget.max_html_tags, budget.document_seconds, budget.max_html_depth) == (500, 2.5, 250)
    with pytest.raises(ConfigError, match="NEWSDEDUP_MAX_HTML_DEPTH=300: use 1 to 255"):
        load_config({"NEWSDEDUP_MAX_HTML_DEPTH": 300})
    with pytest.raises(ConfigError, match="NEWSDEDUP_MAX_TEXT_LINES"):
        load_config({"NEWSDEDUP_MAX_TEXT_LINES": 0})
