#!/usr/bin/env python3
"""The ledger's strict decoder against topics/schemas, judged by an independent JSON Schema implementation.

For every input (the schema examples, the committed fuzz corpus, any directory given, and thousands of
variants of the valid examples made here, each with one member deleted, retyped or set to an edge value):

- every event the decoder accepts must be valid under the schema its "type" names;
- every schema-valid event must be accepted, unless it breaks one of the rules the schemas cannot state,
  each listed in OUTSIDE_THE_SCHEMA below (and in docs/events.md) with how to recognise it on both sides.

The decoder is asked through `ledgerctl validate --json`. Exit code 1 on any disagreement, with the input.
    python3 tools/check-decoder-against-schemas.py [--ledgerctl PATH] [DIRECTORY ...]
"""
import argparse
import copy
import json
import pathlib
import re
import subprocess
import sys
import tempfile

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent
TIME = re.compile(r"^([0-9]{4})-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:([0-9]{2})")


class Strict:
    """What a strict reading of the text found that JSON Schema cannot see."""

    def __init__(self, text):
        self.repeated = False
        self.fraction = False
        self.surrogate = False
        self.value = json.loads(text, object_pairs_hook=self.pairs, parse_float=self.number, parse_constant=self.constant)
        self.depth = depth(self.value)
        self.surrogate = any(0xD800 <= ord(c) <= 0xDFFF for s in strings(self.value) for c in s)

    def pairs(self, pairs):
        keys = [key for key, _ in pairs]
        self.repeated |= len(set(keys)) != len(keys)
        return dict(pairs)

    def number(self, text):
        self.fraction = True
        return float(text)

    @staticmethod
    def constant(text):
        raise ValueError(f"{text} is not JSON")


def depth(value):
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def times(value):
    """Every string that the schemas' date-time pattern accepts, with its year and second."""
    for text in strings(value):
        match = TIME.match(text)
        if match:
            yield int(match.group(1)), int(match.group(2))


# Rules the decoder enforces that JSON Schema cannot state: (name, does the input break it, is this the decoder's
# reason for it). A schema-valid input the decoder refuses must break one of these, and be refused for it.
OUTSIDE_THE_SCHEMA = [
    # Which of a repeated key's values a reader sees is up to the reader (Python keeps the last, Foundation the first),
    # so the decoder may name a problem with either before it gets to the repetition: any refusal is right.
    ("a key repeated within an object", lambda s, raw: s.repeated, lambda r: True),
    (
        "text that is not strict JSON (a lone surrogate escape, nesting deeper than 64)",
        lambda s, raw: s.surrogate or s.depth > 64,
        lambda r: r["reason"].startswith("not JSON:"),
    ),
    ("a value over 65,536 bytes", lambda s, raw: len(raw) > 65536, lambda r: r["code"] == "oversized"),
    ("validUntil not later than validFrom", lambda s, raw: True, lambda r: r["path"] == "data.validUntil" and "later than" in r["reason"]),
    ("a periodic schedule without an interval", lambda s, raw: True, lambda r: "is required for a periodic schedule" in r["reason"]),
    (
        "an instant outside the years 1677 to 2262, or a leap second",
        lambda s, raw: any(year < 1678 or year > 2261 or second == 60 for year, second in times(s.value)),
        lambda r: "is not an RFC 3339 timestamp" in r["reason"],
    ),
    (
        "an integer beyond 64 bits",
        lambda s, raw: any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in numbers(s.value)),
        lambda r: r["code"] in ("invalidValue", "wrongType", "malformedJSON"),
    ),
]


def numbers(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from numbers(item)
    elif isinstance(value, list):
        for item in value:
            yield from numbers(item)


def load_schemas():
    schemas = {}
    for file in sorted((ROOT / "topics" / "schemas").glob("*.json")):
        schema = json.loads(file.read_text())
        schemas[schema["properties"]["type"]["const"]] = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
    return schemas


def schema_problem(raw, schemas):
    """(why the schema refuses it or None, the strict reading or None when it is not JSON at all)."""
    try:
        strict = Strict(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        return f"not JSON: {error}", None
    event = strict.value
    kind = event.get("type") if isinstance(event, dict) else None
    validator = schemas.get(kind) if isinstance(kind, str) else None
    if validator is None:
        return "no schema for its type", strict
    error = next(iter(sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))), None)
    return (error.message if error else None), strict


EDGE_VALUES = [
    None, True, 0, -1, 1.0, 2**63, "", "x", "x" * 129, "x" * 257, "동" * 128, "e" + "\u0301" * 200, "a\u0000b", [], {},
    "2026-13-01T00:00:00Z", "2262-04-12T00:00:00Z", "1600-01-01T00:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01T00:00:00.5+09:00",
    "Marketing!", "a..b", "finance.account.balance", ["a", "a"], ["a"] * 65, [f"c{n}" for n in range(65)], "\ud800",
]


def paths(value, prefix=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield prefix + (key,)
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield prefix + (index,)
            yield from paths(item, prefix + (index,))


def variants(example):
    """The example with one member deleted or set to an edge value, and with an unknown member added."""
    for path in paths(example):
        *parents, last = path
        for value in ["<delete>"] + EDGE_VALUES:
            variant = copy.deepcopy(example)
            target = variant
            for step in parents:
                target = target[step]
            if value == "<delete>":
                if isinstance(target, dict):
                    del target[last]
                else:
                    target.pop(last)
            else:
                target[last] = value
            yield variant
    variant = copy.deepcopy(example)
    variant["unknown"] = 1
    yield variant


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ledgerctl", default=str(ROOT / ".build/debug/ledgerctl"))
    parser.add_argument("directories", nargs="*", type=pathlib.Path)
    arguments = parser.parse_args()
    schemas = load_schemas()
    sources = [ROOT / "topics/examples/valid", ROOT / "topics/examples/invalid", ROOT / "Fuzz/corpus/event"] + arguments.directories
    inputs = [(str(f), f.read_bytes()) for d in sources for f in sorted(d.iterdir()) if f.is_file()]
    with tempfile.TemporaryDirectory() as scratch:
        made = 0
        for example in sorted((ROOT / "topics/examples/valid").glob("*.json")):
            for variant in variants(json.loads(example.read_text())):
                file = pathlib.Path(scratch) / f"{example.stem}-{made}.json"
                raw = json.dumps(variant, ensure_ascii=False).encode("utf-8", "surrogatepass")
                file.write_bytes(raw)
                inputs.append((str(file), raw))
                made += 1
        decoded = {}
        for start in range(0, len(inputs), 500):
            batch = [name for name, _ in inputs[start : start + 500]]
            result = subprocess.run([arguments.ledgerctl, "validate", "--json", *batch], capture_output=True, text=True)
            if result.returncode not in (0, 1):
                sys.exit(f"{arguments.ledgerctl} validate failed: {result.stderr}")
            for line in result.stdout.splitlines():
                outcome = json.loads(line)
                decoded[outcome["file"]] = outcome
        failures = 0
        counts = {"accepted": 0, "refused by both": 0, "outside the schema": 0}
        for name, raw in inputs:
            outcome = decoded[name]
            problem, strict = schema_problem(raw, schemas)
            if outcome["accepted"]:
                if problem is not None:
                    failures += 1
                    print(f"FAIL {name}: the decoder accepts it, the schema does not ({problem})\n     {raw[:300]!r}")
                else:
                    counts["accepted"] += 1
            elif problem is not None:
                counts["refused by both"] += 1
            else:
                rule = next((rule for rule, breaks, says in OUTSIDE_THE_SCHEMA if strict and breaks(strict, raw) and says(outcome)), None)
                if rule is None:
                    failures += 1
                    print(f"FAIL {name}: schema-valid, but the decoder refuses it: {outcome['path']}: {outcome['reason']}\n     {raw[:300]!r}")
                else:
                    counts["outside the schema"] += 1
    print(
        f"{len(inputs)} inputs ({made} variants of the examples): {counts['accepted']} accepted by both, "
        f"{counts['refused by both']} refused by both, {counts['outside the schema']} refused for a rule the schemas cannot state, "
        f"{failures} disagreements"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
