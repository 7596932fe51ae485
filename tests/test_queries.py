"""Every query in the inventories is served by its index: `explain` shows no collection scan.

Each inventory's indexes are created in a scratch database by the code services run at start,
its collections are filled with a few thousand documents shaped like the queries' filters (one
in a hundred matching the example values, so the planner has a reason to choose), and every
query is explained with its execution statistics. It fails when the plan does not name the
query's index, or when any stage reads a number of documents or keys near the collection's
size. (DocumentDB calls a look-up through the `_id` primary key "COLLSCAN" over "_id_", so the
stage's name alone does not tell a scan.) A query the inventory marks `whole_collection`
answers with everything its collection holds; it is listed but not held to an index.
"""

import uuid

import pytest
from pymongo import AsyncMongoClient

from ejustice_shared import queries
from tests.support.stores import MONGODB_URL

PACKAGES = ["ejustice_shared", *(f"ejustice_{name}" for name in
                                 ("filing", "notification", "payment", "registry", "gateway"))]
DOCUMENTS = 3000
SCANNED = DOCUMENTS // 2  # a stage reading this many documents or keys is scanning the collection


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
        if isinstance(example, int):
            return n
        return example if n % 100 == 0 else f"{example}~{n // 10:06d}"

    return [{"_id": f"{collection}-{n:06d}", **{name: value(example, n) for name, example in fields.items()}}
            for n in range(DOCUMENTS)]


def walk(plan) -> tuple[set[str], int]:
    """The index names anywhere in an explain answer, and the most documents or keys any stage read."""
    names, most = set(), 0
    if isinstance(plan, dict):
        for key, value in plan.items():
            if key == "indexName" and isinstance(value, str):
                names.add(value)
            elif key in {"nReturned", "totalDocsExamined", "totalKeysExamined"} and isinstance(value, int | float):
                most = max(most, int(value))
            else:
                inner_names, inner_most = walk(value)
                names, most = names | inner_names, max(most, inner_most)
    elif isinstance(plan, list):
        for item in plan:
            inner_names, inner_most = walk(item)
            names, most = names | inner_names, max(most, inner_most)
    return names, most


async def explain(db, query: queries.Query) -> dict:
    if query.op == "count":
        command = {"count": query.collection, "query": query.filter}
    elif query.op == "delete":  # DocumentDB's gateway explains no delete: its look-up is the find of its filter
        command = {"find": query.collection, "filter": query.filter, "limit": 1}
    else:
        command = {"find": query.collection, "filter": query.filter}
        if query.sort:
            command["sort"] = dict(query.sort)
    return await db.command({"explain": command, "verbosity": "executionStats"})


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
            if query.whole_collection:
                continue
            plan = await explain(db, query)
            indexes, most_read = walk(plan)
            if query.index not in indexes or most_read >= SCANNED:
                failures.append(f"{query.what} ({query.where}): indexes {indexes}, read {most_read}: {plan}")
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
