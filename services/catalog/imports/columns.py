"""The spreadsheet columns of each kind: Chinese headers, accepted aliases, and value spellings."""

import re
from dataclasses import dataclass
from enum import StrEnum

from shared.vocab import (
    Cluster,
    Confidentiality,
    CooperationMode,
    IndustrySection,
    IpForm,
    ItemKind,
    Maturity,
    NeedStatus,
    OutputStatus,
)

ORGANISATION = "organisation"
LIST_FIELDS = frozenset({"keywords", "patent_numbers", "cooperation_modes"})
MONEY_FIELDS = frozenset({"price_yuan", "budget_min_yuan", "budget_max_yuan"})
DATE_FIELDS = frozenset({"deadline"})
NEGOTIABLE = frozenset({"面议", "议价", "negotiable"})
LIST_SPLIT = re.compile(r"[、,，;；\n]+")


@dataclass(frozen=True)
class Column:
    """One column of an import file: the field it fills, its Chinese header and other accepted headers."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    note: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()


def _labels(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum)


OUTPUT_STATUS_ZH = {OutputStatus.draft: "草稿", OutputStatus.published: "已发布", OutputStatus.archived: "已归档"}
NEED_STATUS_ZH = {NeedStatus.open: "征集中", NeedStatus.in_progress: "对接中", NeedStatus.solved: "已解决",
                  NeedStatus.closed: "已关闭"}
CONFIDENTIALITY_ZH = {Confidentiality.public: "公开", Confidentiality.brokers_only: "仅经纪人"}

_COMMON_HEAD = (
    Column("keywords", "关键词", ("关键字",), "多个关键词用顿号、逗号或分号分隔"),
    Column("field", "技术领域", ("领域",), "例如：电子信息-人工智能"),
    Column("industry_section", "行业门类", ("行业", "国民经济行业"), "国民经济行业门类（GB/T 4754）",
           choices=_labels(IndustrySection)),
    Column("cluster", "产业集群", ("集群",), "", choices=_labels(Cluster)),
)
_COMMON_TAIL = (
    Column("contact", "联系方式", ("联系人", "联系电话")),
    Column("external_id", "外部编号", ("编号(外部)", "原编号"), "您系统中的编号；再次上传同一编号会更新而不是重复创建"),
    Column(ORGANISATION, "单位", ("所属单位", "单位名称", "organisation_id", "organization", "organization_id"),
           "仅管理员需要填写：单位名称或编号"),
)

OUTPUT_COLUMNS = (
    Column("title", "标题", ("成果名称", "名称", "项目名称"), "2–300 字", required=True),
    Column("summary", "摘要", ("简介", "成果简介", "成果摘要", "描述"), "成果简介，最多 20000 字"),
    *_COMMON_HEAD,
    Column("maturity", "成熟度", ("技术成熟度",), "", choices=_labels(Maturity)),
    Column("ip_form", "知识产权形式", ("知识产权", "专利类型"), "", choices=_labels(IpForm)),
    Column("patent_numbers", "专利号", ("专利号码",), "多个专利号用顿号、逗号或分号分隔"),
    Column("cooperation_modes", "合作方式", (), "可多选，用顿号分隔", choices=_labels(CooperationMode)),
    Column("price_yuan", "价格(元)", ("价格", "报价"), "填写金额（元）或“面议”；可写“50万”"),
    Column("status", "状态", (), "默认：已发布", choices=tuple(OUTPUT_STATUS_ZH.values())),
    *_COMMON_TAIL,
)

NEED_COLUMNS = (
    Column("title", "需求名称", ("标题", "名称", "需求标题"), "2–300 字", required=True),
    Column("description", "需求描述", ("描述", "需求内容", "简介", "摘要"), "最多 20000 字"),
    *_COMMON_HEAD,
    Column("region", "所在区域", ("区域", "地区", "所在地区"), "例如：新会区"),
    Column("budget_min_yuan", "预算下限(元)", ("预算下限", "最低预算"), "金额（元）或“面议”"),
    Column("budget_max_yuan", "预算上限(元)", ("预算上限", "最高预算", "预算", "预算(元)"), "金额（元）或“面议”"),
    Column("deadline", "截止日期", ("截止时间", "有效期至"), "格式 2026-12-31"),
    Column("cooperation_modes", "合作方式", (), "可多选，用顿号分隔", choices=_labels(CooperationMode)),
    Column("confidentiality", "保密级别", ("公开范围", "可见范围"), "公开：所有人可见；仅经纪人：只有技术经纪人可见",
           choices=tuple(CONFIDENTIALITY_ZH.values())),
    Column("status", "状态", (), "默认：征集中", choices=tuple(NEED_STATUS_ZH.values())),
    *_COMMON_TAIL,
)

COLUMNS: dict[ItemKind, tuple[Column, ...]] = {ItemKind.output: OUTPUT_COLUMNS, ItemKind.need: NEED_COLUMNS}


def normalise_header(text: str) -> str:
    """A header compared loosely: no spaces or required-marks, half-width brackets, lower case."""
    text = text.replace("（", "(").replace("）", ")").replace("*", "").replace("＊", "")
    return re.sub(r"\s+", "", text).lower()


def header_index(kind: ItemKind) -> dict[str, Column]:
    """Every accepted header spelling (normalised) of a kind, mapped to its column."""
    return index_of(COLUMNS[kind])


def index_of(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Every accepted header spelling (normalised) of these columns, mapped to its column."""
    index: dict[str, Column] = {}
    for column in columns:
        for spelling in (column.header, column.field, *column.aliases):
            index.setdefault(normalise_header(spelling), column)
    return index


def _value_aliases(kind: ItemKind) -> dict[str, dict[str, str]]:
    if kind is ItemKind.output:
        status = {zh: str(v) for v, zh in OUTPUT_STATUS_ZH.items()} | {"发布": "published", "归档": "archived"}
    else:
        status = {zh: str(v) for v, zh in NEED_STATUS_ZH.items()} | {"开放": "open", "进行中": "in_progress",
                                                                     "关闭": "closed"}
    aliases: dict[str, dict[str, str]] = {
        "status": status,
        "confidentiality": {zh: str(v) for v, zh in CONFIDENTIALITY_ZH.items()} | {"仅经纪人可见": "brokers_only",
                                                                               "保密": "brokers_only"},
        "maturity": {m.name: m.value for m in Maturity} | {"通过小试": "小试", "通过中试": "中试", "样品": "已有样品",
                                                          "研发": "实验室", "正在研发": "实验室"},
        "ip_form": {m.name: m.value for m in IpForm} | {"实用新型专利": "实用新型", "外观设计专利": "外观设计",
                                                        "外观专利": "外观设计", "软件著作权登记": "软件著作权"},
        "cooperation_modes": {m.name: m.value for m in CooperationMode} | {"转让": "技术转让", "许可": "技术许可",
                                                                          "技术入股": "作价入股"},
        "cluster": {m.name: m.value for m in Cluster},
        "industry_section": {m.name: m.value for m in IndustrySection},
    }
    return aliases


VALUE_ALIASES: dict[ItemKind, dict[str, dict[str, str]]] = {k: _value_aliases(k) for k in (ItemKind.output, ItemKind.need)}
_SECTION_PREFIX = re.compile(r"^([A-Ta-t])[\s.、:：-]*(?=[\u3400-\u9fff])")


def canonical_value(kind: ItemKind, field: str, value: str) -> str:
    """The stored spelling of an enum value written as a Chinese label, an English name or a section letter."""
    if field == "industry_section":
        value = _SECTION_PREFIX.sub("", value)
    return VALUE_ALIASES[kind].get(field, {}).get(value, value)


def display_value(field: str, value: str) -> str:
    """The Chinese label shown in an exported spreadsheet for a stored enum value."""
    labels: dict[str, str] = {}
    if field == "status":
        labels = {str(k): v for k, v in [*OUTPUT_STATUS_ZH.items(), *NEED_STATUS_ZH.items()]}
    elif field == "confidentiality":
        labels = {str(k): v for k, v in CONFIDENTIALITY_ZH.items()}
    return labels.get(value, value)
