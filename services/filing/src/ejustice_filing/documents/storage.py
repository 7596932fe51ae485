"""Filings' documents are kept by the shared chunked blob store, addressed by SHA-256."""

from ejustice_shared.blobs import CHUNK_BYTES, BlobStore, ChunkedBlobStore

__all__ = ["CHUNK_BYTES", "BlobStore", "ChunkedBlobStore"]
