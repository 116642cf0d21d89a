"""The shared decoder: what it reads inside a value, and what it refuses to read (fail closed)."""

from __future__ import annotations

import base64
import gzip
import zlib

from souverain.policies._decode import MAX_DECODED_CHARS, decode, looks_encoded, readable_texts

CLOUD_CONFIG = "#cloud-config\npackages: [nginx]\n"
SCRIPT = "#!/bin/sh\necho ready\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def mime(*parts: tuple[str, str, str]) -> str:
    """A cloud-init multipart document as Terraform's cloudinit_config writes it (CRLF, one boundary)."""
    out = ['Content-Type: multipart/mixed; boundary="MIMEBOUNDARY"\nMIME-Version: 1.0\r\n\r\n']
    for content_type, encoding, body in parts:
        out.append(
            f"--MIMEBOUNDARY\r\nContent-Transfer-Encoding: {encoding}\r\nContent-Type: {content_type}\r\n"
            f"Mime-Version: 1.0\r\n\r\n{body}\r\n"
        )
    out.append("--MIMEBOUNDARY--\r\n")
    return "".join(out)


def test_plain_text_is_not_decoded() -> None:
    for text in (
        CLOUD_CONFIG,
        "https://auth.snc.acme.test/v3",
        "SNC-PAR-1",
        "8f14e45f-ceea-467f-a0e6-1c4d6d8b2b4c",
    ):
        assert decode(text).texts == ()
        assert decode(text).problem is None
        assert readable_texts(text) == (text,)


def test_whole_base64_with_and_without_line_breaks() -> None:
    long_text = CLOUD_CONFIG * 6  # longer than one 76-character line once encoded
    assert decode(b64(CLOUD_CONFIG.encode())).texts == (CLOUD_CONFIG,)
    wrapped = base64.encodebytes(long_text.encode()).decode()
    assert "\n" in wrapped.strip()
    assert decode(wrapped).texts == (long_text,)
    assert decode(wrapped.replace("\n", "\r\n")).texts == (long_text,)


def test_gzip_base64_as_cloudinit_config_writes_it() -> None:
    assert decode(b64(gzip.compress(CLOUD_CONFIG.encode()))).texts == (CLOUD_CONFIG,)
    zlib_gzip = zlib.compressobj(9, zlib.DEFLATED, 31)  # another gzip writer: the same stream format
    data = zlib_gzip.compress(SCRIPT.encode()) + zlib_gzip.flush()
    assert decode(b64(data)).texts == (SCRIPT,)


def test_mime_multipart_parts_each_decoded_by_its_transfer_encoding() -> None:
    document = mime(
        ("text/cloud-config", "base64", b64(CLOUD_CONFIG.encode())),
        ("text/x-shellscript", "7bit", SCRIPT),
    )
    texts = decode(document).texts
    assert CLOUD_CONFIG in texts
    assert SCRIPT in texts
    # the whole document gzip+base64 (cloudinit_config's defaults): three layers
    texts = decode(b64(gzip.compress(document.encode()))).texts
    assert texts[0] == document
    assert CLOUD_CONFIG in texts
    assert SCRIPT in texts


def test_write_files_gz_b64_contents_in_a_cloud_config() -> None:
    payload = b64(gzip.compress(b"listen: 0.0.0.0\n" * 8))
    wrapped = "\n      ".join(payload[i : i + 60] for i in range(0, len(payload), 60))
    document = (
        "#cloud-config\nwrite_files:\n  - path: /etc/x\n    encoding: gz+b64\n"
        f"    content: |\n      {wrapped}\n"
    )
    assert decode(document).texts == ("listen: 0.0.0.0\n" * 8,)


def test_a_decompression_bomb_is_a_problem_not_a_text() -> None:
    bomb = b64(gzip.compress(b"A" * (MAX_DECODED_CHARS + 1024)))
    assert len(bomb) < 100_000  # small on the wire
    decoded = decode(bomb)
    assert decoded.problem is not None
    assert "decompressed" in decoded.problem
    assert all(len(text) <= MAX_DECODED_CHARS for text in decoded.texts)


def test_nesting_beyond_the_bound_is_a_problem() -> None:
    text = CLOUD_CONFIG
    for _ in range(3):
        text = b64(text.encode())
    assert decode(text).texts[-1] == CLOUD_CONFIG
    assert decode(text).problem is None
    for _ in range(6):
        text = b64(text.encode())
    assert decode(text).problem is not None
    assert "nested" in (decode(text).problem or "")


def test_gzip_that_does_not_inflate_is_a_problem() -> None:
    broken = b64(gzip.compress(CLOUD_CONFIG.encode())[:-12] + b"\x00" * 12)
    truncated = b64(b"\x1f\x8b\x08\x00" + b"\xff" * 30)
    for value in (broken, truncated):
        assert decode(value).problem is not None, value


def test_binary_payloads_are_dropped_without_a_problem() -> None:
    png = b64(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert decode(png).texts == ()
    assert decode(png).problem is None


def test_looks_encoded_is_false_for_ordinary_values() -> None:
    for text in ("postgres:16", "b2-7", "SNC-PAR-1", "10.0.0.0/24", "an ordinary sentence with words"):
        assert not looks_encoded(text), text
    assert looks_encoded(b64(CLOUD_CONFIG.encode()))
