"""The catalog of city initiatives: records, storage, queries and the public record format."""

from commonground.catalog.formats import (
    EXPORT_FORMATS,
    read_records,
    read_records_text,
    write_export,
)
from commonground.catalog.ids import generated_id, slugify
from commonground.catalog.queries import (
    Filters,
    count_initiatives,
    facets,
    get_initiative,
    goal_counts,
    iter_records,
    list_initiatives,
)
from commonground.catalog.records import (
    FORMAT_VERSION,
    SECTORS,
    Award,
    City,
    Facets,
    ImportReport,
    InitiativeRecord,
    InitiativeSummary,
    Outcome,
    Page,
    Partner,
    Period,
    SdgLink,
    Source,
)
from commonground.catalog.service import Enricher, add_initiatives, delete_initiative

__all__ = [
    "EXPORT_FORMATS", "FORMAT_VERSION", "SECTORS", "Award", "City", "Enricher", "Facets",
    "Filters", "ImportReport", "InitiativeRecord", "InitiativeSummary", "Outcome", "Page",
    "Partner", "Period", "SdgLink", "Source", "add_initiatives", "count_initiatives",
    "delete_initiative", "facets", "generated_id", "get_initiative", "goal_counts",
    "iter_records", "list_initiatives", "read_records", "read_records_text", "slugify",
    "write_export",
]
