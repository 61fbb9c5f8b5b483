"""The 知贝 importer on a small sample of the real listings, and the `duijie import` command."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from duijie.cli import app
from services.catalog.imports.service import operator
from services.catalog.imports.zhibei import (
    NEED_ORG,
    OUTPUT_ORG,
    cluster_of,
    cooperation_modes,
    deadline,
    import_zhibei,
    industry_section,
    listing_key,
    patent_numbers,
    price_yuan,
)
from services.catalog.items.models import ChangeLog, ResearchOutput, TechNeed
from tests.catalog.fixtures_import import snapshot
from tests.conftest import SHARED_DIR, Catalog

ZHIBEI = SHARED_DIR / "data" / "zhibei"


def test_free_text_values_map_onto_our_vocabularies() -> None:
    assert industry_section("制造业——计算机、通信和其他电子设备制造") == "制造业"
    assert industry_section("电力、热力、燃气、及水生产和供应业——电力、热力生产和供应业") == "电力、热力、燃气及水生产和供应业"
    assert industry_section("制造业电力、热力、燃气、及水生产和供应业建筑业") == "制造业"
    assert industry_section("公共管理、社会保障和社会服务") == "公共管理、社会保障和社会组织"
    assert industry_section("") is None and industry_section("火星采矿") is None
    assert cluster_of("新能源-电池") == "新能源电池" and cluster_of("电子信息-人工智能") == "新一代电子信息"
    assert cluster_of("资源环保-水污染防治") is None
    assert cooperation_modes("完全转让许可转让技术入股合作生产") == ["技术转让", "技术许可", "作价入股", "合作开发"]
    assert cooperation_modes("技术入股,技术转让,其他") == ["作价入股", "技术转让", "其他"]
    assert cooperation_modes("") == []
    assert price_yuan("面议") is None and price_yuan("100.0万元-200.0万元") == Decimal(1_000_000)
    assert deadline("2020-01-1310:49:39.0至2021-01-1310:49:41.0") == date(2021, 1, 13) and deadline("至") is None
    assert patent_numbers("根据专利技术（ZL201720001285.X）和 ZL 2015 1") == ["ZL201720001285.X"]
    assert listing_key(" 锂电池 ", "正极\u3000材料") == listing_key("锂电池", "正极 材料")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A small 知贝 folder: 12 achievements (one listed twice) and needs with a repeated listing."""
    if not ZHIBEI.is_dir():
        pytest.skip(f"知贝 data not found at {ZHIBEI}")
    achievements = json.loads((ZHIBEI / "achievements_part_1.json").read_text(encoding="utf-8"))[:11]
    achievements.append({**achievements[0], "postTime": "2020-04-01"})
    needs = json.loads((ZHIBEI / "requirements_part_1.json").read_text(encoding="utf-8"))[:8]
    needs.append({**needs[2], "postTime": "2099-01-01", "time": "2099-01-0100:00:00.0至2099-12-3100:00:00.0"})
    needs.append({**needs[3], "postTime": "2000-01-01", "time": "2000-01-0100:00:00.0至2000-12-3100:00:00.0"})
    folder = tmp_path / "zhibei"
    folder.mkdir()
    (folder / "achievements_part_1.json").write_text(json.dumps(achievements, ensure_ascii=False), encoding="utf-8")
    (folder / "requirements_part_1.json").write_text(json.dumps(needs, ensure_ascii=False), encoding="utf-8")
    return folder


def test_zhibei_sample_imports_once_and_repeats_change_nothing(catalog: Catalog, sample: Path) -> None:
    with Session(catalog.engine) as session:
        result = import_zhibei(session, sample, user=operator())
    assert result.outputs.created == 12 and result.needs.created == 8
    with Session(catalog.engine) as session:
        needs = session.exec(select(TechNeed)).all()
        assert {n.deadline for n in needs if n.deadline and n.deadline.year == 2099} == {date(2099, 12, 31)}
        assert not [n for n in needs if n.deadline == date(2000, 12, 31)]
        first = session.exec(select(ResearchOutput).where(ResearchOutput.title == "久坐卫士")).all()
    assert len(first) == 2 and {o.maturity for o in first} == {"已有样品"}
    assert first[0].field == "电子信息-计算机软件" and first[0].industry_section == "制造业"
    assert first[0].patent_numbers == ["ZL201720001285.X"] and first[0].ip_form == "非专利技术"
    before = snapshot(catalog)
    with Session(catalog.engine) as session:
        again = import_zhibei(session, sample, user=operator())
    assert (again.outputs.unchanged, again.needs.unchanged, again.outputs.created, again.needs.created) == (12, 8, 0, 0)
    assert snapshot(catalog) == before
    names = {o["organisation_name"] for o in catalog.client.get("/api/v1/outputs").json()["data"]}
    assert names == {OUTPUT_ORG}
    assert {n["organisation_name"] for n in catalog.client.get("/api/v1/needs").json()["data"]} == {NEED_ORG}


def test_duijie_import_command_loads_a_file_and_the_zhibei_folder(catalog: Catalog, sample: Path, tmp_path: Path) -> None:
    url = str(catalog.engine.url.render_as_string(hide_password=False))
    sheet = tmp_path / "needs.csv"
    sheet.write_text("需求名称,需求描述,外部编号\n极片缺陷检测,在线视觉,N-1\n电池回收工艺,湿法,N-2\n", encoding="utf-8")
    runner = CliRunner()
    args = ["import", str(sheet), "--kind", "needs", "--organisation", "甲公司", "--database-url", url]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "新建 2" in result.output
    assert "未变 2" in runner.invoke(app, args).output
    bad = tmp_path / "bad.csv"
    bad.write_text("需求名称,预算上限(元)\n极片缺陷检测,很多\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(bad), "--kind", "needs", "--organisation", "甲公司", "--database-url", url])
    assert result.exit_code == 1 and "第 2 行" in result.output
    result = runner.invoke(app, ["import", str(sample), "--kind", "zhibei", "--database-url", url])
    assert result.exit_code == 0, result.output
    with Session(catalog.engine) as session:
        assert session.exec(select(func.count()).select_from(ResearchOutput)).one() == 12
        assert session.exec(select(func.count()).select_from(TechNeed)).one() == 10
        assert session.exec(select(func.count()).select_from(ChangeLog)).one() == 22
