"""The query inventory: every query a service sends to its database, with the index that serves it.

Each service package holds a `queries.toml`; this package's own holds the commit store's
queries, which every service's database answers. A file has two lists:

    [[index]]   collection, name, keys = [["field", 1], ...], unique (optional)
    [[query]]   what, where, collection, op ("find", "count" or "delete"), filter, sort
                (optional), index: the name of the index that serves it ("_id_" for `_id`),
                or whole_collection = true for a query whose answer is all the collection holds
                (with `index` too when one keeps the rest of a real collection out of its cost)

A service creates the indexes of its inventory, and of this package's, when it starts
(`ServiceRuntime`). `tests/test_queries.py` runs `explain` on every query of every
inventory and fails on a collection scan, so a new query comes with its index.
"""

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

INVENTORY = "queries.toml"
ID_INDEX = "_id_"


@dataclass(frozen=True)
class Index:
    collection: str
    name: str
    keys: list[tuple[str, int]]
    unique: bool = False

    def model(self) -> IndexModel:
        return IndexModel(self.keys, name=self.name, unique=self.unique)


@dataclass(frozen=True)
class Query:
    what: str
    where: str
    collection: str
    index: str
    filter: dict[str, Any]
    op: str = "find"
    sort: list[tuple[str, int]] = field(default_factory=list)
    whole_collection: bool = False


@dataclass(frozen=True)
class Inventory:
    package: str
    indexes: list[Index]
    queries: list[Query]


def inventory(package: str) -> Inventory:
    """The inventory of a package, e.g. "ejustice_filing"; empty if it has none."""
    source = resources.files(package) / INVENTORY
    if not source.is_file():
        return Inventory(package, [], [])
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    indexes = [Index(i["collection"], i["name"], [tuple(k) for k in i["keys"]], i.get("unique", False))
               for i in data.get("index", [])]
    queries = [Query(q["what"], q["where"], q["collection"], q.get("index", ""), q["filter"], q.get("op", "find"),
                     [tuple(s) for s in q.get("sort", [])], q.get("whole_collection", False))
               for q in data.get("query", [])]
    known = {(i.collection, i.name) for i in indexes}
    for query in queries:
        if query.whole_collection:
            continue
        if query.index != ID_INDEX and (query.collection, query.index) not in known:
            raise ValueError(f"{package}/{INVENTORY}: {query.what!r} names index {query.index!r}, "
                             f"which is not declared for {query.collection}")
    return Inventory(package, indexes, queries)


async def create_indexes(db: AsyncDatabase, package: str) -> None:
    """Create the indexes a package's inventory declares (creating an existing one is a no-op)."""
    by_collection: dict[str, list[Index]] = {}
    for index in inventory(package).indexes:
        by_collection.setdefault(index.collection, []).append(index)
    for collection, indexes in by_collection.items():
        await db[collection].create_indexes([index.model() for index in indexes])
