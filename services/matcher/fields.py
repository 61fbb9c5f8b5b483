"""Field-aware adjustments: shared field, industry, cluster, region, maturity and cooperation modes."""

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from shared.schemas import CatalogItem
from shared.vocab import MATURITY_ORDER, ItemKind, Maturity

_REGION = re.compile(
    r"^(?P<province>.+?(?:省|自治区|特别行政区))?(?P<city>.+?(?:市|自治州|地区|盟))?(?P<county>.+?(?:区|县|旗|市))?$")
_SEPARATORS = re.compile(r"[\s/,，>|·\-]+")
_MUNICIPALITIES = ("北京市", "上海市", "天津市", "重庆市")

# how much each shared attribute may add; the base score is scaled by (1 - MAX_BONUS) so the total stays in [0, 1]
BONUS = {"field": 0.05, "industry": 0.02, "cluster": 0.03, "county": 0.05, "city": 0.03, "province": 0.01,
         "maturity": 0.03, "modes": 0.02}
MAX_BONUS = BONUS["field"] + BONUS["industry"] + BONUS["cluster"] + BONUS["county"] + BONUS["maturity"] + BONUS["modes"]


@dataclass
class Adjustment:
    """Bonus from shared attributes, its parts, and the notes that explain it."""

    bonus: float = 0.0
    components: dict[str, float] = field(default_factory=dict)
    notes_zh: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def region_parts(region: str | None) -> tuple[str | None, str | None, str | None]:
    """Split a Chinese region such as `山东省济南市历城区` or `济南市/历城区` into (province, city, county)."""
    if not region:
        return None, None, None
    text = _SEPARATORS.sub("", region.strip())
    if text.startswith(_MUNICIPALITIES):  # 北京市海淀区: the municipality is the city
        return text[:3], text[:3], text[3:] or None
    m = _REGION.match(text)
    if not m:
        return None, text, None
    province, city, county = m.group("province"), m.group("city"), m.group("county")
    if city is None and county is not None and county.endswith("市"):
        city, county = county, None
    return province, city, county


def _maturity_step(value: str | None) -> int | None:
    """Position of a maturity label on the lab → industrialised scale."""
    if value is None or value not in Maturity._value2member_map_:
        return None
    return MATURITY_ORDER.index(Maturity(value))


def _required_maturity(need: CatalogItem, today: date) -> int | None:
    """Lowest maturity step that fits a need: its own stated level, else one implied by its deadline."""
    stated = _maturity_step(need.maturity)
    if stated is not None:
        return stated
    if need.deadline is None:
        return None
    days = (need.deadline - today).days
    if days <= 180:
        return MATURITY_ORDER.index(Maturity.sample)
    if days <= 365:
        return MATURITY_ORDER.index(Maturity.pilot)
    return None


def adjust(query: CatalogItem, cand: CatalogItem, today: date | None = None) -> Adjustment:
    """Compare a query item with a candidate of the other (or same) kind on their structured fields."""
    adj = Adjustment()
    if not has_facts(query):
        return adj

    def add(key: str, zh: str, en: str, weight: float | None = None) -> None:
        adj.bonus += BONUS[key] if weight is None else weight
        adj.components[key] = 1.0
        adj.notes_zh.append(zh)
        adj.notes_en.append(en)

    if query.field and query.field == cand.field:
        add("field", f"同属技术领域“{cand.field}”", f"same technology field ({cand.field})")
    if query.industry_section and query.industry_section == cand.industry_section:
        add("industry", f"同属行业“{cand.industry_section}”", f"same industry section ({cand.industry_section})")
    if query.cluster and query.cluster == cand.cluster:
        add("cluster", f"同属产业集群“{cand.cluster}”", f"same industry cluster ({cand.cluster})")

    qp, qc, qk = region_parts(query.region)
    cp, cc, ck = region_parts(cand.region)
    if qc and qc == cc and qk and qk == ck:
        add("county", f"同在{cc}{ck}", f"same county ({cc}{ck})")
    elif qc and qc == cc:
        add("city", f"同在{cc}", f"same city ({cc})")
    elif qp and qp == cp:
        add("province", f"同在{cp}", f"same province ({cp})")

    pair = _need_output(query, cand)
    if pair is not None:
        need, output = pair
        required = _required_maturity(need, today or date.today())
        have = _maturity_step(output.maturity)
        if required is not None and have is not None:
            if have >= required:
                add("maturity", f"成熟度“{output.maturity}”满足需求的时间要求",
                    f"maturity ({output.maturity}) fits the need's horizon")
            else:
                adj.bonus -= BONUS["maturity"]
                adj.components["maturity"] = 0.0
                adj.notes_zh.append(f"成熟度“{output.maturity}”可能不足")
                adj.notes_en.append(f"maturity ({output.maturity}) may be too early for the need")

    shared_modes = [m for m in query.cooperation_modes if m in cand.cooperation_modes]
    if shared_modes:
        add("modes", f"合作方式一致：{'、'.join(shared_modes)}", f"shared cooperation modes: {', '.join(shared_modes)}")
    return adj


def has_facts(item: CatalogItem) -> bool:
    """Whether an item carries any structured field the adjustments compare."""
    return bool(item.field or item.industry_section or item.cluster or item.region or item.maturity
                or item.deadline or item.cooperation_modes)


def _need_output(a: CatalogItem, b: CatalogItem) -> tuple[CatalogItem, CatalogItem] | None:
    if a.kind is ItemKind.need and b.kind is ItemKind.output:
        return a, b
    if a.kind is ItemKind.output and b.kind is ItemKind.need:
        return b, a
    return None
