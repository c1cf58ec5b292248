#!/usr/bin/env python3
"""Writes the tokenizer fuzz target's seed corpus (tests/fuzz/tokenizer/corpus/). Re-run to regenerate."""
import os

seeds = {
    "ascii_prose": b"The quick brown fox jumps over the lazy dog. It's 3:14 -- isn't it?\n",
    "contractions": "don't DON'T we'RE they'Ll IT'\u017f it'x a' ''\n".encode(),
    "cpp": b"#include <vector>\nint main() {\n    std::vector<int> v{1, 2, 3};\n    return v[0] == 1 ? 0 : 1; // ok\r\n}\n",
    "php": b"<?php\nfunction f($x) { return $this->items[$x] ?? null; }\n/* c */ // done\n",
    "json": b'{"command":["bash","-lc","ls -la"],"timeout_ms":10000,"x":[1.5e-3,null,true]}',
    "markers": b"<|start|>assistant<|channel|>analysis<|message|>hi<|end|><|call|><|return|><|constrain|>json",
    "emoji_zwj": "\U0001F468\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466 \U0001F44D\U0001F3FD \U0001F3F3\ufe0f\u200d\U0001F308 1\ufe0f\u20e3".encode(),
    "cjk": "\u4e2d\u534e\u4eba\u6c11\u5171\u548c\u56fd\u6210\u7acb\u4e8e1949\u5e74\u3002\u3053\u3093\u306b\u3061\u306f \ud55c\uad6d\uc5b4".encode(),
    "devanagari_thai_arabic": "\u0928\u092e\u0938\u094d\u0924\u0947 \u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35 \u0645\u0631\u062d\u0628\u0627 \u0661\u0662\u0663".encode(),
    "combining": "e\u0301 \u0301A !\u0301 a\u0300\u0301\u0302".encode(),
    "whitespace": b"a  b   \n\n  \r\n\t\x0b\x0c c \xc2\xa0d\xe3\x80\x80e\xc2\x85f\xe2\x80\xa8   ",
    "long_spaces": b" " * 300 + b"x",
    "long_letters": b"a" * 400,
    "long_punct": b"=" * 200 + b"\n" + b"-" * 200,
    "digits": b"1234567890 3.14159 1,000,000 0xDEADBEEF \xd9\xa3\xd9\xa4 \xe2\x85\xab",
    "invalid_bytes": b"\xff\xfe a\x80b \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xf0\x9f caf\xc3",
    "truncated_emoji": b"hi \xf0\x9f\x98",
    "nul_controls": b"\x00\x01\x02 x\x00y \x1b[31mred\x1b[0m",
    "unicode16": "\U00011f04\U00011f05 \U00010d50\U00010d70 \U0002ebf0 \U00010940".encode(),
    "random_bytes": bytes((i * 73 + 41) % 256 for i in range(512)),
    "empty": b"",
    "titlecase_modifier": "\u01c5emal \u02b0a \u1f88 \ufb01ne \u0130stanbul".encode(),
}

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
os.makedirs(here, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {here}")
