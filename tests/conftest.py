import httpx
import pytest

from tests.support.platform import Platform, ensure_infrastructure


@pytest.fixture(scope="session")
def infrastructure() -> None:
    ensure_infrastructure()


@pytest.fixture(scope="session")
def platform(infrastructure) -> Platform:
    """All five services, shared by the tests that do not kill or reconfigure any of them."""
    running = Platform().start()
    yield running
    running.stop()


@pytest.fixture
def fresh_platform(infrastructure):
    """A platform of the test's own, for tests that crash, restart or reconfigure services."""
    platforms: list[Platform] = []

    def make() -> Platform:
        platforms.append(Platform())
        return platforms[-1]

    yield make
    for made in platforms:
        made.stop()


@pytest.fixture
def client(platform):
    """An HTTP client to the shared platform's gateway."""
    with httpx.Client(base_url=platform.gateway, timeout=30) as client:
        yield client


# Markers (registered in pyproject.toml): `-m unit` runs in seconds with no server; `-m "process and not slow"`
# is the quick round against the real broker and store; `make test` runs everything.
SLOW = {"test_crashes.py", "test_broker_restart.py", "test_store_crash.py", "test_fuzz.py", "test_poison.py",
        "test_readme_walkthrough.py", "test_queries.py", "test_deploy.py"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "unit" in item.path.parts:
            item.add_marker(pytest.mark.unit)
            continue
        item.add_marker(pytest.mark.process)
        if item.path.name in SLOW:
            item.add_marker(pytest.mark.slow)
