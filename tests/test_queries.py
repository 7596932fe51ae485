"""Every query in the inventories is served by its index: `explain` shows no collection scan.

Each inventory's indexes are created in a scratch database by the code services run at start,
its collections are filled with documents shaped like the queries' filters (ten matching the
example values, so the planner has a reason to choose), and every query is
explained with its execution statistics, at 1,000 and again at 4,000 documents. It fails when
the plan does not name the query's index, when any stage reads a number of documents or keys
near the collection's size, or when the blocks read grow with the collection (a range on the
second key of a compound index does, in DocumentDB). DocumentDB calls a look-up through the
`_id` primary key "COLLSCAN" over "_id_", so the stage's name alone does not tell a scan. A
query the inventory marks `whole_collection` answers with everything its collection holds: it
need only come through the index it names, if it names one.
"""

import uuid

import pytest
from pymongo import AsyncMongoClient

from ejustice_shared import queries
from tests.support.stores import MONGODB_URL

PACKAGES = ["ejustice_shared", *(f"ejustice_{name}" for name in
                                 ("filing", "notification", "payment", "registry", "gateway"))]
FIRST, SECOND = 1000, 4000  # documents in each collection when the queries are explained, twice
SCANNED = SECOND // 2  # a stage reading this many documents or keys is scanning the collection


def base(value):
    """The scalar a filter value stands for: {"$lt": x} -> x, [x, ...] -> x."""
    if isinstance(value, dict):
        return base(next(iter(value.values())))
    if isinstance(value, list):
        return base(value[0])
    return value


def documents(inventory: queries.Inventory, collection: str, numbers: range) -> list[dict]:
    """Documents carrying every field the collection's indexes and filters name, with many distinct values."""
    fields: dict[str, object] = {}
    for index in inventory.indexes:
        if index.collection == collection:
            fields |= {name: 0 for name, _ in index.keys}  # distinct numbers unless a filter says otherwise
    examples: dict[str, object] = {}
    for query in inventory.queries:
        if query.collection == collection:
            for name, value in query.filter.items():
                # An equality's example wins over a range's: the documents must match the equality's ten.
                if name != "_id" and (name not in examples or not isinstance(value, dict | list)):
                    examples[name] = base(value)
    fields |= examples

    def value(example, n: int):
        if isinstance(example, int):
            return n
        # The example matches the same ten documents at both sizes, so the answers do not grow.
        return example if n < FIRST and n % 100 == 0 else f"{example}~{n // 10:06d}"

    return [{"_id": f"{collection}-{n:06d}", **{name: value(example, n) for name, example in fields.items()}}
            for n in numbers]


def walk(plan) -> tuple[set[str], int, int]:
    """The index names anywhere in an explain answer, the most documents or keys any stage read,
    and the most index and table blocks any stage read."""
    names, most, blocks = set(), 0, 0
    if isinstance(plan, dict):
        blocks = sum(int(plan.get(key, 0)) for key in ("numBlocksFromCache", "numBlocksFromDisk"))
        for key, value in plan.items():
            if key == "indexName" and isinstance(value, str):
                names.add(value)
            elif key in {"nReturned", "totalDocsExamined", "totalKeysExamined"} and isinstance(value, int | float):
                most = max(most, int(value))
            elif isinstance(value, dict | list):
                inner = walk(value)
                names, most, blocks = names | inner[0], max(most, inner[1]), max(blocks, inner[2])
    elif isinstance(plan, list):
        for item in plan:
            inner = walk(item)
            names, most, blocks = names | inner[0], max(most, inner[1]), max(blocks, inner[2])
    return names, most, blocks


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
        collections = {q.collection for q in inventory.queries} | {i.collection for i in inventory.indexes}
        checked = [query for query in inventory.queries if not query.whole_collection]
        blocks_at_first = {}
        for numbers in (range(FIRST), range(FIRST, SECOND)):
            for collection in collections:
                await db[collection].insert_many(documents(inventory, collection, numbers))
            for query in checked:
                indexes, most_read, blocks = walk(plan := await explain(db, query))
                blocks_at_first.setdefault(query.what, blocks)
        failures = []
        for query in checked:
            indexes, most_read, blocks = walk(plan := await explain(db, query))
            # Four times the documents: a query served by its index reads about the same blocks; a scan, or
            # a range walked over a whole index, reads over twice as many.
            if query.index not in indexes or most_read >= SCANNED or blocks > 1.5 * blocks_at_first[query.what] + 4:
                failures.append(f"{query.what} ({query.where}): indexes {indexes}, read {most_read} rows, "
                                f"{blocks_at_first[query.what]} then {blocks} blocks: {plan}")
        for query in inventory.queries:
            # An answer that is all the test data still comes through its index, when the inventory names one.
            if query.whole_collection and query.index and query.index not in walk(plan := await explain(db, query))[0]:
                failures.append(f"{query.what} ({query.where}): not served by {query.index}: {plan}")
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
