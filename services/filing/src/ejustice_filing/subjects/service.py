import json
from functools import cache
from pathlib import Path

from ejustice_filing.subjects.models import SubjectRead


@cache
def catalog() -> dict[str, SubjectRead]:
    raw = json.loads((Path(__file__).parent / "seed.json").read_text(encoding="utf-8"))
    return {item["code"]: SubjectRead.model_validate(item) for item in raw}


def find(code: str) -> SubjectRead | None:
    return catalog().get(code)
