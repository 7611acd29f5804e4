#!/usr/bin/env python3
"""Fails if a pure target gains an I/O dependency.

MerkleLog and ConsentModel are what a regulator's auditor reads to write an independent verifier: they must stay
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
PURE = {"MerkleLog", "ConsentModel"}
ALLOWED_PRODUCTS = {("Crypto", "swift-crypto")}
ALLOWED_IMPORTS = PURE | {"Crypto", "Foundation", "Synchronization"}
IO_APIS = re.compile(r"\b(FileManager|FileHandle|Process|URLSession|fopen|open\(|socket\(|DispatchIO)\b")


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
    if problems:
        print("pure targets must do no I/O (docs/architecture.md):", *problems, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"pure targets checked: {', '.join(sorted(PURE))} depend on and import nothing that does I/O")


if __name__ == "__main__":
    main()
