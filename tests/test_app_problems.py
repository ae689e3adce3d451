"""The Problems page: the known pool run on a sample's ground-truth tests, kept in the user's cache folder (never in
the app's own folder, which an installed package may not be allowed to write)."""

from __future__ import annotations

from app_support import open_app
from conftest import ROOT


def problems_page(monkeypatch, home):
    for name in ("COSPLAY_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    at = open_app()
    at.switch_page("pages/problems.py")
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="problems_sample").set_value(ROOT / "sample_problems" / "run_length")
    at.run()
    return at


def test_the_pool_table_is_kept_in_the_user_cache_and_read_back(monkeypatch, tmp_path):
    before = set((ROOT / ".cosplay_cache").glob("pool_tables/run_length-*.json"))
    at = problems_page(monkeypatch, tmp_path)
    at.button(key="run_pool").click()
    at.run()
    assert not at.exception, at.exception
    kept = list((tmp_path / ".cache" / "cosplay" / "pool_tables").glob("run_length-*.json"))
    assert len(kept) == 1
    assert set((ROOT / ".cosplay_cache").glob("pool_tables/run_length-*.json")) == before
    frame = at.dataframe[0].value
    assert frame.index[0] == "reference" and frame["passed"].iloc[0] == len(frame.columns) - 1
    again = problems_page(monkeypatch, tmp_path)  # a new session: the kept table, no button
    assert not [b for b in again.button if b.key == "run_pool"] and len(again.dataframe) == 1


def test_an_unwritable_cache_folder_falls_back_to_a_temporary_one(monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".cache").write_text("a file where the cache folder would be")  # cannot hold a folder, even for root
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
    at = problems_page(monkeypatch, home)
    at.button(key="run_pool").click()
    at.run()
    assert not at.exception, at.exception
    assert list((tmp_path / "tmp" / "cosplay-cache" / "pool_tables").glob("run_length-*.json"))
    assert at.dataframe[0].value.index[0] == "reference"
