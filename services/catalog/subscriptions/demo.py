"""Demo subscriptions: an enterprise following its need (instant, with one alert already in its inbox), a
university following its output (daily digest) and a saved search (weekly)."""

from sqlmodel import Session

from services.catalog.accounts.models import User
from services.catalog.subscriptions import service
from services.catalog.subscriptions.models import Subscription, SubscriptionAlert
from services.catalog.subscriptions.schemas import SubscriptionCreate
from services.catalog.subscriptions.vocab import NOTIFICATION_KIND
from services.catalog.workflow.notifications import notify
from shared.vocab import ItemKind


def seed_subscriptions(session: Session, *, users: dict[str, User], items: dict[str, int]) -> list[Subscription]:
    """Three subscriptions of the demo accounts and one alert delivered to the battery maker's inbox."""
    def make(login: str, **fields: object) -> Subscription:
        return service.create(session=session, user=users[login], data=SubscriptionCreate.model_validate(fields),
                              language="zh")

    need = make("battery", kind="need", need_id=items["退役动力电池中镍钴锰的高效回收"])
    output = make("wyu", kind="output", output_id=items["废旧锂离子电池正极材料湿法回收技术"], frequency="daily")
    search = make("food", kind="search", target="output", query="海产品 保鲜 杀菌", cluster="现代农业与食品",
                  frequency="weekly", threshold=0.5)
    title = "废旧锂离子电池正极材料湿法回收技术"
    alert = SubscriptionAlert(
        subscription_id=need.id or 0, item_kind=ItemKind.output, item_id=items[title], title=title, score=0.81,
        explanation_zh="共同关键词：镍钴锰、湿法回收、退役电池；该成果的回收率指标与需求一致",
        explanation_en="Shared key terms: nickel-cobalt-manganese, hydrometallurgical recovery, retired batteries",
        seq=need.since_seq)
    session.add(alert)
    session.flush()
    # links relative to the portal: the demo knows neither its address nor its secret
    body = "\n".join([service.describe(session=session, subscription=need, zh=True) + "有新的匹配：", "",
                      f"「{title}」 匹配度 81%", f"理由：{alert.explanation_zh}", f"查看：/outputs/{alert.item_id}", "",
                      "管理订阅：/subscriptions"])
    notes = notify(session, users=[users["battery"]], kind=NOTIFICATION_KIND, subject=f"新匹配：{title}", body=body)
    alert.delivered_at, alert.notification_id = alert.created_at, notes[0].id if notes else None
    session.add(alert)
    return [need, output, search]
