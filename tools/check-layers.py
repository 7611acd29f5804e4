#!/usr/bin/env python3
"""Fails if a pure target gains an I/O dependency.

MerkleLog, ConsentModel and LedgerFormat are what a regulator's auditor reads to write an independent verifier: they must stay
free of Kafka, SQLite, HTTP and files. This reads the manifest as SwiftPM resolves it (`swift package
dump-package`) and each pure target's sources, and allows only the dependencies and imports listed here.
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Each pure target, and everything it may depend on or import: its fellow pure targets, swift-crypto, the standard
# library's modules. Foundation is allowed for its value types and coders; the source check below refuses its file
# and process APIs.
PURE = {"MerkleLog", "ConsentModel", "LedgerFormat", "CodedErrors"}
ALLOWED_PRODUCTS = {("Crypto", "swift-crypto"), ("CryptoExtras", "swift-crypto")}
ALLOWED_IMPORTS = PURE | {"Crypto", "CryptoExtras", "Foundation", "Synchronization"}
IO_APIS = re.compile(r"\b(FileManager|FileHandle|Process|URLSession|fopen|open\(|socket\(|DispatchIO)\b")
# What a target must not reach, directly or through the targets it depends on: a witness, a citizen's client and an
# institution's publisher carry no SQLite; the command line does not carry the ingest pipeline.
MUST_NOT_REACH = {
    "LedgerWitness": {"GRDB"},
    "LedgerClient": {"GRDB"},
    "InstitutionPublisher": {"GRDB", "LedgerStore"},
    "ledgerctl": {"LedgerIngest"},
}


def reach(targets, name):
    """Every target and product `name` depends on, directly or not."""
    seen, todo = set(), [name]
    while todo:
        for dependency in targets[todo.pop()]["dependencies"]:
            other = dependency["product"][0] if "product" in dependency else (dependency.get("byName") or dependency.get("target"))[0]
            if other not in seen:
                seen.add(other)
                if other in targets:
                    todo.append(other)
    return seen


def documented_dependencies():
    """The "depends on" column of docs/architecture.md's target table, by target, in the table's order."""
    rows = re.findall(r"^\| `([\w-]+)` \| .* \| ([^|]*) \|$", (ROOT / "docs" / "architecture.md").read_text(), re.MULTILINE)
    return {name: set(re.findall(r"[\w-]+", column)) for name, column in rows}


def main():
    manifest = json.loads(subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, check=True,
                                         capture_output=True, text=True).stdout)
    targets = {target["name"]: target for target in manifest["targets"]}
    problems = []
    for name in sorted(PURE):
        for dependency in targets[name]["dependencies"]:
            if "product" in dependency:
                product, package = dependency["product"][0], dependency["product"][1]
                if (product, package) not in ALLOWED_PRODUCTS:
                    problems.append(f"{name} depends on product {product} of {package}")
            else:
                other = (dependency.get("byName") or dependency.get("target"))[0]
                if other not in PURE:
                    problems.append(f"{name} depends on target {other}, which is not pure")
        for source in sorted((ROOT / "Sources" / name).rglob("*.swift")):
            text = source.read_text()
            for module in re.findall(r"^[ \t]*(?:@\w+[ \t]+)*import[ \t]+(?:(?:struct|class|enum|protocol|func|var|let|typealias)[ \t]+)?(\w+)", text, re.MULTILINE):
                if module not in ALLOWED_IMPORTS:
                    problems.append(f"{source.relative_to(ROOT)} imports {module}")
            for number, line in enumerate(text.splitlines(), 1):
                code = line.split("//", 1)[0]
                if IO_APIS.search(code):
                    problems.append(f"{source.relative_to(ROOT)}:{number} does I/O: {line.strip()}")
    documented = documented_dependencies()
    for name, target in sorted(targets.items()):
        if target["type"] == "test" or (target.get("path") or "").startswith("Tests/"):
            continue
        ours = {(d.get("byName") or d.get("target"))[0] for d in target["dependencies"] if "product" not in d}
        if name not in documented:
            problems.append(f"docs/architecture.md has no row for {name}")
        elif ours != documented[name] & set(targets):
            problems.append(f"docs/architecture.md says {name} depends on {sorted(documented[name] & set(targets))}, Package.swift {sorted(ours)}")
    above = set()
    for name, dependencies in documented.items():
        for other in sorted((dependencies & set(targets)) - above):
            problems.append(f"docs/architecture.md lists {name} before {other}, which it depends on")
        above.add(name)
    for name, forbidden in sorted(MUST_NOT_REACH.items()):
        for other in sorted(reach(targets, name) & forbidden):
            problems.append(f"{name} reaches {other}")
    if problems:
        print("the layers are not as docs/architecture.md says:", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"pure targets checked: {', '.join(sorted(PURE))} depend on and import nothing that does I/O;"
          f" {', '.join(sorted(MUST_NOT_REACH))} reach nothing they must not")


if __name__ == "__main__":
    main()
