"""The demo data: the eight initiatives of the 2023 report on SDG partnerships in cities.

The records ship as package data (``catalog/data/demo_initiatives.json``), built by
``scripts/build_demo_data.py``; see docs/demo-data.md for what they hold and where each
fact comes from.
"""

from __future__ import annotations

import importlib
import json
from functools import lru_cache
from importlib import resources

from pydantic import ValidationError

from commonground.catalog.records import ImportReport, InitiativeRecord
from commonground.catalog.service import Enricher, add_initiatives
from commonground.errors import InvalidRecord
from commonground.settings import Settings
from commonground.store import Store

DATA_FILE = "demo_initiatives.json"


@lru_cache(maxsize=1)
def _raw() -> str:
    return resources.files("commonground.catalog").joinpath("data", DATA_FILE).read_text(
        encoding="utf-8"
    )


def demo_records() -> list[InitiativeRecord]:
    """The eight demo initiatives, validated against the public record format."""
    try:
        items = json.loads(_raw())
        return [InitiativeRecord.model_validate(item) for item in items]
    except (ValueError, ValidationError) as exc:
        # ValidationError is a ValueError too; either way the packaged file is damaged.
        raise InvalidRecord(
            f"the packaged demo data ({DATA_FILE}) does not validate: {exc}; rebuild it with "
            "scripts/build_demo_data.py or reinstall commonground",
        ) from exc


def load_demo(store: Store, settings: Settings, enrich: Enricher | None = None) -> ImportReport:
    """Add the demo initiatives to ``store``; loading again reports them unchanged.

    Without an explicit ``enrich`` and with ``settings.auto_map_sdgs`` on, the SDG mapper
    attaches model SDG links beside the stated ones, as on import. Where the mapper is not
    available the stated links are loaded alone and the report says so.
    """
    warnings: list[str] = []
    if enrich is None and settings.auto_map_sdgs:
        try:
            # Imported by name: the mapper is an optional, heavier part of the package.
            mapper = importlib.import_module("commonground.sdg.enrich")
        except ModuleNotFoundError as exc:
            if exc.name != "commonground.sdg.enrich":
                raise
            warnings.append(
                "model SDGs were not attached: this installation has no SDG mapper "
                "(commonground.sdg.enrich); set COMMONGROUND_AUTO_MAP_SDGS=0 to silence this"
            )
        else:
            enrich = mapper.model_enricher(settings)
    report = add_initiatives(store, demo_records(), enrich=enrich)
    report.warnings.extend(warnings)
    return report
