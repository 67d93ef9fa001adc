"""One version number (core/version.py), the newest release in CHANGELOG.md, shown by /api/me/."""

import re
from pathlib import Path

from core.version import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_semver_and_the_changelogs_newest_release():
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    releases = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.MULTILINE)
    assert releases and releases[0] == __version__


def test_me_shows_the_version_behind_login(api, anon):
    assert api.get("/api/me/").json()["version"] == __version__
    assert anon.get("/api/me/").status_code in (401, 403)
