"""The portal's language (Chinese first, English on request) and the labels of the shared vocabularies."""

from enum import StrEnum

from fastapi import Request

from services.catalog.workflow.vocab import REASON_EN
from shared.vocab import Cluster, Confidentiality, CooperationMode, IpForm, Maturity, NeedStatus, OutputStatus

LANG_COOKIE = "lang"
LANGUAGES = ("zh", "en")

_STATUS_EN = {
    "draft": "Draft", "published": "Published", "archived": "Archived", "open": "Open",
    "in_progress": "In progress", "solved": "Solved", "closed": "Closed", "public": "Public",
    "brokers_only": "Brokers only", "pending": "Pending", "accepted": "Accepted", "declined": "Declined",
}
_STATUS_ZH = {
    "draft": "草稿", "published": "已发布", "archived": "已归档", "open": "征集中", "in_progress": "对接中",
    "solved": "已解决", "closed": "已关闭", "public": "公开", "brokers_only": "仅技术经纪人可见",
    "enterprise": "企业", "university": "高校/院所", "broker": "技术经纪人", "admin": "科技局", "expert": "评审专家",
    "pending": "待答复", "accepted": "已接受", "declined": "已谢绝",
}
# Score components of the matcher's ranking.
_COMPONENT = {"score": ("综合得分", "Overall"), "dense": ("语义相似度", "Semantic similarity"),
              "dense2": ("语义相似度（第二模型）", "Semantic (second model)"),
              "lexical": ("关键词匹配", "Keyword overlap"), "field": ("技术领域相同", "Same field"),
              "industry": ("行业相同", "Same industry"), "cluster": ("产业集群相同", "Same cluster"),
              "county": ("同一区县", "Same county"), "city": ("同一城市", "Same city"),
              "province": ("同一省份", "Same province"), "maturity": ("成熟度合适", "Maturity fits"),
              "modes": ("合作方式一致", "Cooperation modes agree")}
_STATUS_ZH.update({k: zh for k, (zh, _) in _COMPONENT.items()})
_STATUS_EN.update({k: en for k, (_, en) in _COMPONENT.items()})
_ROLE_EN = {"enterprise": "Enterprise", "university": "University / lab", "broker": "Technology broker",
            "admin": "Science bureau", "expert": "Review expert"}


def _english_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    enums: tuple[type[StrEnum], ...] = (Cluster, CooperationMode, IpForm, Maturity)
    for enum in enums:
        for member in enum:
            labels[member.value] = member.name.replace("_", " ").capitalize()
    labels.update({"新能源电池": "New-energy batteries", "高端装备": "High-end equipment", "新材料": "New materials",
                   "新一代电子信息": "Electronics & IT", "硅能源": "Silicon energy", "激光与增材制造": "Laser & additive",
                   "大健康": "Health", "安全应急": "Safety & emergency", "现代农业与食品": "Agri-food",
                   "生物医药": "Biomedicine", "实验室": "Lab", "已有样品": "Prototype", "小批量生产": "Small batch",
                   "产业化": "Industrialised", "技术转让": "Transfer", "技术许可": "Licence",
                   "合作开发": "Joint development", "委托开发": "Commissioned development", "作价入股": "Equity",
                   "技术服务": "Service", "其他": "Other", "面议": "Negotiable"})
    return labels


_VALUE_EN = _english_labels()
_VALUE_EN.update({"成熟度不足": "Too early stage", "效益不明确": "Benefit unclear", "价格": "Price",
                  "知识产权不可用": "IP not available", "已解决": "Already solved", "描述不清": "Description unclear",
                  "技术开发": "Development", "技术咨询": "Consulting"})
_VALUE_EN.update({code: en[:1].upper() + en[1:] for code, en in REASON_EN.items()})
# Status-like values are stored in English; Chinese labels for them come from _STATUS_ZH.
_ = (Confidentiality, NeedStatus, OutputStatus)


def shown_components(components: dict[str, float]) -> dict[str, float]:
    """The score components a reader can interpret: the named ones in [0, 1] (raw, unscaled ones are left out)."""
    return {k: v for k, v in components.items() if k in _COMPONENT and 0.0 <= v <= 1.0}


def page_language(request: Request) -> str:
    """'en' when ?lang=en or the lang cookie asks for English, else 'zh' (Chinese first)."""
    lang = (request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh").lower()
    return "en" if lang.startswith("en") else "zh"


def pick(lang: str, zh: str, en: str) -> str:
    """The Chinese or English text of a pair."""
    return en if lang == "en" else zh


def value_label(lang: str, value: str | None) -> str:
    """A stored vocabulary value (Chinese label or status code) as shown to the reader."""
    if value is None:
        return "—"
    if lang == "en":
        return _VALUE_EN.get(value) or _STATUS_EN.get(value) or _ROLE_EN.get(value) or value
    return _STATUS_ZH.get(value, value)
