"""The counties (区/市) of Jiangmen and their towns and sub-districts (镇/街道): where dispatches go and how the
plan's coverage (向县镇村倾斜) is counted."""

COUNTIES: dict[str, tuple[str, ...]] = {
    "蓬江区": ("白沙街道", "环市街道", "潮连街道", "荷塘镇", "杜阮镇", "棠下镇"),
    "江海区": ("江南街道", "外海街道", "礼乐街道"),
    "新会区": ("会城街道", "大泽镇", "司前镇", "罗坑镇", "双水镇", "崖门镇", "沙堆镇", "古井镇", "三江镇", "睦洲镇",
            "大鳌镇"),
    "台山市": ("台城街道", "大江镇", "水步镇", "四九镇", "白沙镇", "三合镇", "冲蒌镇", "斗山镇", "都斛镇", "赤溪镇",
            "端芬镇", "广海镇", "海宴镇", "汶村镇", "深井镇", "北陡镇", "川岛镇"),
    "开平市": ("长沙街道", "三埠街道", "月山镇", "水口镇", "沙塘镇", "苍城镇", "龙胜镇", "大沙镇", "马冈镇", "塘口镇",
            "赤坎镇", "百合镇", "蚬冈镇", "金鸡镇", "赤水镇"),
    "鹤山市": ("沙坪街道", "龙口镇", "雅瑶镇", "古劳镇", "桃源镇", "鹤城镇", "共和镇", "址山镇", "宅梧镇", "双合镇"),
    "恩平市": ("恩城街道", "横陂镇", "圣堂镇", "良西镇", "沙湖镇", "牛江镇", "君堂镇", "大田镇", "那吉镇", "大槐镇",
            "东成镇"),
}


def is_county(name: str | None) -> bool:
    """The name is one of the counties."""
    return name in COUNTIES


def is_town(county: str | None, town: str | None) -> bool:
    """The town lies in the county."""
    return county in COUNTIES and town in COUNTIES[county or ""]


def all_towns() -> list[tuple[str, str]]:
    """Every (county, town), in the list's order."""
    return [(county, town) for county, towns in COUNTIES.items() for town in towns]
