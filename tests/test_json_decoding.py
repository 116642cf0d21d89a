"""Plan decoding: msgspec, member by member, gives what the standard library gives, or its error."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from souverain.errors import InputError
from souverain.readers._json import LazyDocument, decode_document, decode_json, member_as

_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(st.text(max_size=10), _VALUES, max_size=6), ascii_only=st.booleans())
def test_every_member_decodes_as_the_standard_library_decodes_it(
    document: dict[str, Any], ascii_only: bool
) -> None:
    raw = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
    try:
        expected = decode_json(raw, "plan.json")
    except InputError as exc:  # a lone surrogate written raw: not UTF-8
        expected_error = exc.message
    else:
        expected_error = None
    if expected_error is not None:
        with pytest.raises(InputError, match="not UTF-8") as caught:
            decode_document(raw, "plan.json")
        assert caught.value.message == expected_error
        return
    decoded = decode_document(raw, "plan.json")
    assert list(decoded) == list(expected)
    assert {key: decoded[key] for key in decoded} == expected


def test_a_plan_object_is_split_into_members_that_are_built_when_read() -> None:
    decoded = decode_document(b'{"steps": [1, 2], "unread": {"big": [3]}}', "plan.json")
    assert isinstance(decoded, LazyDocument)
    assert "unread" in decoded
    assert len(decoded) == 2
    assert decoded.get("steps") == [1, 2]
    assert decoded.get("missing") is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"config": {"k": "\\ud800 lone surrogate escape"}}',  # msgspec refuses it, the stdlib accepts it
        b'\xef\xbb\xbf{"config": {"k": 1}}',  # a byte-order mark
        b'[{"config": 1}]',  # not an object: decoded whole
    ],
)
def test_what_msgspec_refuses_or_cannot_split_is_decoded_by_the_standard_library(raw: bytes) -> None:
    decoded = decode_document(raw, "plan.json")
    expected = decode_json(raw, "plan.json")
    assert (dict(decoded) if isinstance(decoded, LazyDocument) else decoded) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"config": {"k": 1e400}}', "number 1e400 is too large"),
        (b'{"config": {"k": NaN}, "unread": 1}', "NaN is not valid JSON"),
        (b'{"unread": NaN, "config": {}}', "NaN is not valid JSON"),  # syntax is checked everywhere
        (b'{"unread": "caf\xe9", "config": {}}', "not UTF-8 text"),  # and UTF-8
        (b'{"config": {"k": 1}', "not valid JSON"),
    ],
)
def test_errors_are_the_standard_librarys_one_line_errors(raw: bytes, message: str) -> None:
    def read_config() -> object:
        return decode_document(raw, "plan.json")["config"]

    with pytest.raises(InputError) as caught:
        read_config()
    assert message in caught.value.message
    assert caught.value.file == "plan.json"


class _Pair(msgspec.Struct):
    name: str
    count: int = 0


def test_a_member_can_be_decoded_into_a_shape_or_declined() -> None:
    document = decode_document(
        b'{"fits": {"name": "a", "count": 2, "extra": [1]}, "misfit": {"name": 3}}', "plan.json"
    )
    assert member_as(document, "fits", _Pair) == _Pair("a", 2)
    assert member_as(document, "misfit", _Pair) is None  # a wrong type: the reader's own checks decide
    assert member_as(document, "absent", _Pair) is None
    assert document["misfit"] == {"name": 3}  # still readable generically
    assert member_as({"fits": {"name": "a"}}, "fits", _Pair) is None  # a plain dict: read it generically
