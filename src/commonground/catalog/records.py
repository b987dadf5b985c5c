"""Pydantic models of the public record format (version ``FORMAT_VERSION``).

The same models are used by import, export, the JSON API and every ``--json`` output.
The JSON Schema in ``docs/record-format.md`` is generated from them
(``commonground schema``).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORMAT_VERSION = "1.0"

Sector = Literal["public", "private", "civil_society", "academic", "international"]
SECTORS: tuple[str, ...] = ("public", "private", "civil_society", "academic", "international")
SdgSource = Literal["stated", "editor", "model"]
Status = Literal["draft", "in_review", "published"]

_TARGET_RE = re.compile(r"^(\d{1,2})\.([0-9]{1,2}|[a-z])$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class City(_Record):
    name: str = Field(min_length=1, max_length=200, description="City or region name.")
    country: str = Field(
        description="ISO 3166-1 alpha-2 country code, upper case (e.g. 'ZA').",
        min_length=2,
        max_length=2,
    )
    region: str | None = Field(default=None, description="World region, e.g. 'Sub-Saharan Africa'.")
    population: int | None = Field(default=None, ge=0)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @field_validator("country")
    @classmethod
    def _country(cls, v: str) -> str:
        from commonground.catalog.countries import countries

        code = v.upper()
        if code not in countries():
            raise ValueError(
                f"{v!r} is not an ISO 3166-1 alpha-2 country code; use e.g. 'IN' for India"
            )
        return code


class Period(_Record):
    start: int | None = Field(default=None, ge=1800, le=2200, description="Start year.")
    end: int | None = Field(default=None, ge=1800, le=2200, description="End year, if ended.")

    @model_validator(mode="after")
    def _order(self) -> Period:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"period.end {self.end} is before period.start {self.start}")
        return self


class SdgLink(_Record):
    goal: int = Field(ge=1, le=17, description="SDG goal number 1–17.")
    target: str | None = Field(default=None, description="SDG target id such as '11.2' or '6.a'.")
    source: SdgSource = Field(
        description="'stated' by the document, set by an 'editor', or proposed by the 'model'."
    )
    score: float | None = Field(default=None, ge=0, le=1, description="Model probability.")
    evidence: list[str] = Field(
        default_factory=list, description="Sentences or phrases that support the link."
    )
    source_ref: int | None = Field(
        default=None, ge=0, description="Index into the initiative's sources."
    )

    @model_validator(mode="after")
    def _target(self) -> SdgLink:
        if self.target is not None:
            m = _TARGET_RE.match(self.target)
            if not m or int(m.group(1)) != self.goal:
                raise ValueError(
                    f"target {self.target!r} is not a target of goal {self.goal}; "
                    f"write it as '{self.goal}.1' or '{self.goal}.a'"
                )
        return self


class Partner(_Record):
    name: str = Field(min_length=1, max_length=300)
    sector: Sector | None = Field(default=None)
    role: str | None = Field(default=None, max_length=300)
    source_ref: int | None = Field(default=None, ge=0)


class Outcome(_Record):
    description: str = Field(min_length=1, max_length=1000)
    value: float | None = None
    unit: str | None = Field(default=None, max_length=80)
    year: int | None = Field(default=None, ge=1800, le=2200)
    indicator: str | None = Field(default=None, description="SDG indicator id such as '11.2.1'.")
    source_ref: int | None = Field(default=None, ge=0)


class Award(_Record):
    programme: str = Field(min_length=1, max_length=200)
    year: int | None = Field(default=None, ge=1800, le=2200)
    distinction: str | None = Field(default=None, max_length=200)
    source_ref: int | None = Field(default=None, ge=0)


class Source(_Record):
    document: str = Field(min_length=1, description="Document name or path.")
    locator: str | None = Field(
        default=None, description="Human-readable place, e.g. 'p. 7, chars 120-480'."
    )
    page: int | None = Field(default=None, ge=1)
    start: int | None = Field(default=None, ge=0, description="Start character offset.")
    end: int | None = Field(default=None, ge=0, description="End character offset.")
    url: str | None = None


class InitiativeRecord(_Record):
    """One city initiative in the public record format."""

    format_version: str = Field(default=FORMAT_VERSION)
    id: str | None = Field(
        default=None,
        description="Stable id (lower-case letters, digits, '.', '_', '-'); generated when absent.",
    )
    title: str = Field(min_length=1, max_length=500)
    summary: str = Field(default="", max_length=5000)
    text: str | None = Field(default=None, description="Full text of the case study, if known.")
    city: City
    period: Period = Field(default_factory=Period)
    sdgs: list[SdgLink] = Field(default_factory=list)
    partners: list[Partner] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(default_factory=list)
    awards: list[Award] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=lambda: ["en"])
    status: Status = "published"

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        if v is not None and not _ID_RE.match(v):
            raise ValueError(
                f"id {v!r} must be 1-80 lower-case letters, digits, '.', '_' or '-' "
                "and start with a letter or digit"
            )
        return v

    @field_validator("format_version")
    @classmethod
    def _version(cls, v: str) -> str:
        if v.split(".")[0] != FORMAT_VERSION.split(".")[0]:
            raise ValueError(
                f"format_version {v!r} is not supported; this version reads {FORMAT_VERSION}"
            )
        return FORMAT_VERSION

    @model_validator(mode="after")
    def _refs(self) -> InitiativeRecord:
        n = len(self.sources)
        for item in self.facts():
            if item.source_ref is not None and item.source_ref >= n:
                raise ValueError(
                    f"source_ref {item.source_ref} points past the {n} sources of this record"
                )
        return self

    def facts(self) -> list[SdgLink | Partner | Outcome | Award]:
        """Every fact that may cite one of the record's sources."""
        return [*self.sdgs, *self.partners, *self.outcomes, *self.awards]

    def goals(self, source: SdgSource | None = None) -> list[int]:
        """Distinct goals linked, in order, optionally only those from ``source``."""
        out: list[int] = []
        for link in self.sdgs:
            if (source is None or link.source == source) and link.goal not in out:
                out.append(link.goal)
        return out


class InitiativeSummary(BaseModel):
    """A row of the initiatives list (API and web)."""

    id: str
    title: str
    summary: str
    city: City
    period: Period
    goals: list[int]
    awards: list[str]
    sectors: list[str]


class Page(BaseModel):
    """A page of a list with its position in the whole result."""

    items: list[InitiativeSummary]
    total: int
    limit: int
    offset: int


class FacetCount(BaseModel):
    value: str
    label: str
    count: int


class Facets(BaseModel):
    goals: list[FacetCount]
    countries: list[FacetCount]
    regions: list[FacetCount]
    awards: list[FacetCount]
    sectors: list[FacetCount]


class ImportReport(BaseModel):
    """What an import or ingest did to the store."""

    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    model_sdgs: int = 0
    #: records left without model SDGs because their text has no words (ids, else titles)
    unmapped_no_words: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)


IdList = Annotated[list[str], Field(default_factory=list)]
