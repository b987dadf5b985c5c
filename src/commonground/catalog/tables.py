"""SQLAlchemy tables of the catalog domain. Other domains go through the catalog's functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Double,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonground.store.base import Base


class Place(Base):
    __tablename__ = "places"
    __table_args__ = (UniqueConstraint("name", "country", name="uq_places_name_country"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(200))
    population: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Double)
    lon: Mapped[float | None] = mapped_column(Double)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)


class Initiative(Base):
    __tablename__ = "initiatives"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    format_version: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str | None] = mapped_column(Text)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"), index=True)
    period_start: Mapped[int | None] = mapped_column(Integer, index=True)
    period_end: Mapped[int | None] = mapped_column(Integer)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="published")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    place: Mapped[Place] = relationship(lazy="joined")
    sdgs: Mapped[list[SdgLinkRow]] = relationship(
        cascade="all, delete-orphan", order_by="SdgLinkRow.position", lazy="selectin"
    )
    partnerships: Mapped[list[Partnership]] = relationship(
        cascade="all, delete-orphan", order_by="Partnership.position", lazy="selectin"
    )
    outcomes: Mapped[list[OutcomeRow]] = relationship(
        cascade="all, delete-orphan", order_by="OutcomeRow.position", lazy="selectin"
    )
    awards: Mapped[list[AwardRow]] = relationship(
        cascade="all, delete-orphan", order_by="AwardRow.position", lazy="selectin"
    )
    sources: Mapped[list[SourceRow]] = relationship(
        cascade="all, delete-orphan", order_by="SourceRow.position", lazy="selectin"
    )


def _child_fk() -> Any:
    return mapped_column(ForeignKey("initiatives.id", ondelete="CASCADE"), index=True)


class SdgLinkRow(Base):
    __tablename__ = "sdg_links"
    __table_args__ = (
        CheckConstraint("goal BETWEEN 1 AND 17", name="goal_range"),
        CheckConstraint("source IN ('stated', 'editor', 'model')", name="source_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[str] = _child_fk()
    position: Mapped[int] = mapped_column(Integer)
    goal: Mapped[int] = mapped_column(Integer, index=True)
    target: Mapped[str | None] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(10))
    score: Mapped[float | None] = mapped_column(Double)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    source_ref: Mapped[int | None] = mapped_column(Integer)


class Partnership(Base):
    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[str] = _child_fk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    sector: Mapped[str | None] = mapped_column(String(20), index=True)
    role: Mapped[str | None] = mapped_column(String(300))
    source_ref: Mapped[int | None] = mapped_column(Integer)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class OutcomeRow(Base):
    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[str] = _child_fk()
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str | None] = mapped_column(String(80))
    year: Mapped[int | None] = mapped_column(Integer)
    indicator: Mapped[str | None] = mapped_column(String(16))
    source_ref: Mapped[int | None] = mapped_column(Integer)


class AwardRow(Base):
    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[str] = _child_fk()
    position: Mapped[int] = mapped_column(Integer)
    programme: Mapped[str] = mapped_column(String(200), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    distinction: Mapped[str | None] = mapped_column(String(200))
    source_ref: Mapped[int | None] = mapped_column(Integer)


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[str] = _child_fk()
    position: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    locator: Mapped[str | None] = mapped_column(Text)
    page: Mapped[int | None] = mapped_column(Integer)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(Text)
