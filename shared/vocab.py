"""Controlled vocabularies shared by the catalog and the matcher (values are stored as the Chinese label)."""

from enum import StrEnum


class ItemKind(StrEnum):
    """What the matcher indexes: the two sides of a match, and the experts who can serve a need."""

    output = "output"
    need = "need"
    expert = "expert"


class Maturity(StrEnum):
    """Technology readiness of a research output, from lab to industrialised."""

    lab = "实验室"
    small_trial = "小试"
    pilot = "中试"
    sample = "已有样品"
    small_batch = "小批量生产"
    industrialised = "产业化"


MATURITY_ORDER: list[Maturity] = list(Maturity)


class CooperationMode(StrEnum):
    """How an output owner and an enterprise may work together."""

    transfer = "技术转让"
    licence = "技术许可"
    joint_development = "合作开发"
    commissioned_development = "委托开发"
    equity = "作价入股"
    service = "技术服务"
    other = "其他"


class IpForm(StrEnum):
    """Form of intellectual property behind an output."""

    invention_patent = "发明专利"
    utility_model = "实用新型"
    design_patent = "外观设计"
    software_copyright = "软件著作权"
    ic_layout = "集成电路布图设计"
    new_plant_variety = "植物新品种"
    non_patent = "非专利技术"
    other = "其他"


class Cluster(StrEnum):
    """Strategic industry clusters named in the cities' plans."""

    battery = "新能源电池"
    equipment = "高端装备"
    biomedicine = "生物医药"
    materials = "新材料"
    electronics = "新一代电子信息"
    silicon = "硅能源"
    laser = "激光与增材制造"
    health = "大健康"
    safety = "安全应急"
    agrifood = "现代农业与食品"
    other = "其他"


class IndustrySection(StrEnum):
    """National-economy industry sections (GB/T 4754-2017, letters A–T)."""

    A = "农、林、牧、渔业"
    B = "采矿业"
    C = "制造业"
    D = "电力、热力、燃气及水生产和供应业"
    E = "建筑业"
    F = "批发和零售业"
    G = "交通运输、仓储和邮政业"
    H = "住宿和餐饮业"
    I = "信息传输、软件和信息技术服务业"  # noqa: E741
    J = "金融业"
    K = "房地产业"
    L = "租赁和商务服务业"
    M = "科学研究和技术服务业"
    N = "水利、环境和公共设施管理业"
    O = "居民服务、修理和其他服务业"  # noqa: E741
    P = "教育"
    Q = "卫生和社会工作"
    R = "文化、体育和娱乐业"
    S = "公共管理、社会保障和社会组织"
    T = "国际组织"


class OutputStatus(StrEnum):
    """Publication state of a research output."""

    draft = "draft"
    published = "published"
    archived = "archived"


class NeedStatus(StrEnum):
    """Lifecycle of a technology need."""

    open = "open"
    in_progress = "in_progress"
    solved = "solved"
    closed = "closed"


class Confidentiality(StrEnum):
    """Who may see a need: everyone, or technology brokers only."""

    public = "public"
    brokers_only = "brokers_only"


class Language(StrEnum):
    """Language of an item's text (detected)."""

    zh = "zh"
    en = "en"


class ChangeOp(StrEnum):
    """What happened to an item in the change feed."""

    create = "create"
    update = "update"
    delete = "delete"
