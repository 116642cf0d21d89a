"""The decoder's bounds, at their edges, as its module docstring states them: six nested layers are read
and a seventh is a problem, whatever the layers are; 4 Mi characters decompressed are read and one more is
a problem; 256 MIME parts are read; a whole base64 value of 20 characters is decoded and a shorter one is
not; a hex digest does not look encoded. Written against the mutants that survived (docs/mutation.md);
every expected verdict is written by hand.
"""

from __future__ import annotations

import base64
import gzip

from souverain.policies._decode import decode, looks_encoded, readable_texts
from test_decode import mime

TEXT = "#!/bin/sh\necho ready\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_six_whole_base64_layers_are_read_and_a_seventh_is_a_problem() -> None:
    text = TEXT
    for _ in range(6):
        text = b64(text.encode())
    six = decode(text)
    assert six.problem is None
    assert len(six.texts) == 6
    assert six.texts[-1] == TEXT
    seven = decode(b64(text.encode()))
    assert seven.problem == "more than 6 nested encodings"


def test_six_embedded_base64_layers_are_read_and_a_seventh_is_a_problem() -> None:
    # cloud-init `write_files` with `encoding: b64`, whose content is itself such a document, and so on
    def layer(inner: str) -> str:
        return f"write_files:\n  - path: /srv/next\n    encoding: b64\n    content: {b64(inner.encode())}\n"

    script = "#!/bin/sh\necho ready to serve the cluster\n"  # 30 bytes and more: a run of 40 characters
    text = script
    for _ in range(6):
        text = layer(text)
    six = decode(text)
    assert six.problem is None
    assert six.texts[-1] == script
    seven = decode(layer(text))
    assert seven.problem == "more than 6 nested encodings"


def test_four_mebi_characters_decompressed_are_read_and_one_more_is_a_problem() -> None:
    edge = "#" * (4 << 20)
    decoded = decode(b64(gzip.compress(edge.encode())))
    assert decoded.problem is None
    assert decoded.texts == (edge,)
    over = decode(b64(gzip.compress((edge + "#").encode())))
    assert over.problem == f"more than {4 << 20} characters once decompressed"


def test_four_mebi_characters_in_plain_base64_are_read_and_one_more_is_a_problem() -> None:
    text = "#" * (4 << 20)
    decoded = decode(b64(text.encode()))
    assert decoded.problem is None
    assert decoded.texts == (text,)
    assert decode(b64((text + "#").encode())).problem == f"more than {4 << 20} characters once decoded"


def test_three_gzip_base64_pairs_are_read_and_a_fourth_is_a_problem() -> None:
    text = TEXT
    for _ in range(3):
        text = b64(gzip.compress(text.encode()))
    three = decode(text)
    assert three.problem is None
    assert three.texts[-1] == TEXT
    assert decode(b64(gzip.compress(text.encode()))).problem == "more than 6 nested encodings"


def test_gzip_with_back_references_across_its_whole_window_inflates() -> None:
    # gzip's window is 32 KiB: a block repeated 20 000 bytes later is a back-reference that far back
    block = "".join(f"echo line {i * 7919 % 100003}\n" for i in range(1200))[:20000]
    text = "#!/bin/sh\n" + block + block
    decoded = decode(b64(gzip.compress(text.encode())))
    assert decoded.problem is None
    assert decoded.texts == (text,)


def test_readable_texts_are_the_value_then_what_it_decodes_to() -> None:
    encoded = b64(TEXT.encode() * 2)
    assert readable_texts(encoded) == (encoded, TEXT * 2)
    assert readable_texts(TEXT) == (TEXT,)


def test_256_mime_parts_are_read_and_257_are_a_problem() -> None:
    def parts(count: int) -> str:
        return mime(*[("text/x-shellscript", "7bit", f"#!/bin/sh\necho {i}\n") for i in range(count)])

    decoded = decode(parts(256))
    assert decoded.problem is None
    assert "#!/bin/sh\necho 255\n" in decoded.texts
    assert decode(parts(257)).problem == "more than 256 MIME parts"


def test_a_whole_base64_value_of_twenty_characters_is_decoded() -> None:
    fifteen = "curl x.example/"  # 15 bytes: 20 base64 characters
    encoded = b64(fifteen.encode())
    assert len(encoded) == 20
    assert decode(encoded).texts == (fifteen,)
    short = b64(b"curl x.test/") + "\n\n\n"  # 16 characters and line breaks: 19, under the bound
    assert len(short) == 19
    assert decode(short).texts == ()


def test_words_that_name_an_encoding_without_one_do_not_look_encoded() -> None:
    assert not looks_encoded("the network boundary is 10.0.0.0/8")
    assert not looks_encoded("uploads are multipart/form-data")
    assert not looks_encoded("encoding: b64")
    assert not looks_encoded("content: " + "QUFB" * 12)  # a long run, but nothing says it is base64


def test_a_hex_digest_does_not_look_encoded() -> None:
    assert not looks_encoded("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
    assert not looks_encoded("9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08")


def test_a_text_naming_multipart_that_is_no_mime_document_is_still_read_for_base64() -> None:
    inner = "#!/bin/sh\ncurl https://get.example.test/install.sh | sh\n"
    text = (
        "# the multipart/mixed boundary is set by cloudinit_config, not here\n"
        f"write_files:\n  - encoding: b64\n    content: {b64(inner.encode())}\n"
    )
    assert decode(text).texts == (inner,)


def test_a_mime_part_in_base64_is_read_once() -> None:
    script = "#!/bin/sh\necho ready to serve the cluster\n"
    document = mime(("text/x-shellscript", "base64", b64(script.encode())))
    assert decode(document).texts == (script,)


def test_a_cut_short_gzip_run_in_a_text_is_dropped_not_a_problem() -> None:
    # a run picked out of a text may just have been cut short (module docstring): no problem, no text
    run = "H4sIAAAAAAAA" + "A" * 44  # gzip's magic, then nothing that inflates
    decoded = decode(f"write_files:\n  - encoding: gz+b64\n    content: {run}\n")
    assert decoded.problem is None
    assert decoded.texts == ()


def test_layers_inside_a_mime_part_count_toward_the_nesting_bound() -> None:
    def nested(count: int) -> str:
        text = TEXT
        for _ in range(count):
            text = b64(text.encode())
        return text

    five = decode(mime(("text/x-shellscript", "7bit", nested(5))))  # the part is layer 1, then 5 more
    assert five.problem is None
    assert five.texts[-1] == TEXT
    six = decode(mime(("text/x-shellscript", "7bit", nested(6))))
    assert six.problem == "more than 6 nested encodings"


def test_every_embedded_run_is_read() -> None:
    first = "#!/bin/sh\necho first file of the cloud config\n"
    second = "#!/bin/sh\necho second file of the cloud config\n"
    text = (
        f"write_files:\n  - encoding: b64\n    content: {b64(first.encode())}\n"
        f"  - encoding: b64\n    content: {b64(second.encode())}\n"
    )
    assert decode(text).texts == (first, second)


def test_a_one_case_text_inside_a_layer_is_not_read_as_base64() -> None:
    """Base64 of real data mixes cases; a one-case token (an id, a hex digest, a lowercase API key) is not
    decoded, even where it happens to be valid base64 (`amdh...` is base64 of `jga...`) and sits inside an
    encoded layer."""
    token = "amdhamdiamdjamdkamdlamdm"
    assert base64.b64decode(token) == b"jgajgbjgcjgdjgejgf"
    outer = b64(token.encode())
    assert not outer.islower()
    assert not outer.isupper()
    assert decode(outer).texts == (token,)
    assert decode(b64(token.upper().encode())).texts == (token.upper(),)


def test_past_the_part_bound_nothing_more_is_read() -> None:
    """257 base64 parts: the 256 first are read, then the problem; the document is not read again for
    the base64 runs it embeds."""
    body = [
        (
            "text/x-shellscript",
            "base64",
            b64(f"#!/bin/sh\necho this is part number {i} of the document\n".encode()),
        )
        for i in range(257)
    ]
    decoded = decode(mime(*body))
    assert decoded.problem == "more than 256 MIME parts"
    assert decoded.texts == tuple(
        f"#!/bin/sh\necho this is part number {i} of the document\n" for i in range(256)
    )
