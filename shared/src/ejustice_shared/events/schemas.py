"""Writes the JSON Schema of every event, and an AsyncAPI document, for courts and other outside consumers.

    python -m ejustice_shared.events.schemas [--check]

With --check it writes nothing and fails when the committed files differ from the models.
The AsyncAPI document's operations come from each service's composition root (`main.py`):
what it `publishes` and what it `subscribe`s to (docs/architecture.md); a channel's address is
the event's real routing key, e.g. `court.{court_id}.filing.forwarded`.
"""

import importlib
import json
import re
import sys
from pathlib import Path

from ejustice_shared.events.catalog import Money  # noqa: F401 - the catalog registers itself on import
from ejustice_shared.events.envelope import CATALOG, Envelope, EventData

OUT = Path(__file__).resolve().parents[3] / "schemas"
SERVICES = ("filing", "payment", "notification", "registry", "gateway")
COURT_KEY = "court."
BY_COURT_KEY = "by-court."  # what a court publishes, on its own key


def address_of(model: type[EventData]) -> str:
    """The routing key with each field it depends on as a `{parameter}`."""
    if model.routing_key is EventData.routing_key:
        return model.type
    placeholders = model.model_construct(**{name: "{" + name + "}" for name in model.model_fields})
    return placeholders.routing_key()


def service_lists() -> dict[str, tuple[list[str], list[str]]]:
    """Each service's (published event types, subscribed event types), from its composition root; and the
    courts': what a court publishes on its own key (`by-court.<id>.…`) and what its queue (`court.<id>.#`) receives."""
    lists = {}
    for name in SERVICES:
        runtime = importlib.import_module(f"ejustice_{name}.main").runtime
        lists[name] = ([e.type for e in runtime.published], [e.type for e, _ in runtime.subscriptions])
    published = {t: m for t, m in sorted(CATALOG.items()) if m.published}
    lists["court"] = ([t for t, m in published.items() if address_of(m).startswith(BY_COURT_KEY)],
                      [t for t, m in published.items() if address_of(m).startswith(COURT_KEY)])
    return lists


SUMMARIES = {
    ("court", "send"): "A court's client publishes {event} on its own key (by-court.<id>.…); the broker refuses "
                       "any other court's.",
    ("court", "receive"): "A court's client consumes {event} from its queue (bound to court.<id>.#).",
    ("*", "send"): "The {service} service publishes {event}.",
    ("*", "receive"): "The {service} service consumes {event}.",
}


def operations() -> dict[str, dict]:
    found: dict[str, dict] = {}
    for service, (sends, receives) in service_lists().items():
        for action, types in (("send", sends), ("receive", receives)):
            summary = SUMMARIES.get((service, action)) or SUMMARIES[("*", action)]
            for event_type in types:
                found[f"{service}.{action}.{event_type}"] = {
                    "action": action, "channel": {"$ref": f"#/channels/{event_type}"},
                    "summary": summary.format(service=service, event=event_type)}
    return dict(sorted(found.items()))


def channel(event_type: str, model: type[EventData]) -> dict:
    address = address_of(model)
    found = {"address": address, "messages": {event_type: {
        "name": event_type, "contentType": "application/json",
        "payload": {"$ref": f"events/{event_type}.v{model.version}.json"},
        "description": (model.__doc__ or "").strip()}}}
    if parameters := re.findall(r"{(\w+)}", address):
        found["parameters"] = {name: {"description": f"The event's `{name}`."} for name in parameters}
    return found


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
        "channels": {event_type: channel(event_type, model) for event_type, model in published.items()},
        "operations": operations(),
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
