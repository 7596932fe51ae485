"""Documents stored in chunks in a service's own database, addressed by SHA-256 (filings' and notices' documents).

Chunks are written first and the manifest last, so a document exists only once it is whole;
the same content uploaded twice is stored once.
"""

import contextlib
import hashlib
from typing import Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

CHUNK_BYTES = 255 * 1024


class BlobStore(Protocol):
    async def put(self, data: bytes) -> str: ...

    async def get(self, sha256: str) -> bytes | None: ...


class ChunkedBlobStore:
    def __init__(self, db: AsyncDatabase, *, prefix: str = "blobs"):
        self.chunks = db[f"{prefix}_chunks"]
        self.manifests = db[f"{prefix}_manifests"]

    async def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if await self.manifests.find_one({"_id": digest}, projection={"_id": 1}):
            return digest
        count = max(1, -(-len(data) // CHUNK_BYTES))
        for n in range(count):
            with contextlib.suppress(DuplicateKeyError):
                await self.chunks.insert_one({"_id": f"{digest}/{n:06d}",
                                              "data": data[n * CHUNK_BYTES:(n + 1) * CHUNK_BYTES]})
        with contextlib.suppress(DuplicateKeyError):
            await self.manifests.insert_one({"_id": digest, "size": len(data), "chunks": count})
        return digest

    async def get(self, sha256: str) -> bytes | None:
        manifest = await self.manifests.find_one({"_id": sha256})
        if manifest is None:
            return None
        parts = []
        for n in range(manifest["chunks"]):
            chunk = await self.chunks.find_one({"_id": f"{sha256}/{n:06d}"})
            parts.append(bytes(chunk["data"]))
        data = b"".join(parts)
        if hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError(f"stored document {sha256} is corrupt")
        return data
