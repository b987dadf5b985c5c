"""The JSON API: filters, pagination, one error shape, OpenAPI, SDGs, the mapper route."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from commonground.sdg.framework import framework
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.app import create_app
from commonground.web.deps import get_store


def ids(body: dict[str, Any]) -> list[str]:
    return [item["id"] for item in body["items"]]


def assert_error(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"type", "message", "detail"}
    assert body["error"]["type"] == kind
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def test_list_all_with_facets(client: TestClient) -> None:
    body = client.get("/api/v1/initiatives").json()
    assert body["total"] == 3
    assert ids(body) == sorted(ids(body), key=lambda i: {
        "rosario-gardens": "Vegetable", "cape-town-wisp": "Western",
        "ahmedabad-womens-climate-resilience": "Women's"}[i])
    assert body["limit"] == 20 and body["offset"] == 0
    countries = {c["value"]: c for c in body["facets"]["countries"]}
    assert countries["IN"]["label"] == "India" and countries["IN"]["count"] == 1
    assert {"goals", "regions", "awards", "sectors"} <= set(body["facets"])


@pytest.mark.parametrize(("query", "expected"), [
    ("sdg=13", ["ahmedabad-womens-climate-resilience"]),
    ("goal=13", ["ahmedabad-womens-climate-resilience"]),
    ("sdg=12", ["rosario-gardens", "cape-town-wisp"]),
    ("country=ZA", ["cape-town-wisp"]),
    ("country=za", ["cape-town-wisp"]),
    ("region=Sub-Saharan%20Africa", ["cape-town-wisp"]),
    ("award=Guangzhou%20Award", ["cape-town-wisp"]),
    ("sector=private", ["cape-town-wisp"]),
    # active at some time in the range: an ongoing initiative started earlier counts
    ("year_from=2010&year_to=2013", ["rosario-gardens", "cape-town-wisp"]),
    ("year_to=2012", ["rosario-gardens"]),
    ("year_from=2014", ["rosario-gardens", "cape-town-wisp",
                        "ahmedabad-womens-climate-resilience"]),
    ("q=climate", ["ahmedabad-womens-climate-resilience"]),
    ("sdg=11&sdg_source=model", ["rosario-gardens"]),
    ("sdg=11&sdg_source=stated", []),
    ("sdg=12&sector=public&country=AR", ["rosario-gardens"]),
])
def test_filters(client: TestClient, query: str, expected: list[str]) -> None:
    body = client.get(f"/api/v1/initiatives?{query}").json()
    assert sorted(ids(body)) == sorted(expected)
    assert body["total"] == len(expected)


def test_facets_ignore_their_own_filter(client: TestClient) -> None:
    body = client.get("/api/v1/initiatives?country=IN").json()
    assert {c["value"] for c in body["facets"]["countries"]} == {"AR", "IN", "ZA"}
    # other facets are narrowed by the country filter
    assert {g["value"] for g in body["facets"]["goals"]} == {"1", "5", "13"}
    assert body["filters"] == {"country": "IN"}


def test_pagination(client: TestClient) -> None:
    first = client.get("/api/v1/initiatives?limit=2").json()
    second = client.get("/api/v1/initiatives?limit=2&offset=2").json()
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert first["total"] == second["total"] == 3
    assert set(ids(first)).isdisjoint(ids(second))
    past = client.get("/api/v1/initiatives?offset=10").json()
    assert past["items"] == [] and past["total"] == 3


def test_limit_above_the_maximum_is_refused(client: TestClient) -> None:
    err = assert_error(client.get("/api/v1/initiatives?limit=201"), 422, "invalid_input")
    assert "201" in err["message"] and "200" in err["message"]
    assert err["detail"] == {"limit": 201, "max_page_size": 200}


@pytest.mark.parametrize("query", ["sdg=18", "sdg=abc", "limit=0", "offset=-1",
                                   "sector=government", "sdg_source=guess", "year_from=x"])
def test_bad_parameters_get_the_error_shape(client: TestClient, query: str) -> None:
    err = assert_error(client.get(f"/api/v1/initiatives?{query}"), 422, "invalid_input")
    name = query.split("=")[0]
    assert name in err["message"]
    assert isinstance(err["detail"], list) and err["detail"][0]["loc"][-1] == name


def test_conflicting_goal_names_and_reversed_years(client: TestClient) -> None:
    err = assert_error(client.get("/api/v1/initiatives?sdg=13&goal=12"), 422, "invalid_input")
    assert "disagree" in err["message"]
    err = assert_error(client.get("/api/v1/initiatives?year_from=2020&year_to=2010"),
                       422, "invalid_input")
    assert "2010" in err["message"]


def test_one_initiative_is_the_public_record(client: TestClient) -> None:
    body = client.get("/api/v1/initiatives/ahmedabad-womens-climate-resilience").json()
    assert body["format_version"] == "1.0"
    assert body["city"] == {"name": "Ahmedabad", "country": "IN",
                            "region": "Central and Southern Asia", "population": None,
                            "lat": None, "lon": None}
    assert body["partners"][0]["name"] == "Mahila Housing Trust (MHT)"
    assert body["outcomes"][0]["value"] == 125000


def test_unknown_initiative_and_route_are_404_in_one_shape(client: TestClient) -> None:
    err = assert_error(client.get("/api/v1/initiatives/no-such-thing"), 404, "not_found")
    assert "no-such-thing" in err["message"]
    err = assert_error(client.get("/api/v1/nowhere"), 404, "not_found")
    assert "/api/v1/nowhere" in err["message"]
    assert_error(client.delete("/api/v1/initiatives"), 405, "method_not_allowed")


def test_openapi_is_served_and_docs_fetch_nothing(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "commonground"
    for path in ("/api/v1/initiatives", "/api/v1/initiatives/{initiative_id}", "/api/v1/sdgs",
                 "/api/v1/sdgs/{goal}", "/api/v1/sdg/map", "/api/v1/health"):
        assert path in spec["paths"], path
    assert not any(not p.startswith("/api/") for p in spec["paths"])
    # Swagger UI and ReDoc would load their assets from a CDN: both are off
    assert client.get("/docs").status_code == 404
    assert client.get("/api/v1/docs").status_code == 404


def test_sdgs_with_counts_and_colours(client: TestClient) -> None:
    body = client.get("/api/v1/sdgs").json()
    goals = {g["goal"]: g for g in body["goals"]}
    assert sorted(goals) == list(range(1, 18))
    assert goals[12]["initiatives"] == 2
    assert goals[11]["by_source"] == {"stated": 0, "editor": 0, "model": 1}
    assert goals[11]["initiatives"] == 1
    assert goals[13]["colour"] == framework().goal(13).colour == "#3F7E44"
    assert goals[13]["text_colour"] == framework().goal(13).text_colour
    assert goals[13]["short_title"].lower() == "climate action"


def test_sdgs_in_another_language(client: TestClient) -> None:
    body = client.get("/api/v1/sdgs?lang=es").json()
    assert body["lang"] == "es"
    assert body["goals"][12]["title"] == framework().goal(13).long("es")
    assert body["goals"][12]["title"] != framework().goal(13).long("en")
    err = assert_error(client.get("/api/v1/sdgs?lang=xx"), 422, "invalid_input")
    assert "'xx'" in err["message"] and "es" in err["detail"]["available"]


def test_one_goal_with_targets_indicators_and_initiatives(client: TestClient) -> None:
    body = client.get("/api/v1/sdgs/13").json()
    assert body["goal"] == 13
    assert [t["id"] for t in body["targets"]][:3] == ["13.1", "13.2", "13.3"]
    assert body["targets"][0]["indicators"][0]["id"].startswith("13.1.")
    assert [m["initiative"]["id"] for m in body["mapped"]] == [
        "ahmedabad-womens-climate-resilience"]
    assert body["mapped"][0]["sources"] == ["stated"]
    model = client.get("/api/v1/sdgs/11").json()["mapped"]
    assert [(m["initiative"]["id"], m["sources"]) for m in model] == [
        ("rosario-gardens", ["model"])]
    assert_error(client.get("/api/v1/sdgs/18"), 422, "invalid_input")


def test_sdg_map_uses_the_mapper(client: TestClient) -> None:
    r = client.post("/api/v1/sdg/map", json={"text": "Climate adaptation in the city"})
    assert r.status_code == 200, r.text
    body = r.json()
    predicted = [g["goal"] for g in body["goals"] if g["predicted"]]
    assert predicted == [11, 13]
    assert len(body["goals"]) == 17
    assert body["targets"] == [{"target": "13.1", "score": 0.7}]
    assert body["mode"] == "accurate"
    fast = client.post("/api/v1/sdg/map", json={"text": "water", "mode": "fast"}).json()
    assert fast["mode"] == "fast"
    # the accurate mode's MiniLM precision per request; absent: the server's settings
    client.post("/api/v1/sdg/map", json={"text": "water", "precision": "int8"})
    assert client.app.state.precisions_asked == [None, None, "int8"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": "12345"},
                                     {"text": "x", "mode": "slow"}, {"text": 5},
                                     {"text": "x", "precision": "fp16"}])
def test_sdg_map_rejects_bad_bodies(client: TestClient, payload: dict[str, Any]) -> None:
    assert_error(client.post("/api/v1/sdg/map", json=payload), 422, "invalid_input")


def test_a_too_long_text_is_refused_without_echoing_it(client: TestClient) -> None:
    r = client.post("/api/v1/sdg/map", json={"text": "word " * 400_001})
    err = assert_error(r, 422, "invalid_input")
    assert "at most 2000000 characters" in err["message"]
    assert "(2,000,007 characters)" in err["message"]  # named, not repeated
    assert len(r.content) < 5_000
    # a short offending value comes back as it was sent
    err = assert_error(client.post("/api/v1/sdg/map", json={"text": 5}), 422, "invalid_input")
    assert "(got 5)" in err["message"]


def test_a_lone_surrogate_is_a_422_not_a_crash(client: TestClient) -> None:
    r = client.post("/api/v1/sdg/map", content=b'{"text": "clean water \\ud800 for all"}',
                    headers={"content-type": "application/json"})
    err = assert_error(r, 422, "invalid_input")
    assert "\\ud800" in err["message"]  # shown escaped


def test_the_app_loads_the_mapper_for_the_asked_mode_and_precision(
        settings: Settings, filled_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import commonground.sdg

    from fakes import FakeMapper

    asked: list[tuple[str | None, str | None]] = []

    def load_mapper(settings: Settings, mode: str | None = None,
                    precision: str | None = None) -> FakeMapper:
        asked.append((mode, precision))
        return FakeMapper(mode or "accurate")

    monkeypatch.setattr(commonground.sdg, "load_mapper", load_mapper)
    with TestClient(create_app(settings, store=filled_store)) as c:
        for body in ({"text": "water"}, {"text": "water", "mode": "accurate",
                                         "precision": "int8"}):
            assert c.post("/api/v1/sdg/map", json=body).status_code == 200
    assert asked == [(None, None), ("accurate", "int8")]


def test_health(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body == {"status": "ok", "version": body["version"], "database": "sqlite",
                    "initiatives": 3}


def test_sdg_map_without_a_model_is_a_503_that_says_what_to_do(
        settings: Settings, filled_store: Store) -> None:
    broken = replace(settings, sdg_model=str(Path(settings.database_url[10:]).parent / "none"))
    with TestClient(create_app(broken, store=filled_store)) as c:
        err = assert_error(c.post("/api/v1/sdg/map", json={"text": "floods"}), 503,
                           "model_error")
    assert "COMMONGROUND_SDG_MODEL" in err["message"]


@pytest.mark.slow
def test_sdg_map_with_the_shipped_model(settings: Settings, filled_store: Store,
                                        need: Callable[[bool, str], None]) -> None:
    from commonground.sdg import SHIPPED_MODEL

    need(SHIPPED_MODEL.is_dir(), f"the trained SDG mapper is not shipped yet ({SHIPPED_MODEL})")
    with TestClient(create_app(settings, store=filled_store)) as c:
        r = c.post("/api/v1/sdg/map", json={
            "text": "Women lead climate adaptation to heat waves and floods in the city's "
                    "informal settlements, with early warnings and cool roofs."})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["goals"]) == 17
    assert 13 in [g["goal"] for g in body["goals"] if g["predicted"]]


def test_an_unexpected_failure_keeps_the_error_shape(app: FastAPI) -> None:
    def broken() -> Store:
        raise RuntimeError("disk on fire")

    app.dependency_overrides[get_store] = broken
    with TestClient(app, raise_server_exceptions=False) as c:
        err = assert_error(c.get("/api/v1/health"), 500, "internal_error")
        page = c.get("/")
    assert "disk on fire" not in err["message"]
    assert page.status_code == 500 and "server log" in page.text
