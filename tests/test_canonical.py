"""RFC 8785 (JCS) conformance of the one canonical serializer, against the RFC's own examples."""
from __future__ import annotations

import json
import struct

import pytest

from inspector_app.crypto.canonical import CanonicalizationError, canonical_bytes, is_canonical, loads_strict


def _double(bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(bits))[0]


# RFC 8785 §3.2.2.3 and Appendix B: IEEE-754 bit patterns and their JCS text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),  # minus zero
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize("bits, text", APPENDIX_B)
def test_rfc8785_appendix_b_numbers(bits, text):
    assert canonical_bytes(_double(bits)) == text.encode()


@pytest.mark.parametrize("source, text", [
    ("1e21", "1e+21"),
    ("-0", "0"),
    ("-0.0", "0"),
    ("333333333.33333329", "333333333.3333333"),
    ("1E30", "1e+30"),
    ("4.50", "4.5"),
    ("2e-3", "0.002"),
    ("0.000000000000000000000000001", "1e-27"),
    ("1e20", "100000000000000000000"),
    ("123", "123"),
])
def test_number_formatting_from_json_text(source, text):
    # Parse the number the way a verifier meets it, as JSON text, then serialize it.
    assert canonical_bytes(json.loads(source)) == text.encode()


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"])
def test_nan_and_infinities_are_refused(bits):
    with pytest.raises(CanonicalizationError):
        canonical_bytes(_double(bits))


def test_integers_beyond_double_precision_are_refused():
    assert canonical_bytes(2**53 - 1) == b"9007199254740991"
    with pytest.raises(CanonicalizationError):
        canonical_bytes(2**53)


def test_rfc8785_3_2_3_sorting_by_utf16_code_units():
    source = ('{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\ufb33": "Hebrew Letter Dalet With Dagesh",'
              ' "1": "One", "\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control",'
              ' "\\u00f6": "Latin Small Letter O With Diaeresis"}')
    out = canonical_bytes(json.loads(source))
    # The RFC lists the values in this order; U+1F600 (surrogates D83D DE00) sorts before U+FB33.
    assert list(json.loads(out).values()) == [
        "Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign",
        "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh",
    ]
    assert out == ('{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With '
                   'Diaeresis","\u20ac":"Euro Sign","\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter '
                   'Dalet With Dagesh"}').encode("utf-8")


def test_code_unit_order_differs_from_code_point_order():
    # By code point U+E000 < U+10000; by UTF-16 code unit 0xD800 < 0xE000.
    assert canonical_bytes({"\ue000": 1, "\U00010000": 2}) == '{"\U00010000":2,"\ue000":1}'.encode()


def test_string_escaping():
    value = "\u0000\u0001\u001f\b\t\n\f\r\"\\/\u007f\u00e9\u20ac\U0001f600"
    assert canonical_bytes(value) == (
        b'"\\u0000\\u0001\\u001f\\b\\t\\n\\f\\r\\"\\\\/\x7f' + "\u00e9\u20ac\U0001f600".encode("utf-8") + b'"'
    )


def test_lone_surrogate_is_refused():
    with pytest.raises(CanonicalizationError):
        canonical_bytes("\ud800")


RFC_3_2_4_INPUT = r'''{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}'''

RFC_3_2_4_OUTPUT_HEX = """
7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72
75 65 2c 66 61 6c 73 65 5d 2c 22 6e 75 6d 62 65 72 73 22 3a
5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31
65 2b 33 30 2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37
5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24 5c 75 30 30
30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d
"""


def test_rfc8785_3_2_4_full_example_byte_for_byte():
    expected = bytes.fromhex(RFC_3_2_4_OUTPUT_HEX)
    out = canonical_bytes(json.loads(RFC_3_2_4_INPUT))
    assert out == expected
    assert out == ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
                   '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}').encode("utf-8")
    assert is_canonical(expected)
    assert not is_canonical(RFC_3_2_4_INPUT.encode())


@pytest.mark.parametrize("data, expected", [
    (b'{"a":1,"b":[true,null]}', True),
    (b'{"b":1,"a":2}', False),  # unsorted
    (b'{"a": 1}', False),  # whitespace
    (b'{"a":1}\n', False),  # trailing newline
    (b'{"a":1,"a":1}', False),  # duplicate key
    (b'{"a":1.0}', False),  # 1.0 is written 1
    (b'{"a":-0}', False),
    (b'{"a":NaN}', False),
    (b'{"a":1e400}', False),  # infinity
    (b'{"a":9007199254740993}', False),  # beyond 2**53
    (b'"\\u00e9"', False),  # must be the raw character
    ('"\u00e9"'.encode(), True),
    (b'"\\ud800"', False),  # lone surrogate
    (b"\xef\xbb\xbf{}", False),  # byte-order mark
    (b'"\xff"', False),  # not UTF-8
    ('{"a":1}'.encode("utf-16"), False),
    (b"", False),
    (b"[1,2,3]", True),
])
def test_is_canonical(data, expected):
    assert is_canonical(data) is expected


def test_loads_strict_refuses_duplicates_and_constants():
    with pytest.raises(ValueError):
        loads_strict(b'{"a":1,"a":2}')
    with pytest.raises(ValueError):
        loads_strict(b"[Infinity]")
    assert loads_strict(b'{"a":[1,"x"]}') == {"a": [1, "x"]}
