"""What a document may be: judged by its content, never by its name."""

# Leading bytes of the formats a court accepts.
ACCEPTED_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
}

# Leading bytes of programs, named so the refusal can say what the file really is.
EXECUTABLE_SIGNATURES: dict[bytes, str] = {
    b"MZ": "a Windows program",
    b"\x7fELF": "a Linux program",
    b"\xcf\xfa\xed\xfe": "a macOS program",
    b"#!": "a script",
}

OTHER_DOCUMENT = "other"
