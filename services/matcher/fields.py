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
SHORT = "maturity_short"  # the key of a candidate whose maturity falls short of the need's horizon: a penalty
_SIGNED = {**BONUS, SHORT: -BONUS["maturity"]}


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


_NEED_AND_OUTPUT = {ItemKind.need, ItemKind.output}


@dataclass(frozen=True)
class QuerySide:
    """What the adjustments read of the query item, worked out once for all its candidates."""

    item: CatalogItem
    today: date
    region: tuple[str | None, str | None, str | None]
    step: int | None  # the query's maturity step, or for a need the step it asks for

    @classmethod
    def of(cls, item: CatalogItem, today: date | None = None) -> "QuerySide":
        """The query's facts as of `today` (a need's deadline sets its horizon)."""
        day = today or date.today()
        step = _required_maturity(item, day) if item.kind is ItemKind.need else _maturity_step(item.maturity)
        return cls(item=item, today=day, region=region_parts(item.region), step=step)


def shared_keys(side: QuerySide, cand: CatalogItem) -> tuple[str, ...]:
    """Which attributes a candidate shares with the query, in a fixed order (SHORT: its maturity falls short)."""
    query = side.item
    keys: list[str] = []
    if query.field and query.field == cand.field:
        keys.append("field")
    if query.industry_section and query.industry_section == cand.industry_section:
        keys.append("industry")
    if query.cluster and query.cluster == cand.cluster:
        keys.append("cluster")
    qp, qc, qk = side.region
    if qp or qc:
        cp, cc, ck = region_parts(cand.region)
        if qc and qc == cc and qk and qk == ck:
            keys.append("county")
        elif qc and qc == cc:
            keys.append("city")
        elif qp and qp == cp:
            keys.append("province")
    if {query.kind, cand.kind} == _NEED_AND_OUTPUT:  # does the output's maturity fit the need's horizon?
        if query.kind is ItemKind.need:
            required, have = side.step, _maturity_step(cand.maturity)
        else:
            required, have = _required_maturity(cand, side.today), side.step
        if required is not None and have is not None:
            keys.append("maturity" if have >= required else SHORT)
    if query.cooperation_modes and any(m in cand.cooperation_modes for m in query.cooperation_modes):
        keys.append("modes")
    return tuple(keys)


def bonus(keys: tuple[str, ...]) -> float:
    """The total bonus (or penalty) of a candidate's shared attributes."""
    return sum(_SIGNED[key] for key in keys)


# note templates per key, filled from the candidate (c), its region parts, the output of the pair and the shared modes
_NOTES = {
    "field": ("同属技术领域“{c.field}”", "same technology field ({c.field})"),
    "industry": ("同属行业“{c.industry_section}”", "same industry section ({c.industry_section})"),
    "cluster": ("同属产业集群“{c.cluster}”", "same industry cluster ({c.cluster})"),
    "county": ("同在{city}{county}", "same county ({city}{county})"),
    "city": ("同在{city}", "same city ({city})"),
    "province": ("同在{province}", "same province ({province})"),
    "maturity": ("成熟度“{output.maturity}”满足需求的时间要求", "maturity ({output.maturity}) fits the need's horizon"),
    SHORT: ("成熟度“{output.maturity}”可能不足", "maturity ({output.maturity}) may be too early for the need"),
    "modes": ("合作方式一致：{modes_zh}", "shared cooperation modes: {modes_en}"),
}


def describe(side: QuerySide, cand: CatalogItem, keys: tuple[str, ...]) -> Adjustment:
    """The adjustment of a candidate with its components and its notes in Chinese and English."""
    adj = Adjustment(bonus=bonus(keys))
    province, city, county = region_parts(cand.region)
    modes = [m for m in side.item.cooperation_modes if m in cand.cooperation_modes]
    values = {"c": cand, "province": province, "city": city, "county": county,
              "output": cand if cand.kind is ItemKind.output else side.item,
              "modes_zh": "、".join(modes), "modes_en": ", ".join(modes)}
    for key in keys:
        adj.components["maturity" if key == SHORT else key] = 0.0 if key == SHORT else 1.0
        zh, en = _NOTES[key]
        adj.notes_zh.append(zh.format(**values))
        adj.notes_en.append(en.format(**values))
    return adj


def adjust(query: CatalogItem, cand: CatalogItem, today: date | None = None) -> Adjustment:
    """Compare a query item with a candidate of the other (or same) kind on their structured fields."""
    if not has_facts(query):
        return Adjustment()
    side = QuerySide.of(query, today)
    return describe(side, cand, shared_keys(side, cand))


def has_facts(item: CatalogItem) -> bool:
    """Whether an item carries any structured field the adjustments compare."""
    return bool(item.field or item.industry_section or item.cluster or item.region or item.maturity
                or item.deadline or item.cooperation_modes)
