"""What a document may be: judged by its content, never by its name."""

# Leading bytes of the formats a court accepts.
ACCEPTED_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}

# How a document's download is documented: its bytes, in the format it was judged to be.
DOWNLOAD_RESPONSES = {200: {
    "description": "The document's bytes; the x-content-sha256 header carries their SHA-256.",
    "content": {media_type: {"schema": {"type": "string", "format": "binary"}} for media_type in ACCEPTED_SIGNATURES},
}}

# Leading bytes of programs, named so the refusal can say what the file really is.
EXECUTABLE_SIGNATURES: dict[bytes, str] = {
    b"MZ": "a Windows program",
    b"\x7fELF": "a Linux program",
    b"\xcf\xfa\xed\xfe": "a macOS program",
    b"#!": "a script",
}

OTHER_DOCUMENT = "other"
