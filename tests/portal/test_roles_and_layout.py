"""Headless Chromium: role isolation by URL, and every page at a phone and a desktop width."""

from typing import Any

import pytest

from tests.portal.conftest import DESKTOP, PHONE, Stack

pytestmark = pytest.mark.browser
BROKERS_ONLY_NEED = 2  # the demo's 极片涂布缺陷自动检测, posted by 新会锂能 for brokers only

PAGES: dict[str | None, list[str]] = {
    None: ["/", "/outputs", "/needs", "/outputs/1", "/needs/1", "/login", f"/needs/{BROKERS_ONLY_NEED}",
           "/no-such-page", "/outputs?lang=en"],
    "battery": ["/needs/new", "/my/needs", "/needs/1", "/needs/1/edit", "/my/needs/1", "/inbox"],
    "wyu": ["/my/outputs", "/my/outputs/1/edit", "/upload", "/my/opportunities", "/outputs/1", "/inbox"],
    "broker": ["/broker", "/broker/needs/1", f"/broker/needs/{BROKERS_ONLY_NEED}?lang=en", "/broker/pipeline",
               "/broker/contracts/new?lang=zh"],
    "admin": ["/bureau", "/bureau?lang=en", "/?lang=zh"],
    "expert": ["/review", "/review?lang=en", "/challenges", "/outputs/1"],
}


def test_other_enterprise_cannot_open_brokers_only_need(person: Any, stack: Stack) -> None:
    broker = person("broker")
    broker.go(f"/needs/{BROKERS_ONLY_NEED}")
    title = broker.page.inner_text("h1")
    assert "极片" in title
    rival = person("food")
    response = rival.go(f"/needs/{BROKERS_ONLY_NEED}")
    assert response.status == 404
    text = rival.page.inner_text("main")
    assert title not in text and "无权查看" in text and "返回首页" in text
    rival.shot("20-rival-enterprise-refused")
    rival.go("/needs")
    assert title not in rival.page.inner_text("main")


@pytest.mark.parametrize("login", list(PAGES), ids=[str(k) for k in PAGES])
def test_every_page_fits_phone_and_desktop(person: Any, stack: Stack, login: str | None) -> None:
    who = person(login)
    overflowing = []
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        who.page.set_viewport_size(size)
        for path in PAGES[login]:
            response = who.go(path)
            assert response.status in (200, 404), f"{path}: {response.status}"
            name = f"layout-{login or 'anonymous'}-{size_name}-{path.strip('/').replace('/', '_').replace('?', '_') or 'home'}"
            who.shot(name)
            if not who.fits_width():
                overflowing.append(f"{path} at {size['width']} px")
    assert not overflowing, f"horizontal overflow: {overflowing}"
