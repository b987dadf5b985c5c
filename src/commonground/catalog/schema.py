"""The JSON Schema of the public record format, generated from the pydantic models."""

from __future__ import annotations

from typing import Any

from commonground.catalog.records import FORMAT_VERSION, InitiativeRecord

SCHEMA_ID = f"https://commonground.city/schema/initiative/{FORMAT_VERSION}.json"


def record_schema() -> dict[str, Any]:
    schema = InitiativeRecord.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "commonground initiative record",
        "version": FORMAT_VERSION,
        **{k: v for k, v in schema.items() if k != "title"},
    }
