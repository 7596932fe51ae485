"""Every text the portal's templates and views mark for translation has a Persian and a Vietnamese translation
(English falls back to the text itself), and the template catalogue is current."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "services" / "gateway" / "src" / "ejustice_gateway" / "web" / "locales"


def catalogue(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def test_the_template_catalogue_is_current(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "services/gateway/babel.cfg",
                    "-k", "translate:2", "--no-location", "--sort-output", "-o", str(fresh), "services/gateway"],
                   cwd=ROOT, check=True, capture_output=True)
    assert {m.id for m in catalogue(fresh)} == {m.id for m in catalogue(LOCALES / "messages.pot")}


@pytest.mark.parametrize("lang", ["fa", "vi"])
def test_every_text_is_translated(lang):
    wanted = {m.id for m in catalogue(LOCALES / "messages.pot") if m.id}
    translated = {m.id for m in catalogue(LOCALES / lang / "LC_MESSAGES" / "messages.po")
                  if m.id and m.string and not m.fuzzy}
    assert sorted(wanted - translated) == []
