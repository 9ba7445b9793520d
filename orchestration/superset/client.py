"""Talk to a running Superset as a given user: over its REST API, and in headless Chromium.

Used by the browser tests (tests/e2e) and the speed bench (bench/bench_dashboards.py).
The browser is Debian's ``chromium`` driven by Playwright (``executable_path``),
never a downloaded one, with every flag that would let it phone out turned off.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
]


class ApiClient:
    """A logged-in API session (JWT): what that user may see, with that user's row-level security."""

    def __init__(self, base_url: str, username: str, password: str):
        import requests

        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        response = self.session.post(
            f"{self.base_url}/api/v1/security/login",
            json={"username": username, "password": password, "provider": "db", "refresh": False},
            timeout=30,
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = self.session.get(f"{self.base_url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        self.session.headers["X-CSRFToken"] = csrf.json()["result"]
        self.session.headers["Referer"] = self.base_url

    def get(self, path: str, **params) -> Any:
        response = self.session.get(f"{self.base_url}{path}", params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, payload: dict[str, Any]):
        return self.session.post(f"{self.base_url}{path}", json=payload, timeout=120)

    def chart_data(self, query_context: dict[str, Any], *, result_type: str = "full", force: bool = True):
        """POST /api/v1/chart/data with a chart's query context; the response object."""
        payload = {**query_context, "result_type": result_type, "force": force}
        return self.post("/api/v1/chart/data", payload)

    def dashboards(self) -> list[dict[str, Any]]:
        query = json.dumps({"page_size": 100, "columns": ["id", "slug", "dashboard_title"]}, separators=(",", ":"))
        return self.get("/api/v1/dashboard/", q=query)["result"]


@dataclass
class RenderedDashboard:
    slug: str
    title: str
    screenshot: Path
    requests: list[dict[str, Any]] = field(default_factory=list)  # the query contexts the page posted
    statuses: list[int] = field(default_factory=list)
    results: dict[int, dict[str, Any]] = field(default_factory=dict)  # chart id -> the data the page received
    errors_on_page: list[str] = field(default_factory=list)
    charts_on_page: int = 0
    seconds: float = 0.0


class Browser:
    """Headless Chromium, one logged-in page per user."""

    def __init__(self, base_url: str):
        from playwright.sync_api import sync_playwright

        self.base_url = base_url.rstrip("/")
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def login(self, username: str, password: str):
        context = self._browser.new_context(viewport={"width": 1600, "height": 1400}, locale="ru-RU")
        page = context.new_page()
        page.set_default_timeout(90_000)
        page.goto(f"{self.base_url}/login/")
        page.locator("[data-test=username-input]").fill(username)
        page.locator("[data-test=password-input]").fill(password)
        page.locator("[data-test=login-button]").click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.wait_for_load_state("networkidle")
        return page

    def open_dashboard(self, page, slug: str, screenshot: Path, *, settle: float = 1.0) -> RenderedDashboard:
        """Open a dashboard, wait until every chart has answered and drawn, save a full-page screenshot."""
        rendered = RenderedDashboard(slug, "", screenshot)

        def on_request(request):
            if "/api/v1/chart/data" in request.url and request.method == "POST":
                rendered.requests.append(request.post_data_json)

        responses = []

        def on_response(response):
            if "/api/v1/chart/data" in response.url and response.request.method == "POST":
                rendered.statuses.append(response.status)
                responses.append(response)

        page.on("request", on_request)
        page.on("response", on_response)
        started = time.monotonic()
        try:
            page.goto(f"{self.base_url}/superset/dashboard/{slug}/?standalone=0")
            page.wait_for_selector("[data-test=dashboard-header-container], .dashboard-header", state="visible")
            page.wait_for_load_state("networkidle")
            # Every chart holder either draws its chart or shows an error; none may still be loading.
            page.wait_for_function(
                "() => document.querySelectorAll('.dashboard-component-chart-holder').length > 0 &&"
                " document.querySelectorAll('.dashboard-component-chart-holder .loading').length === 0",
            )
            time.sleep(settle)  # animations
            rendered.seconds = time.monotonic() - started
            rendered.title = page.title()
            rendered.charts_on_page = page.locator(".dashboard-component-chart-holder").count()
            rendered.errors_on_page = page.locator(
                ".dashboard-component-chart-holder [role=alert], .dashboard-component-chart-holder .ant-alert-error"
            ).all_inner_texts()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            for response in responses:
                slice_id = (response.request.post_data_json or {}).get("form_data", {}).get("slice_id")
                if slice_id and response.status == 200:
                    rendered.results[slice_id] = response.json()
        finally:
            page.remove_listener("request", on_request)
            page.remove_listener("response", on_response)
        return rendered
