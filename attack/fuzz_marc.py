"""Mutates valid CNMARC/MARC21 records and reports any exception read_marc raises (it should yield _error rows)."""
import random
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.imports.marc import read_marc  # noqa: E402
from tests.librarian import iso2709 as m  # noqa: E402

seeds = [
    m.cnmarc("草房子", "曹文轩著", "X0001"),
    m.cnmarc("草房子", "曹文轩著", "X0001", encoding="gbk", sets="0120"),
    m.record([("001", b"1"), ("245", m.field("10", ("a", m.marc8("草房子")))), ("852", m.field("  ", ("p", b"B1")))],
             kind="nam  22"),
    m.record([("001", b"1"), ("245", m.field("10", ("a", "草房子".encode()))), ("952", m.field("  ", ("p", b"B1"), ("g", b"18")))],
             kind="nam a22"),
]
rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
seen = {}
for n in range(20000):
    data = bytearray(rng.choice(seeds))
    for _ in range(rng.randint(1, 4)):
        op = rng.random()
        i = rng.randrange(len(data))
        if op < 0.5:
            data[i] = rng.randrange(256)
        elif op < 0.7:
            data[i] = rng.choice(b"0123456789\x1b\x1d\x1e\x1f$(1B ")
        elif op < 0.85:
            del data[i:i + rng.randint(1, 10)]
        else:
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 5)))
    try:
        list(read_marc(bytes(data)))
    except Exception as exc:  # noqa: BLE001
        key = (type(exc).__name__, traceback.extract_tb(exc.__traceback__)[-1].lineno)
        if key not in seen:
            seen[key] = bytes(data)
            print(key, str(exc)[:100], repr(bytes(data))[:300])
print("distinct", len(seen))
import pickle
pickle.dump(seen, open("fuzz_found.pkl", "wb"))
