"""The structured-field adjustments a broker reads: every shared attribute named, in both directions."""

from datetime import date, timedelta

import pytest

from services.matcher.fields import BONUS, adjust
from shared.schemas import CatalogItem
from shared.vocab import ItemKind

TODAY = date(2026, 12, 1)


def _item(kind: ItemKind, **facts) -> CatalogItem:  # type: ignore[no-untyped-def]
    status = "open" if kind is ItemKind.need else "published"
    return CatalogItem(kind=kind, id=1, title="锂电池隔膜", status=status, **facts)


NEED = _item(ItemKind.need, field="新材料", industry_section="C", cluster="新能源电池", region="广东省江门市蓬江区",
             maturity="小批量生产", cooperation_modes=["技术转让", "合作开发"])
OUTPUT = _item(ItemKind.output, field="新材料", industry_section="C", cluster="新能源电池", region="江门市蓬江区",
               maturity="实验室", cooperation_modes=["合作开发"])


def test_need_to_output_names_each_shared_attribute_and_a_short_maturity():
    adj = adjust(NEED, OUTPUT, TODAY)
    assert adj.notes_zh == ["同属技术领域“新材料”", "同属行业“C”", "同属产业集群“新能源电池”", "同在江门市蓬江区",
                            "成熟度“实验室”可能不足", "合作方式一致：合作开发"]
    assert adj.notes_en[-2:] == ["maturity (实验室) may be too early for the need", "shared cooperation modes: 合作开发"]
    assert adj.components == {"field": 1.0, "industry": 1.0, "cluster": 1.0, "county": 1.0, "maturity": 0.0,
                              "modes": 1.0}
    expected = sum(BONUS[k] for k in ("field", "industry", "cluster", "county", "modes")) - BONUS["maturity"]
    assert adj.bonus == pytest.approx(expected)


def test_output_to_need_reads_the_need_deadline_as_its_horizon():
    output = OUTPUT.model_copy(update={"maturity": "产业化", "region": "广东省江门市新会区", "field": "先进制造"})
    soon = NEED.model_copy(update={"maturity": None, "deadline": TODAY + timedelta(days=90)})
    adj = adjust(output, soon, TODAY)
    assert "同在江门市" in adj.notes_zh and "same city (江门市)" in adj.notes_en
    assert "成熟度“产业化”满足需求的时间要求" in adj.notes_zh
    assert "field" not in adj.components and adj.components["maturity"] == 1.0
    early = output.model_copy(update={"maturity": "实验室"})
    assert adjust(early, soon, TODAY).components["maturity"] == 0.0
    # a far deadline asks for no particular maturity
    assert "maturity" not in adjust(early, soon.model_copy(update={"deadline": TODAY + timedelta(days=800)}),
                                    TODAY).components


def test_nothing_shared_adds_nothing():
    other = _item(ItemKind.output, field="生物医药", region="江西省赣州市章贡区", cooperation_modes=["技术服务"])
    adj = adjust(NEED, other, TODAY)
    assert adj.bonus == 0.0 and adj.notes_zh == [] and adj.components == {}
    assert adjust(_item(ItemKind.need), OUTPUT, TODAY).notes_en == []  # a query without facts
