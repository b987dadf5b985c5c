"""Server-rendered HTML pages: the same view objects as the API, rendered with Jinja2.

The pages work without JavaScript: filters are a plain GET form, pagination is links.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from commonground import catalog
from commonground.catalog import SECTORS
from commonground.catalog.countries import country_name
from commonground.errors import InvalidInput
from commonground.sdg.framework import Framework, framework
from commonground.sdg.mapping import SECONDARY_FLOOR
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.api import pick_goal
from commonground.web.deps import (
    MapperLoader,
    get_framework,
    get_mapper_loader,
    get_settings,
    get_store,
)
from commonground.web.views import (
    FACET_FILTERS,
    SECTOR_LABELS,
    InitiativeList,
    goal_detail,
    goal_index,
    initiative_list,
    initiative_view,
    map_text,
    mapping_view,
)

router = APIRouter(include_in_schema=False)
READ = ["GET", "HEAD"]  # link checkers and uptime probes ask with HEAD


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hits: int
    selected: bool

_INT_FIELDS = ("sdg", "goal", "year_from", "year_to", "limit", "offset")
_TEXT_FIELDS = ("country", "region", "award", "sector", "q", "sdg_source")


def format_number(value: float | int | None) -> str:
    """125000.0 -> '125,000'; 10.7 -> '10.7'; None -> ''."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


#: names of the framework's languages, each in itself, for the language menus
LANGUAGE_NAMES: dict[str, str] = {
    "ar": "العربية", "ca": "Català", "cnr": "Crnogorski", "cs": "Čeština", "de": "Deutsch",
    "en": "English", "es": "Español", "fo": "Føroyskt", "fr": "Français", "hy": "Հայերեն",
    "it": "Italiano", "kk": "Қазақ тілі", "km": "ខ្មែរ", "ky": "Кыргызча", "lo": "ລາວ",
    "my": "မြန်မာ", "nb-NO": "Norsk bokmål", "ne": "नेपाली", "pt": "Português",
    "ro": "Română", "ru": "Русский", "sw": "Kiswahili", "tg": "Тоҷикӣ", "tk": "Türkmençe",
    "tr": "Türkçe", "uk": "Українська", "zh-Hans": "中文（简体）",
}
_RTL = {"ar", "fa", "he", "ur", "ps", "dv", "yi"}


#: a goal's page: /sdgs/1 to /sdgs/17, one address each (not /sdgs/01)
_GOAL_PATH = re.compile(r"[1-9][0-9]?")


def lang_attr(code: str | None) -> Markup:
    """` lang="es"` (with `dir="rtl"` where needed) for text not in the page's English."""
    if not code or code == "en":
        return Markup("")
    direction = ' dir="rtl"' if code.split("-")[0].lower() in _RTL else ""
    return Markup(' lang="{}"{}').format(code, Markup(direction))


def languages(fw: Framework) -> list[tuple[str, str]]:
    return sorted(((c, LANGUAGE_NAMES.get(c, c)) for c in fw.languages),
                  key=lambda pair: (pair[0] != "en", pair[0]))


def make_templates() -> Environment:
    env = Environment(loader=PackageLoader("commonground.web", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["num"] = format_number
    env.filters["country"] = country_name
    env.filters["langattr"] = lang_attr
    env.filters["percent"] = lambda p: f"{round(100 * float(p))}%"
    # a target's score is a similarity for ranking, not a probability: no percent sign
    env.filters["match"] = lambda s: f"match {float(s):.2f}"
    env.filters["target_text"] = lambda tid, lang="en": framework().target_text(tid, lang)
    # every page shows goal titles or target texts (badges, hover texts): credit them on each
    env.globals["sdg_attribution"] = lambda: framework().attribution
    return env


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    html = env.get_template(template).render(request=request, path=request.url.path, **context)
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, status: int, message: str) -> Response:
    titles = {404: "Not found", 405: "Not allowed", 422: "Cannot show this page",
              503: "Service unavailable"}
    return render(request, "error.html", status=status, status_code=status,
                  title=titles.get(status, "Something went wrong"), message=message)


def _query_values(params: Mapping[str, str]) -> dict[str, Any]:
    """The list form's fields, blanks dropped and numbers checked (a form sends strings)."""
    out: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        raw = params.get(name, "").strip()
        if raw:
            out[name] = raw
    for name in _INT_FIELDS:
        raw = params.get(name, "").strip()
        if not raw:
            continue
        try:
            out[name] = int(raw)
        except ValueError:
            raise InvalidInput(f"{name}={raw!r} is not a whole number; "
                               "correct it in the form and search again") from None
    return out


def _page_links(values: dict[str, Any], total: int, limit: int, offset: int
                ) -> dict[str, str | None]:
    def link(new_offset: int) -> str:
        params = {k: v for k, v in values.items() if k != "offset"}
        if new_offset:
            params["offset"] = new_offset
        return "/initiatives" + ("?" + urlencode(params) if params else "")

    return {
        "prev": link(max(0, offset - limit)) if offset > 0 else None,
        "next": link(offset + limit) if offset + limit < total else None,
        "json": "/api/v1/initiatives" + ("?" + urlencode(values) if values else ""),
    }


def _options(result: InitiativeList, values: dict[str, Any], fw: Framework
             ) -> dict[str, list[Option]]:
    """Choices of each select of the list form, with the count each choice would give."""
    f = result.facets
    counts = {name: {c.value: c.count for c in getattr(f, name)} for name in FACET_FILTERS}
    labels = {name: {c.value: c.label for c in getattr(f, name)} for name in FACET_FILTERS}
    out: dict[str, list[Option]] = {
        "goals": [Option(str(g.number), f"{g.number} · {g.label()}",
                         counts["goals"].get(str(g.number), 0),
                         values.get("sdg") == g.number) for g in fw.goals],
        "sectors": [Option(s, SECTOR_LABELS[s], counts["sectors"].get(s, 0),
                           values.get("sector") == s) for s in SECTORS],
    }
    for name in ("countries", "regions", "awards"):
        field = FACET_FILTERS[name]
        chosen = values.get(field)
        opts = [Option(v, labels[name][v], n, chosen is not None and v.lower() == chosen.lower())
                for v, n in counts[name].items()]
        if chosen and not any(o.selected for o in opts):
            shown = country_name(chosen) if name == "countries" else chosen
            opts.append(Option(chosen, shown, 0, True))
        out[name] = sorted(opts, key=lambda o: o.label.lower())
    return out


@router.api_route("/", methods=READ, response_class=HTMLResponse)
def home_page(request: Request, store: Annotated[Store, Depends(get_store)],
              fw: Annotated[Framework, Depends(get_framework)]) -> Response:
    index = goal_index(store, fw)
    return render(request, "home.html", index=index, title="Cities learning from cities",
                  total=catalog.count_initiatives(store))


@router.api_route("/initiatives", methods=READ, response_class=HTMLResponse)
def list_page(request: Request, settings: Annotated[Settings, Depends(get_settings)],
              store: Annotated[Store, Depends(get_store)],
              fw: Annotated[Framework, Depends(get_framework)]) -> Response:
    values = _query_values(request.query_params)
    goal = pick_goal(values.pop("sdg", None), values.pop("goal", None))
    if goal is not None:
        fw.goal(goal)  # an unknown goal is a 404 with its own message
        values["sdg"] = goal
    limit = min(max(1, values.get("limit", settings.page_size)), settings.max_page_size)
    offset = max(0, values.get("offset", 0))
    filters = catalog.Filters(
        goal=goal, country=values.get("country"), region=values.get("region"),
        award=values.get("award"), sector=values.get("sector"),
        year_from=values.get("year_from"), year_to=values.get("year_to"), q=values.get("q"),
        sdg_source=values.get("sdg_source"))
    result = initiative_list(store, filters, limit=limit, offset=offset)
    return render(request, "initiatives.html", title="Initiatives", result=result,
                  values=values, fw=fw, options=_options(result, values, fw),
                  links=_page_links(values, result.total, limit, offset))


@router.api_route("/initiatives/{initiative_id}", methods=READ, response_class=HTMLResponse)
def initiative_page(initiative_id: str, request: Request,
                    store: Annotated[Store, Depends(get_store)],
                    fw: Annotated[Framework, Depends(get_framework)]) -> Response:
    view = initiative_view(catalog.get_initiative(store, initiative_id), fw)
    return render(request, "initiative.html", title=view.record.title, view=view,
                  rec=view.record, fw=fw)


MAP_FORM_LIMIT = 200_000  # characters; longer documents go through the API or the CLI


@router.api_route("/sdg/map", methods=READ, response_class=HTMLResponse)
def map_form_page(request: Request) -> Response:
    return render(request, "map.html", title="Map a text onto the SDGs", text="", mode="",
                  view=None, limit=MAP_FORM_LIMIT)


@router.post("/sdg/map", response_class=HTMLResponse)
def map_result_page(request: Request, fw: Annotated[Framework, Depends(get_framework)],
                    loader: Annotated[MapperLoader, Depends(get_mapper_loader)],
                    text: Annotated[str, Form(max_length=MAP_FORM_LIMIT)] = "",
                    mode: Annotated[str, Form()] = "") -> Response:
    if mode not in ("", "accurate", "fast"):
        raise InvalidInput(f"mode {mode!r} is unknown; choose accurate or fast")
    view = mapping_view(map_text(loader, text, mode or None, None), fw)
    return render(request, "map.html", title="SDG mapping", text=text, mode=mode, view=view,
                  limit=MAP_FORM_LIMIT, secondary_floor=SECONDARY_FLOOR)


def _lang(request: Request) -> str:
    return request.query_params.get("lang", "").strip() or "en"


@router.api_route("/sdgs", methods=READ, response_class=HTMLResponse)
def sdgs_page(request: Request, store: Annotated[Store, Depends(get_store)],
              fw: Annotated[Framework, Depends(get_framework)]) -> Response:
    index = goal_index(store, fw, _lang(request))
    return render(request, "sdgs.html", title="The Sustainable Development Goals", index=index,
                  languages=languages(fw))


@router.api_route("/sdgs/{goal}", methods=READ, response_class=HTMLResponse)
def sdg_page(goal: str, request: Request, settings: Annotated[Settings, Depends(get_settings)],
             store: Annotated[Store, Depends(get_store)],
             fw: Annotated[Framework, Depends(get_framework)]) -> Response:
    if not _GOAL_PATH.fullmatch(goal):  # not isdigit(): '²' and '١' are digits to it
        fw.goal(goal)  # type: ignore[arg-type]  # raises NotFound naming the value
    detail = goal_detail(store, fw, int(goal), _lang(request), limit=settings.max_page_size)
    return render(request, "sdg.html", title=f"SDG {detail.goal}: {detail.short_title}",
                  goal=detail, fw=fw, languages=languages(fw))
