"""Issue 16 in headless Chromium, at 1440 px and 390 px: an enterprise follows its need from the need's page, sets
threshold and frequency, saves a search from the search page and removes it, finds the demo alert in its inbox;
then the e-mail's unsubscribe link is opened signed out (and a tampered one refused). No page overflows sideways."""

from typing import Any

import pytest
from sqlmodel import Session, col, select

from services.catalog.accounts.models import User
from services.catalog.core.config import CatalogSettings
from services.catalog.core.db import make_engine
from services.catalog.items.models import TechNeed
from services.catalog.subscriptions.models import Subscription
from services.catalog.subscriptions.service import unsubscribe_token
from tests.portal.conftest import DESKTOP, PHONE, Stack

pytestmark = pytest.mark.browser
NEED = "极片涂布缺陷自动检测"


def _settings(stack: Stack) -> CatalogSettings:
    return CatalogSettings(data_dir=stack.data_dir, database_url=None, _env_file=None)  # type: ignore[call-arg]


def _need_id(stack: Stack) -> int:
    engine = make_engine(_settings(stack).db_url)
    try:
        with Session(engine) as session:
            need = session.exec(select(TechNeed).where(TechNeed.title == NEED)).one()
            return need.id or 0
    finally:
        engine.dispose()


def _newest_link(stack: Stack, login: str) -> str:
    """The unsubscribe link of the user's newest subscription, as its e-mails carry it."""
    settings = _settings(stack)
    engine = make_engine(settings.db_url)
    try:
        with Session(engine) as session:
            user = session.exec(select(User).where(User.login == login)).one()
            sub = session.exec(select(Subscription).where(Subscription.user_id == user.id)
                               .order_by(col(Subscription.id).desc())).first()
            assert sub is not None
            return f"/unsubscribe?token={unsubscribe_token(settings=settings, subscription=sub)}"
    finally:
        engine.dispose()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1440", "390"])
def test_follow_save_change_remove_and_unsubscribe(person: Any, stack: Stack, viewport: dict[str, int]) -> None:
    width = viewport["width"]
    battery = person("battery", viewport)
    battery.go(f"/needs/{_need_id(stack)}")
    battery.click_and_wait("#follow")
    assert battery.page.url.endswith("/subscriptions?done=created")
    assert "已订阅" in battery.page.locator(".flash.ok").inner_text()
    card = battery.page.locator("article.subscription").first
    assert NEED in card.locator(".subject").inner_text() and "关注我的需求" in card.inner_text()
    assert battery.page.locator("nav a[href='/subscriptions']").count() == 1
    assert battery.fits_width(), f"/subscriptions overflows at {width} px"
    battery.shot(f"subscriptions-{width}")

    card.locator("select[name=threshold]").select_option("0.7")
    card.locator("select[name=frequency]").select_option("daily")
    battery.click_and_wait(card.locator("button", has_text="保存"))
    assert "订阅已更新" in battery.page.locator(".flash.ok").inner_text()
    card = battery.page.locator("article.subscription").first
    assert card.locator("select[name=threshold]").input_value() == "0.7"
    assert card.locator("select[name=frequency]").input_value() == "daily"

    before = battery.page.locator("article.subscription").count()
    battery.go("/outputs?q=锂电池回收")
    assert battery.fits_width(), f"the search page overflows at {width} px"
    battery.click_and_wait("#save-search")
    saved = battery.page.locator("article.subscription").first
    assert "保存的检索" in saved.inner_text() and "锂电池回收" in saved.inner_text()
    assert battery.page.locator("article.subscription").count() == before + 1
    battery.click_and_wait(saved.locator("button.delete"))
    assert "订阅已删除" in battery.page.locator(".flash.ok").inner_text()
    assert battery.page.locator("article.subscription").count() == before

    battery.go("/subscriptions?lang=en")
    assert battery.page.locator("h1").inner_text() == "My subscriptions"
    battery.go("/subscriptions?lang=zh")
    battery.go("/inbox")
    # the demo's alert, among the year of other messages (and whatever other journeys added)
    assert battery.page.locator("article.notification", has_text="新匹配：废旧锂离子电池正极材料湿法回收技术").count() >= 1

    link = _newest_link(stack, "battery")
    reader = person(None, viewport)  # the mail client: nobody signed in
    tampered = reader.go(link[:-2] + ("xx" if not link.endswith("xx") else "yy"))
    assert tampered.status == 400 and "退订链接无效" in reader.page.inner_text("body")
    assert reader.go(link).status == 200
    assert "您已退订" in reader.page.locator("#unsubscribed").inner_text()
    assert reader.fits_width(), f"the unsubscribe page overflows at {width} px"
    reader.shot(f"unsubscribed-{width}")
    battery.go("/subscriptions")
    assert battery.page.locator("article.subscription").count() == before - 1
