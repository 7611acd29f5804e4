#!/usr/bin/env python3
"""Validates topics/examples against topics/schemas with an independent JSON Schema implementation.

Every file under examples/valid must validate against the schema its "type" names; every file under
examples/invalid must fail (a repeated key counts as a failure, as it does in the ledger). The Swift
test suite checks the same files with the ledger's own decoder, so the two cannot drift apart.
"""
import json
import pathlib
import sys

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parent.parent / "topics"


def no_repeated_keys(pairs):
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"repeated key {repeated[0]!r}")
    return dict(pairs)


def problem(path, schemas):
    """Why the example is invalid, or None if it is valid."""
    try:
        event = json.loads(path.read_text(), object_pairs_hook=no_repeated_keys)
    except ValueError as error:
        return str(error)
    schema = schemas.get(event.get("type")) if isinstance(event, dict) else None
    if schema is None:
        return f"no schema for type {event.get('type')!r}"
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(event), key=lambda e: list(e.absolute_path))
    return errors[0].message if errors else None


def main():
    schemas = {}
    for file in sorted((ROOT / "schemas").glob("*.json")):
        schema = json.loads(file.read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[schema["properties"]["type"]["const"]] = schema
    failures = 0
    for kind, want_valid in (("valid", True), ("invalid", False)):
        for path in sorted((ROOT / "examples" / kind).glob("*.json")):
            reason = problem(path, schemas)
            if (reason is None) != want_valid:
                failures += 1
                print(f"FAIL {kind}/{path.name}: " + ("schema accepts it" if reason is None else reason))
            else:
                print(f"ok   {kind}/{path.name}" + (f" ({reason})" if reason else ""))
    checked = sum(1 for _ in (ROOT / "examples").glob("*/*.json"))
    print(f"{checked - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
