"""The JSON API under /api/v1: thin adapters over the catalog, the SDG framework and mapper."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from commonground import __version__, catalog
from commonground.catalog import InitiativeRecord
from commonground.errors import InvalidInput
from commonground.sdg.framework import Framework
from commonground.sdg.mapping import SdgMapping
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.deps import (
    MapperLoader,
    get_framework,
    get_mapper_loader,
    get_settings,
    get_store,
)
from commonground.web.views import (
    GoalDetail,
    GoalIndex,
    InitiativeList,
    goal_detail,
    goal_index,
    initiative_list,
    map_text,
)

API_V1 = "/api/v1"

router = APIRouter(prefix=API_V1)

Sector = Literal["public", "private", "civil_society", "academic", "international"]
SdgSource = Literal["stated", "editor", "model"]


def pick_goal(sdg: int | None, goal: int | None) -> int | None:
    """``sdg`` and ``goal`` are two names of one filter; they must agree when both are given."""
    if sdg is not None and goal is not None and sdg != goal:
        raise InvalidInput(f"sdg={sdg} and goal={goal} disagree; give only one of them",
                           detail={"sdg": sdg, "goal": goal})
    return sdg if sdg is not None else goal


@router.get("/initiatives", response_model=InitiativeList, tags=["initiatives"],
            summary="List initiatives, filtered, with facet counts")
def list_api(
    settings: Annotated[Settings, Depends(get_settings)],
    store: Annotated[Store, Depends(get_store)],
    sdg: Annotated[int | None, Query(ge=1, le=17, description="SDG goal number.")] = None,
    goal: Annotated[int | None, Query(ge=1, le=17, description="Same as `sdg`.")] = None,
    country: Annotated[str | None, Query(min_length=2, max_length=2,
                                         description="ISO 3166-1 alpha-2 code.")] = None,
    region: Annotated[str | None, Query(description="World region, as in the facets.")] = None,
    award: Annotated[str | None, Query(description="Award programme, e.g. 'Prize for Cities'."
                                       )] = None,
    sector: Annotated[Sector | None, Query(description="Sector of a partner.")] = None,
    year_from: Annotated[int | None, Query(ge=1800, le=2200,
                                           description="Active in or after this year.")] = None,
    year_to: Annotated[int | None, Query(ge=1800, le=2200,
                                         description="Active in or before this year.")] = None,
    q: Annotated[str | None, Query(max_length=200,
                                   description="Words in the title or summary.")] = None,
    sdg_source: Annotated[SdgSource | None, Query(
        description="Count only SDG links from this source for the `sdg` filter.")] = None,
    limit: Annotated[int | None, Query(ge=1, description="Page size (at most max_page_size; "
                                                         "default page_size).")] = None,
    offset: Annotated[int, Query(ge=0, description="Number of results to skip.")] = 0,
) -> InitiativeList:
    size = settings.page_size if limit is None else limit
    if size > settings.max_page_size:
        raise InvalidInput(f"limit {size} is above the largest page size "
                           f"{settings.max_page_size}; ask for fewer and page with offset",
                           detail={"limit": size, "max_page_size": settings.max_page_size})
    filters = catalog.Filters(goal=pick_goal(sdg, goal), country=country, region=region,
                              award=award, sector=sector, year_from=year_from,
                              year_to=year_to, q=q or None, sdg_source=sdg_source)
    return initiative_list(store, filters, limit=size, offset=offset)


@router.get("/initiatives/{initiative_id}", response_model=InitiativeRecord,
            tags=["initiatives"], summary="One initiative in the public record format")
def show_api(initiative_id: str, store: Annotated[Store, Depends(get_store)]
             ) -> InitiativeRecord:
    return catalog.get_initiative(store, initiative_id)


LangQuery = Annotated[str, Query(min_length=2, max_length=10,
                                 description="Language of the SDG texts, e.g. 'es'.")]


@router.get("/sdgs", response_model=GoalIndex, tags=["sdgs"],
            summary="The 17 goals with colours, titles and counts of initiatives")
def sdgs_api(store: Annotated[Store, Depends(get_store)],
             fw: Annotated[Framework, Depends(get_framework)],
             lang: LangQuery = "en") -> GoalIndex:
    return goal_index(store, fw, lang)


@router.get("/sdgs/{goal}", response_model=GoalDetail, tags=["sdgs"],
            summary="One goal with its targets, indicators and the initiatives mapped")
def sdg_api(goal: Annotated[int, Path(ge=1, le=17)],
            store: Annotated[Store, Depends(get_store)],
            settings: Annotated[Settings, Depends(get_settings)],
            fw: Annotated[Framework, Depends(get_framework)],
            lang: LangQuery = "en") -> GoalDetail:
    return goal_detail(store, fw, goal, lang, limit=settings.max_page_size)


class MapRequest(BaseModel):
    text: str = Field(min_length=1, max_length=2_000_000,
                      description="A snippet, a case study or a whole report.")
    mode: Literal["accurate", "fast"] | None = Field(
        default=None, description="Mapper mode; the server's default (accurate) if absent.")
    precision: Literal["fp32", "int8"] | None = Field(
        default=None, description="The accurate mode's MiniLM precision: int8 is about 1.5-1.9x "
        "faster on CPUs without AVX-512 (docs/sdg-mapper.md); the server's default "
        "(COMMONGROUND_SDG_PRECISION, else the model's own) if absent. The fast mode has no "
        "MiniLM and ignores it.")


@router.post("/sdg/map", response_model=SdgMapping, tags=["sdgs"],
             summary="Map a text onto the SDGs: goal probabilities, targets, evidence")
def map_api(body: MapRequest,
            loader: Annotated[MapperLoader, Depends(get_mapper_loader)]) -> SdgMapping:
    return map_text(loader, body.text, body.mode, body.precision)


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    database: str
    initiatives: int


@router.get("/health", response_model=Health, tags=["service"],
            summary="Whether the service and its store answer")
def health_api(store: Annotated[Store, Depends(get_store)]) -> Health:
    return Health(status="ok", version=__version__, database=store.dialect,
                  initiatives=catalog.count_initiatives(store))
