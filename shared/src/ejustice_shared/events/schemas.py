"""Writes the JSON Schema of every event, and an AsyncAPI document, for courts and other outside consumers.

    python -m ejustice_shared.events.schemas [--check]

With --check it writes nothing and fails when the committed files differ from the models.
"""

import json
import sys
from pathlib import Path

from ejustice_shared.events.catalog import Money  # noqa: F401 - the catalog registers itself on import
from ejustice_shared.events.envelope import CATALOG, Envelope

OUT = Path(__file__).resolve().parents[3] / "schemas"


def render() -> dict[str, str]:
    files: dict[str, str] = {}
    files["envelope.json"] = _dump(Envelope.model_json_schema())
    published = {t: m for t, m in sorted(CATALOG.items()) if m.published}
    for event_type, model in published.items():
        schema = model.model_json_schema()
        schema["$id"] = f"{event_type}.v{model.version}.json"
        schema["x-event-type"], schema["x-event-version"] = event_type, model.version
        files[f"events/{event_type}.v{model.version}.json"] = _dump(schema)
    files["asyncapi.json"] = _dump({
        "asyncapi": "3.0.0",
        "info": {"title": "ejustice domain events", "version": "1.0.0",
                 "description": "Events on the topic exchange <namespace>.events; each message body is the "
                                "envelope (envelope.json) whose `data` follows the event's schema."},
        "channels": {
            event_type: {"address": event_type, "messages": {event_type: {
                "name": event_type, "contentType": "application/json",
                "payload": {"$ref": f"events/{event_type}.v{model.version}.json"},
                "description": (model.__doc__ or "").strip()}}}
            for event_type, model in published.items()
        },
    })
    return files


def _dump(value: dict) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    files = render()
    if "--check" in argv:
        stale = [name for name, text in files.items()
                 if not (OUT / name).exists() or (OUT / name).read_text("utf-8") != text]
        if stale:
            print("event schemas are out of date, run `make schemas`: " + ", ".join(stale))
            return 1
        return 0
    for name, text in files.items():
        (OUT / name).parent.mkdir(parents=True, exist_ok=True)
        (OUT / name).write_text(text, "utf-8")
    print(f"wrote {len(files)} files to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
