"""The statistics as spreadsheets with Chinese headers: one XLSX workbook, or one report as CSV."""

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from services.catalog.challenges.schemas import BountyFigures, ChallengeStats
from services.catalog.imports.export import neutralise
from services.catalog.workflow.schemas import GapThemes, StatsSummary
from services.catalog.workflow.transitions import label
from services.catalog.workflow.vocab import MatchStatus, reason_counts

Table = tuple[str, list[str], list[list[Any]]]

REPORTS = ("overview", "funnel", "contracts_by_month", "contracts_by_region", "contracts_by_cluster",
           "contracts_by_type", "brokers", "coverage", "unmet_needs",
           "decline_reasons", "challenge_funnel", "challenge_bounty")


def _bounty_rows(c: ChallengeStats) -> list[list[Any]]:
    def row(scope: str, b: BountyFigures) -> list[Any]:
        share = round(float(b.released_yuan / b.committed_yuan), 4) if b.committed_yuan else None
        return [scope, b.key, b.challenges, float(b.offered_yuan), float(b.committed_yuan), float(b.released_yuan),
                share]

    return [row("合计", c.bounty), *[row("产业集群", b) for b in c.by_cluster], *[row("区县", b) for b in c.by_region]]


def tables(s: StatsSummary, challenges: ChallengeStats) -> dict[str, Table]:
    """Every report as (sheet title, Chinese headers, rows)."""
    o = s.overview
    overview_rows: list[list[Any]] = [
        ["科技成果总数", o.outputs["total"]], ["已发布成果", o.outputs.get("published", 0)],
        ["技术需求总数", o.needs["total"]], ["未解决需求", o.needs.get("open", 0)],
        ["已解决需求", o.needs.get("solved", 0)],
        *[[f"对接·{label(k)}", v] for k, v in o.matches_by_status.items()],
        ["技术合同数", o.contracts], ["合同成交额（元）", float(o.contract_amount_yuan)],
    ]
    funnel_rows = [[st.label, st.reached, label(st.next_status) if st.next_status else "",
                    st.conversion, st.median_days_to_next, st.declined_here] for st in s.funnel.steps]

    def buckets(name: str, head: str, rows: list[Any]) -> Table:
        return name, [head, "合同数", "成交额（元）"], [[b.key, b.count, float(b.amount_yuan)] for b in rows]

    c = s.contracts
    statuses = list(MatchStatus)
    broker_rows = [[b.name, b.matches, *[b.by_status[st.value] for st in statuses], b.actions,
                    b.contracts_registered] for b in s.brokers]
    cov = s.coverage
    coverage_rows = [[k, v["open_needs"], v["covered"], v["share"]] for k, v in cov.by_cluster.items()]
    coverage_rows.append(["合计", cov.open_needs, cov.covered, cov.share])
    unmet_rows = [[u.need_id, u.title, u.organisation_name, u.cluster, u.region, u.created_at.date().isoformat(),
                   u.best_score] for u in cov.unmet]
    return {
        "overview": ("概况", ["指标", "数值"], overview_rows),
        "funnel": ("转化漏斗", ["环节", "到达对数", "下一环节", "转化率", "中位天数", "在此环节放弃"], funnel_rows),
        "contracts_by_month": buckets("合同按月份", "月份", c.by_month),
        "contracts_by_region": buckets("合同按区县", "区县", c.by_region),
        "contracts_by_cluster": buckets("合同按产业集群", "产业集群", c.by_cluster),
        "contracts_by_type": buckets("合同按类型", "合同类型", c.by_type),
        "brokers": ("技术经纪人", ["经纪人", "负责对接数", *[label(st) for st in statuses], "操作次数", "登记合同数"],
                    broker_rows),
        "coverage": (f"供需覆盖（阈值{cov.threshold}）", ["产业集群", "未解决需求数", "有合格供给", "覆盖率"],
                     coverage_rows),
        "unmet_needs": ("无合格供给的需求", ["需求编号", "需求名称", "企业", "产业集群", "区县", "发布日期", "最高匹配分"],
                        unmet_rows),
        "decline_reasons": ("放弃原因", ["原因", "Reason", "对数"],
                            [list(row) for row in reason_counts(s.funnel.decline_reasons)]),
        "challenge_funnel": ("揭榜挂帅漏斗", ["环节", "数量"], [[st.label_zh, st.count] for st in challenges.funnel]),
        "challenge_bounty": ("榜单金额承诺与拨付", ["范围", "分组", "榜单数", "榜单金额（元）", "已承诺（元）", "已拨付（元）",
                                           "拨付比例"], _bounty_rows(challenges)),
    }


def _workbook(sheets: list[Table]) -> bytes:
    wb = Workbook(write_only=True)  # streams rows: several times faster for the long unmet-needs sheet
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title[:31])
        for i, h in enumerate(headers, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, len(h) * 2 + 2)
        ws.append(headers)
        for row in rows:
            ws.append([neutralise(v) for v in row])  # need titles are user text: never a live formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_xlsx(s: StatsSummary, challenges: ChallengeStats) -> bytes:
    """All reports as one workbook, one sheet each."""
    return _workbook(list(tables(s, challenges).values()))


def _counts(counts: dict[str, int]) -> str:
    return "；".join(f"{k} {v}" for k, v in counts.items())


def gaps_xlsx(g: GapThemes) -> bytes:
    """The unmet-need themes as a workbook: themes, each theme's needs, and the needs in no theme."""
    themes = [[t.key, t.label_zh, t.label_en, t.size, "、".join(t.terms_zh), ", ".join(t.terms_en), _counts(t.counties),
               _counts(t.clusters), float(t.budget_total_yuan),
               None if t.budget_median_yuan is None else float(t.budget_median_yuan), t.coherence,
               "；".join(f"{o.title}（{o.score:.2f}）" for o in t.supply)] for t in g.themes]
    members = [[t.key, t.label_zh, n.need_id, n.title, n.organisation_name, n.cluster, n.region,
                None if n.budget_yuan is None else float(n.budget_yuan)] for t in g.themes for n in t.needs]
    rest = [[n.need_id, n.title, n.organisation_name, n.cluster, n.region,
             None if n.budget_yuan is None else float(n.budget_yuan)] for n in g.unclustered]
    if not g.matcher_available:  # no themes: the flat list instead
        rest = [[u.need_id, u.title, u.organisation_name, u.cluster, u.region, None] for u in g.unmet]
    return _workbook([
        ("未满足需求主题", ["主题编号", "主题", "Theme", "需求数", "中文关键词", "English terms", "区县", "产业集群",
                     "预算合计（元）", "预算中位数（元）", "内聚度", "最接近的成果（相似度）"], themes),
        ("主题下的需求", ["主题编号", "主题", "需求编号", "需求名称", "企业", "产业集群", "区县", "预算（元）"], members),
        ("未归入主题的需求", ["需求编号", "需求名称", "企业", "产业集群", "区县", "预算（元）"], rest),
    ])


def to_csv(s: StatsSummary, challenges: ChallengeStats, report: str) -> bytes:
    """One report as CSV, UTF-8 with a byte-order mark so that Excel shows the Chinese."""
    _, headers, rows = tables(s, challenges)[report]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(headers)
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
