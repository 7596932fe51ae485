"""Every query in the inventories is served by its index: `explain` shows no collection scan.

Each inventory's indexes are created in a scratch database by the code services run at start,
its collections are filled with a few thousand documents shaped like the queries' filters (so
the planner has a reason to choose), and every query is explained. A query the inventory
marks `whole_collection` answers with everything its collection holds; it is listed but not
held to an index.
"""

import uuid

import pytest
from pymongo import AsyncMongoClient

from ejustice_shared import queries
from tests.support.stores import MONGODB_URL

PACKAGES = ["ejustice_shared", *(f"ejustice_{name}" for name in
                                 ("filing", "notification", "payment", "registry", "gateway"))]
DOCUMENTS = 3000
SCANS = {"COLLSCAN", "SEQ_SCAN", "Seq Scan"}


def base(value):
    """The scalar a filter value stands for: {"$lt": x} -> x, [x, ...] -> x."""
    if isinstance(value, dict):
        return base(next(iter(value.values())))
    if isinstance(value, list):
        return base(value[0])
    return value


def documents(inventory: queries.Inventory, collection: str) -> list[dict]:
    """Documents carrying every field the collection's indexes and filters name, with many distinct values."""
    fields: dict[str, object] = {}
    for index in inventory.indexes:
        if index.collection == collection:
            fields |= {name: "x" for name, _ in index.keys}
    for query in inventory.queries:
        if query.collection == collection:
            fields |= {name: base(value) for name, value in query.filter.items() if name != "_id"}

    def value(example, n: int):
        return n % 10 + 1 if isinstance(example, int) else f"{example}~{n // 10:06d}"

    return [{"_id": f"{collection}-{n:06d}", **{name: value(example, n) for name, example in fields.items()}}
            for n in range(DOCUMENTS)]


def stages(plan) -> list[str]:
    """Every stage name and index name anywhere in an explain answer."""
    found = []
    if isinstance(plan, dict):
        for key, value in plan.items():
            if key in {"stage", "indexName", "Node Type", "Index Name"} and isinstance(value, str):
                found.append(value)
            found += stages(value)
    elif isinstance(plan, list):
        for item in plan:
            found += stages(item)
    return found


async def explain(db, query: queries.Query) -> dict:
    if query.op == "count":
        command = {"count": query.collection, "query": query.filter}
    elif query.op == "delete":  # DocumentDB's gateway explains no delete: its look-up is the find of its filter
        command = {"find": query.collection, "filter": query.filter, "limit": 1}
    else:
        command = {"find": query.collection, "filter": query.filter}
        if query.sort:
            command["sort"] = dict(query.sort)
    return await db.command({"explain": command, "verbosity": "queryPlanner"})


@pytest.mark.parametrize("package", PACKAGES)
async def test_every_query_of_the_inventory_uses_its_index(infrastructure, package):
    inventory = queries.inventory(package)
    client = AsyncMongoClient(MONGODB_URL)
    db = client[f"explain_{uuid.uuid4().hex[:10]}"]
    try:
        await queries.create_indexes(db, package)
        for collection in {q.collection for q in inventory.queries} | {i.collection for i in inventory.indexes}:
            await db[collection].insert_many(documents(inventory, collection))
        failures = []
        for query in inventory.queries:
            plan = stages(await explain(db, query))
            if query.whole_collection:
                continue
            if SCANS & set(plan) or query.index not in plan:
                failures.append(f"{query.what} ({query.where}): {plan}")
        assert not failures, "queries not served by their index:\n" + "\n".join(failures)
    finally:
        await client.drop_database(db.name)
        await client.close()


async def test_services_create_their_indexes_at_start(platform):
    client = AsyncMongoClient(MONGODB_URL)
    try:
        for name in ("filing", "notification"):
            db = client[platform.database(name)]
            declared = [*queries.inventory("ejustice_shared").indexes, *queries.inventory(f"ejustice_{name}").indexes]
            for index in declared:
                names = {i["name"] async for i in await db[index.collection].list_indexes()}
                assert index.name in names, f"{name}: {index.collection}.{index.name} missing"
    finally:
        await client.close()
