import json

from ejustice_shared.events import schemas


def test_committed_event_schemas_match_the_models():
    assert schemas.main(["--check"]) == 0, "run `make schemas` and commit the result"


def test_every_published_event_has_a_schema_and_a_channel():
    files = schemas.render()
    assert "events/filing.submitted.v1.json" in files and "events/fee.assessed.v1.json" in files
    assert '"filing.opened"' not in files["asyncapi.json"]  # internal dossier entries stay inside


def test_every_published_event_has_one_publisher_and_every_subscription_a_publisher():
    lists = schemas.service_lists()
    publishers: dict[str, list[str]] = {}
    for service, (sends, _) in lists.items():
        for event_type in sends:
            publishers.setdefault(event_type, []).append(service)
    published = {t for t, m in schemas.CATALOG.items() if m.published}
    assert set(publishers) == published, "list each published event in its service's main.py"
    assert all(len(services) == 1 for services in publishers.values()), publishers
    assert {t for _, (_, receives) in lists.items() for t in receives} <= set(publishers)


def test_a_court_s_events_travel_on_their_real_routing_key():
    document = json.loads(schemas.render()["asyncapi.json"])
    forwarded = document["channels"]["filing.forwarded"]
    assert forwarded["address"] == "court.{court_id}.filing.forwarded" and "court_id" in forwarded["parameters"]
    assert document["operations"]["court.receive.filing.forwarded"]["action"] == "receive"
    assert document["operations"]["payment.receive.filing.submitted"]["channel"] == {
        "$ref": "#/channels/filing.submitted"}


def test_what_a_court_publishes_and_receives_is_listed_on_its_own_keys():
    document = json.loads(schemas.render()["asyncapi.json"])
    assert document["channels"]["court_notice.posted"]["address"] == "by-court.{court_id}.notice.posted"
    assert document["operations"]["court.send.court_notice.posted"]["action"] == "send"
    assert document["operations"]["notification.receive.court_notice.posted"]["action"] == "receive"
    assert document["channels"]["court_notice.recorded"]["address"] == "court.{court_id}.court_notice.recorded"
    assert document["operations"]["court.receive.court_notice.recorded"]["action"] == "receive"
    assert document["operations"]["notification.send.court_notice.recorded"]["action"] == "send"
