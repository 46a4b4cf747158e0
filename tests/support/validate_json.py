#!/usr/bin/python3
"""Validates a JSON document against a JSON schema (the draft its "$schema" names), formats included.

Usage: validate_json.py SCHEMA DOCUMENT. Exits 0 when the document is valid, 1 with the first
error printed when it is not, 2 when the check itself cannot run.
"""
import json
import sys

import jsonschema


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as schema_file:
        schema = json.load(schema_file)
    with open(sys.argv[2], encoding="utf-8") as document_file:
        document = json.load(document_file)
    format_checker = jsonschema.FormatChecker()
    # jsonschema skips a format it has no checker for; without rfc3987 a SARIF artifact URI with
    # a space in it would pass, and the test meant to catch that would prove nothing.
    if "uri-reference" not in format_checker.checkers:
        print("jsonschema cannot check URI references here: install python3-rfc3987", file=sys.stderr)
        return 2
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=format_checker)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        location = "/".join(str(part) for part in error.absolute_path)
        print(f"invalid at /{location}: {error.message}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
