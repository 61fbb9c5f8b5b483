"""Browser fixtures: the catalog and the matcher as real processes on free ports, and headless Chromium."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from duijie.supervise import stop_processes
from services.catalog.demo import DEMO_PASSWORD
from tests.conftest import PROJECT_ROOT
from tests.portal.helpers import assert_no_overflow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=zh-CN"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "portal"
README_SHOTS = PROJECT_ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
STARTUP_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = STARTUP_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


@dataclass
class Stack:
    """A running catalog (with the portal) and matcher over a fresh demo dataset."""

    base_url: str
    matcher_url: str | None
    data_dir: Path
    matcher_error: str | None = None

    def wait_for_matcher(self, timeout: float = 180.0) -> None:
        """Block until the matcher has read every change the catalog has made (the bound is against hanging: the
        demo's hundred items are embedded by both models on a shared machine first)."""
        if self.matcher_url is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = httpx.get(f"{self.matcher_url}/v1/status", timeout=2.0,
                               headers={"Authorization": "Bearer dev-service-token"}).json()
            if status.get("lag") == 0:
                return
            time.sleep(0.2)
        raise AssertionError("the matcher did not catch up with the catalog")


def _matcher_available() -> bool:
    with contextlib.suppress(ImportError):
        import duijie.matcher_cmds  # noqa: F401
        import services.matcher.main  # noqa: F401

        return True
    return False


def _seed_demo(data: Path) -> None:
    """Write the demo dataset into a new SQLite catalog in `data` (in this process: faster than the CLI)."""
    from sqlmodel import Session

    from services.catalog.core.config import CatalogSettings
    from services.catalog.core.db import make_engine, migrate
    from services.catalog.demo import seed_demo

    engine = make_engine(CatalogSettings(data_dir=data, database_url=None, _env_file=None).db_url)  # type: ignore[call-arg]
    try:
        migrate(engine)
        with Session(engine) as session:
            assert seed_demo(session)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Seed a demo catalog in a temp dir and run the catalog and (if present) the matcher on free ports."""
    data = tmp_path_factory.mktemp("portal-stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIJIE_")}
    env.update(PYTHONUNBUFFERED="1", DUIJIE_ENVIRONMENT="development")
    cli = [sys.executable, "-m", "duijie.cli"]
    _seed_demo(data)
    catalog_port, matcher_port = _free_port(), _free_port()
    base_url = f"http://127.0.0.1:{catalog_port}"
    matcher_url = f"http://127.0.0.1:{matcher_port}" if _matcher_available() else None
    procs: list[subprocess.Popen[bytes]] = []
    try:
        # Both start at once: the matcher keeps polling the catalog's change feed until it answers.
        catalog_log, matcher_log = data / "catalog.log", data / "matcher.log"
        procs.append(subprocess.Popen(
            [*cli, "catalog", "--data-dir", str(data), "--port", str(catalog_port),
             "--matcher-url", matcher_url or "http://127.0.0.1:9"],
            cwd=data, env=env, stdout=catalog_log.open("wb"), stderr=subprocess.STDOUT))
        if matcher_url is not None:
            procs.append(subprocess.Popen(
                [*cli, "matcher", "--data-dir", str(data / "matcher"), "--port", str(matcher_port),
                 "--catalog-url", base_url], cwd=data, env=env, stdout=matcher_log.open("wb"),
                stderr=subprocess.STDOUT))
        _wait(f"{base_url}/healthz", procs[0], catalog_log)
        matcher_error = None
        if matcher_url is not None:
            try:
                _wait(f"{matcher_url}/healthz", procs[1], matcher_log)
            except RuntimeError as exc:
                # Pages must work without the matcher; only the tests that need rankings fail on this.
                matcher_error, matcher_url = str(exc), None
        result = Stack(base_url=base_url, matcher_url=matcher_url, data_dir=data, matcher_error=matcher_error)
        result.wait_for_matcher()
        yield result
    finally:
        stop_processes(procs)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser build)."""
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        if os.environ.get("DUIJIE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing; run scripts/browser-deps.sh")
        pytest.skip(f"{CHROMIUM} is missing (install it with scripts/browser-deps.sh); browser tests skipped")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Person:
    """One signed-in (or anonymous) person with their own browser context."""

    page: Any
    base_url: str
    check_layout: bool = True  # every page opened is checked for text overflowing its box at 390 and 1440 px

    def go(self, path: str) -> Any:
        """Open a portal path, wait for it to load and check that no text overflows its box."""
        response = self.page.goto(self.base_url + path)
        self.page.wait_for_load_state("load")
        if self.check_layout:
            assert_no_overflow(self.page)
        return response

    def click_and_wait(self, target: Any) -> None:
        """Click a link or submit button (a selector or a locator), wait for the page it leads to and check it."""
        locator = self.page.locator(target) if isinstance(target, str) else target
        with self.page.expect_navigation():
            locator.click()
        self.page.wait_for_load_state("load")
        if self.check_layout:
            assert_no_overflow(self.page)

    def shot(self, name: str, *, full_page: bool = True) -> Path:
        """Save a screenshot of the current page under test-artifacts/portal."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def fits_width(self) -> bool:
        """Whether the page has no horizontal overflow at the current viewport."""
        return bool(self.page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def person(browser: Any, stack: Stack) -> Iterator[Any]:
    """A factory of people: `person(login)` signs in through the form; `person(None)` stays anonymous."""
    contexts: list[Any] = []

    def make(login: str | None, viewport: dict[str, int] | None = None) -> Person:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        who = Person(page=context.new_page(), base_url=stack.base_url)
        if login is not None:
            who.go("/login")
            who.page.fill("input[name=login]", login)
            who.page.fill("input[name=password]", DEMO_PASSWORD)
            who.click_and_wait("form.form button[type=submit]")
            assert "/login" not in who.page.url, f"{login} could not sign in"
        return who

    yield make
    for context in contexts:
        context.close()


def readme_shot(who: Any, name: str) -> None:
    """A viewport-sized screenshot for the README (kept small); committed copies change only on request."""
    path = who.shot(name, full_page=False)
    target = README_SHOTS / f"{name}.png"
    if not target.exists() or os.environ.get("DUIJIE_UPDATE_SCREENSHOTS") == "1":
        README_SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
