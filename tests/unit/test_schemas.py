from ejustice_shared.events import schemas


def test_committed_event_schemas_match_the_models():
    assert schemas.main(["--check"]) == 0, "run `make schemas` and commit the result"


def test_every_published_event_has_a_schema_and_a_channel():
    files = schemas.render()
    assert "events/filing.submitted.v1.json" in files and "events/fee.assessed.v1.json" in files
    assert '"filing.opened"' not in files["asyncapi.json"]  # internal dossier entries stay inside
