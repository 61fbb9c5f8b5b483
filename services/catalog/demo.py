"""A small demo dataset written by the project itself, and one account per role."""

from sqlmodel import Session, func, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.schemas import UserCreate
from services.catalog.accounts.service import create_user
from services.catalog.accounts.vocab import OrgKind, Role
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.schemas import NeedCreate, OutputCreate
from services.catalog.items.service import create_item

DEMO_PASSWORD = "duijie-demo-2026"

ORGANISATIONS = [
    ("五邑大学", OrgKind.university, "蓬江区"),
    ("江门市新材料研究院", OrgKind.institute, "江海区"),
    ("江门市科技成果转化服务中心", OrgKind.broker_agency, "蓬江区"),
    ("江门市科学技术局", OrgKind.government, "蓬江区"),
    ("新会锂能电池有限公司", OrgKind.enterprise, "新会区"),
    ("台山海味食品有限公司", OrgKind.enterprise, "台山市"),
]

ACCOUNTS = [
    ("admin", Role.admin, "江门市科学技术局"),
    ("broker", Role.broker, "江门市科技成果转化服务中心"),
    ("wyu", Role.university, "五邑大学"),
    ("battery", Role.enterprise, "新会锂能电池有限公司"),
    ("food", Role.enterprise, "台山海味食品有限公司"),
]

OUTPUTS_DATA = [
    ("五邑大学", "废旧锂离子电池正极材料湿法回收技术",
     "采用选择性浸出与共沉淀工艺，从废旧三元锂电池正极中回收镍、钴、锰，回收率超过98%，可直接再生为前驱体。",
     ["锂电池", "回收", "湿法冶金", "正极材料"], "新能源电池", "中试", "发明专利", ["技术转让", "技术许可"]),
    ("五邑大学", "基于机器视觉的电池极片表面缺陷在线检测系统",
     "利用深度学习检测极片划痕、漏箔、气泡等缺陷，检测速度每分钟60米，准确率99%以上。",
     ["机器视觉", "缺陷检测", "深度学习", "极片"], "新一代电子信息", "已有样品", "软件著作权", ["合作开发", "技术服务"]),
    ("五邑大学", "高镍三元正极材料表面包覆改性技术",
     "通过原子层沉积氧化铝包覆，提高高镍正极的循环稳定性和热稳定性，500次循环容量保持率92%。",
     ["高镍", "正极材料", "包覆", "循环寿命"], "新能源电池", "小试", "发明专利", ["合作开发", "技术许可"]),
    ("江门市新材料研究院", "可降解聚乳酸食品包装膜制备技术",
     "以聚乳酸为基体，添加纳米纤维素增强，阻隔性能提升40%，适用于水产品、干货的保鲜包装。",
     ["聚乳酸", "可降解", "包装膜", "食品保鲜"], "新材料", "小批量生产", "发明专利", ["技术转让", "作价入股"]),
    ("江门市新材料研究院", "水产品低温等离子体杀菌保鲜技术",
     "低温等离子体处理虾仁、鱼片等水产品，杀菌率达99.9%，保鲜期延长一倍，不影响口感。",
     ["等离子体", "杀菌", "水产品", "保鲜"], "现代农业与食品", "中试", "实用新型", ["技术许可", "技术服务"]),
    ("五邑大学", "工业机器人焊接路径自动规划软件",
     "基于三维点云自动识别焊缝并生成焊接路径，免示教编程，适用于小批量多品种的钢结构焊接。",
     ["机器人", "焊接", "路径规划", "点云"], "高端装备", "已有样品", "软件著作权", ["技术许可", "合作开发"]),
    ("江门市新材料研究院", "Laser cladding of wear-resistant coatings for hydraulic parts",
     "A high-speed laser cladding process deposits iron-based alloy coatings on hydraulic cylinder rods, "
     "replacing hard chrome plating with three times the wear resistance.",
     ["laser cladding", "coating", "wear resistance"], "激光与增材制造", "中试", "发明专利", ["技术转让", "合作开发"]),
]

NEEDS_DATA = [
    ("新会锂能电池有限公司", "退役动力电池中镍钴锰的高效回收", "我司每年产生约500吨废旧三元电池及极片边角料，"
     "希望引进高回收率、低污染的湿法回收工艺，实现镍钴锰的再利用。", ["电池回收", "镍钴锰", "湿法"], "新能源电池",
     "新会区", "public", ["技术转让", "合作开发"]),
    ("新会锂能电池有限公司", "极片涂布缺陷自动检测", "涂布线目前依靠人工目检，漏检率高，需要一套在线视觉检测系统，"
     "识别划痕、漏箔和颗粒。", ["视觉检测", "涂布", "极片"], "新一代电子信息", "新会区", "brokers_only",
     ["技术服务", "委托开发"]),
    ("台山海味食品有限公司", "即食海鲜产品延长保质期", "我司生产即食虾仁和鱼片，希望在不添加防腐剂的前提下把冷藏保质期"
     "从7天延长到15天以上。", ["保鲜", "杀菌", "海鲜"], "现代农业与食品", "台山市", "public", ["技术许可", "技术服务"]),
    ("台山海味食品有限公司", "环保可降解的海产品包装", "现用塑料包装不可降解，寻求可降解、阻隔性好的包装材料替代方案。",
     ["可降解", "包装", "阻隔"], "新材料", "台山市", "public", ["技术转让"]),
]


def seed_demo(session: Session) -> bool:
    """Write the demo organisations, accounts, outputs and needs into an empty catalog; False if not empty."""
    if session.exec(select(func.count()).select_from(User)).one() > 0:
        return False
    orgs: dict[str, Organisation] = {}
    for name, kind, region in ORGANISATIONS:
        orgs[name] = Organisation(name=name, kind=kind, region=region)
        session.add(orgs[name])
    session.flush()
    users: dict[str, User] = {}
    for login, role, org_name in ACCOUNTS:
        org_id = orgs[org_name].id if org_name else None
        users[login] = create_user(session, UserCreate(login=login, password=DEMO_PASSWORD, role=role,
                                                      organisation_id=org_id, display_name=login))
    for org_name, title, summary, keywords, cluster, maturity, ip_form, modes in OUTPUTS_DATA:
        data = OutputCreate(title=title, summary=summary, keywords=keywords, cluster=cluster, maturity=maturity,
                            ip_form=ip_form, cooperation_modes=modes, organisation_id=orgs[org_name].id,
                            industry_section="制造业")
        create_item(session, OUTPUTS, user=users["admin"], data=data)
    for org_name, title, description, keywords, cluster, region, conf, modes in NEEDS_DATA:
        need = NeedCreate(title=title, description=description, keywords=keywords, cluster=cluster, region=region,
                          confidentiality=conf, cooperation_modes=modes, organisation_id=orgs[org_name].id,
                          industry_section="制造业")
        create_item(session, NEEDS, user=users["admin"], data=need)
    session.commit()
    return True
