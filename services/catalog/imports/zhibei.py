"""Importer for the 知贝 (Zhibei) listings: real outputs and needs mapped onto our vocabularies, idempotently."""

import difflib
import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import OrgKind
from services.catalog.imports.upsert import CHUNK, WriteCounts, write_rows
from services.catalog.imports.validation import ValidRow
from services.catalog.items.kinds import NEEDS, OUTPUTS
from services.catalog.items.schemas import NeedCreate, OutputCreate
from shared.vocab import Cluster, CooperationMode, IndustrySection, IpForm, Maturity

OUTPUT_ORG = "知贝平台导入（高校院所）"
NEED_ORG = "知贝平台导入（企业）"
OUTPUT_FILES = "achievements_part_*.json"
NEED_FILES = "requirements_part_*.json"

MATURITY = {"正在研发": Maturity.lab, "通过小试": Maturity.small_trial, "通过中试": Maturity.pilot,
            "已有样品": Maturity.sample, "可以量产": Maturity.small_batch, "已经量产": Maturity.industrialised}
IP_FORM = {"发明专利": IpForm.invention_patent, "实用新型专利": IpForm.utility_model, "实用新型": IpForm.utility_model,
           "外观专利": IpForm.design_patent, "外观设计专利": IpForm.design_patent, "非专利技术": IpForm.non_patent,
           "软件著作权": IpForm.software_copyright}
# Source spellings found inside the run-together cooperationMethod strings, mapped to our modes.
MODES = {"完全转让": CooperationMode.transfer, "技术转让": CooperationMode.transfer, "许可转让": CooperationMode.licence,
         "技术许可": CooperationMode.licence, "技术入股": CooperationMode.equity, "合作生产": CooperationMode.joint_development,
         "合作开发": CooperationMode.joint_development, "委托开发": CooperationMode.commissioned_development,
         "技术服务": CooperationMode.service, "其他": CooperationMode.other}
CLUSTER_BY_TOP = {"电子信息": Cluster.electronics, "装备制造": Cluster.equipment, "新材料": Cluster.materials,
                  "现代农业": Cluster.agrifood, "生物医药": Cluster.biomedicine}
CLUSTER_BY_SUB = {"电池": Cluster.battery, "太阳能": Cluster.silicon, "激光加工": Cluster.laser, "食品": Cluster.agrifood,
                  "消防": Cluster.safety, "医疗器械": Cluster.biomedicine, "生物医药研发测试": Cluster.biomedicine}
_PATENT = re.compile(r"ZL\s*(\d{8,13})\s*[.．]?\s*([0-9Xx])")
_WAN = re.compile(r"(\d+(?:\.\d+)?)\s*万元")
_SPACE = re.compile(r"\s+")


def _key(text: str) -> str:
    return re.sub(r"[、，,\s]", "", unicodedata.normalize("NFKC", text))


_SECTIONS = {_key(s.value): s for s in IndustrySection}


def normalise_text(text: str) -> str:
    """Text compared for identity: NFKC, whitespace collapsed, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


def listing_key(name: str, context: str) -> str:
    """A stable id for a listing that carries none: hash of its normalised name and text."""
    digest = hashlib.sha1(f"{normalise_text(name)}\n{normalise_text(context)}".encode()).hexdigest()
    return digest[:20]


def industry_section(classification: str) -> IndustrySection | None:
    """The GB/T 4754 section of '制造业——…', of run-together sections (the first), or of a near spelling."""
    head = _key((classification or "").split("——")[0])
    if not head:
        return None
    if head in _SECTIONS:
        return _SECTIONS[head]
    starts = [k for k in _SECTIONS if head.startswith(k)]
    if starts:
        return _SECTIONS[max(starts, key=len)]
    close = difflib.get_close_matches(head, list(_SECTIONS), n=1, cutoff=0.75)
    return _SECTIONS[close[0]] if close else None


def cluster_of(industry: str) -> Cluster | None:
    """The strategic cluster of a '大类-小类' industry label, where one fits."""
    top, _, sub = (industry or "").partition("-")
    return CLUSTER_BY_SUB.get(sub) or CLUSTER_BY_TOP.get(top)


def cooperation_modes(text: str) -> list[CooperationMode]:
    """Our modes named in a cooperationMethod string, in order of appearance, without repeats."""
    found: list[tuple[int, CooperationMode]] = []
    for spelling, mode in MODES.items():
        at = (text or "").find(spelling)
        if at >= 0:
            found.append((at, mode))
    modes: list[CooperationMode] = []
    for _, mode in sorted(found, key=lambda f: f[0]):
        if mode not in modes:
            modes.append(mode)
    return modes


def price_yuan(text: str) -> Decimal | None:
    """'面议' → None; '100.0万元-200.0万元' → the lower bound in 元."""
    m = _WAN.search(text or "")
    return (Decimal(m[1]) * 10_000).quantize(Decimal(1)) if m else None


def patent_numbers(text: str) -> list[str]:
    """Chinese patent numbers (ZL…) mentioned in a text."""
    numbers: list[str] = []
    for digits, check in _PATENT.findall(text or ""):
        number = f"ZL{digits}.{check.upper()}"
        if number not in numbers:
            numbers.append(number)
    return numbers[:20]


def deadline(time_range: str) -> date | None:
    """The end date of '2020-01-1310:49:39.0至2021-01-1310:49:41.0'."""
    end = (time_range or "").partition("至")[2].strip()
    try:
        return date.fromisoformat(end[:10])
    except ValueError:
        return None


def output_from(record: dict[str, Any], external_id: str) -> OutputCreate:
    """An output from one achievement listing."""
    industry = str(record.get("industry") or "").strip()
    sub = industry.partition("-")[2]
    summary = str(record.get("context") or "").strip()
    if str(record.get("scope") or "").strip():
        summary = f"{summary}\n应用范围：{str(record['scope']).strip()}"
    return OutputCreate(
        title=str(record.get("name") or "").strip()[:300], summary=summary[:20000],
        keywords=[sub] if sub and sub != "其他" and len(sub) <= 50 else [],
        field=industry[:100] or None, industry_section=industry_section(str(record.get("classification") or "")),
        cluster=cluster_of(industry), maturity=MATURITY.get(str(record.get("maturity") or "").strip()),
        ip_form=IP_FORM.get(str(record.get("zlxx") or "").strip()),
        patent_numbers=patent_numbers(f"{record.get('zlxx') or ''} {record.get('context') or ''}"),
        cooperation_modes=cooperation_modes(str(record.get("cooperationMethod") or "")),
        price_yuan=price_yuan(str(record.get("price") or "")), external_id=external_id,
    )


def need_from(record: dict[str, Any], external_id: str) -> NeedCreate:
    """A need from one requirement listing."""
    return NeedCreate(
        title=str(record.get("name") or "").strip()[:300], description=str(record.get("context") or "").strip()[:20000],
        industry_section=industry_section(str(record.get("classification") or "")),
        cooperation_modes=cooperation_modes(str(record.get("cooperationMethod") or "")),
        deadline=deadline(str(record.get("time") or "")), external_id=external_id,
    )


@dataclass
class ZhibeiListings:
    """The listings read from the folder, mapped and keyed."""

    outputs: list[OutputCreate] = field(default_factory=list)
    needs: list[NeedCreate] = field(default_factory=list)
    output_listings: int = 0
    need_listings: int = 0
    skipped: list[str] = field(default_factory=list)


def _records(folder: Path, pattern: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob(pattern)):
        data = json.loads(path.read_text(encoding="utf-8"))
        records.extend(r for r in data if isinstance(r, dict))
    return records


def _mapped(build: Callable[[dict[str, Any], str], BaseModel], record: dict[str, Any], external_id: str,
            skipped: list[str]) -> Any:
    try:
        return build(record, external_id)
    except ValidationError as exc:
        skipped.append(f"{external_id}: {exc.errors()[0].get('msg')}")
        return None


def read_listings(folder: Path) -> ZhibeiListings:
    """Map every listing; repeated needs collapse to their latest posting, repeated outputs stay apart."""
    result = ZhibeiListings()
    ordinals: dict[str, int] = {}
    for record in _records(folder, OUTPUT_FILES):
        result.output_listings += 1
        key = listing_key(str(record.get("name") or ""), str(record.get("context") or ""))
        # The same text is listed again under another date or classification: separate listings, kept apart
        # by their ordinal, which is stable as long as the files are.
        ordinals[key] = ordinals.get(key, 0) + 1
        output = _mapped(output_from, record, f"zhibei-o-{key}-{ordinals[key]}", result.skipped)
        if output is not None:
            result.outputs.append(output)
    latest: dict[str, tuple[tuple[str, str, int], dict[str, Any]]] = {}
    for position, record in enumerate(_records(folder, NEED_FILES)):
        result.need_listings += 1
        key = listing_key(str(record.get("name") or ""), str(record.get("context") or ""))
        order = (str(record.get("postTime") or ""), str(record.get("time") or ""), position)
        if key not in latest or order > latest[key][0]:
            latest[key] = (order, record)
    for key, (_, record) in latest.items():
        need = _mapped(need_from, record, f"zhibei-n-{key}", result.skipped)
        if need is not None:
            result.needs.append(need)
    return result


def ensure_organisation(session: Session, name: str, kind: OrgKind) -> int:
    """The id of the organisation with this name, created (not committed) if missing."""
    org = session.exec(select(Organisation).where(Organisation.name == name)).first()
    if org is None:
        org = Organisation(name=name, kind=kind)
        session.add(org)
        session.flush()
    assert org.id is not None
    return org.id


@dataclass
class ZhibeiResult:
    """What an import of the folder did."""

    listings: ZhibeiListings
    outputs: WriteCounts
    needs: WriteCounts


def import_zhibei(session: Session, folder: Path, *, user: User, on_progress: Callable[[int, int], None] | None = None,
                  listings: ZhibeiListings | None = None) -> ZhibeiResult:
    """Upsert all outputs and needs of the folder into their two organisations, committing every CHUNK rows."""
    listings = listings or read_listings(folder)
    output_org = ensure_organisation(session, OUTPUT_ORG, OrgKind.university)
    need_org = ensure_organisation(session, NEED_ORG, OrgKind.enterprise)
    total = len(listings.outputs) + len(listings.needs)
    out_rows = [ValidRow(i, output_org, o) for i, o in enumerate(listings.outputs, start=1)]
    need_rows = [ValidRow(i, need_org, n) for i, n in enumerate(listings.needs, start=1)]
    out_fields = set(OutputCreate.model_fields) - {"organisation_id"}
    need_fields = set(NeedCreate.model_fields) - {"organisation_id"}

    def report(offset: int) -> Callable[[int], None]:
        return lambda done: on_progress(offset + done, total) if on_progress else None

    outputs = write_rows(session, OUTPUTS, user=user, rows=out_rows, fields=out_fields, on_progress=report(0),
                         commit_every=CHUNK)
    needs = write_rows(session, NEEDS, user=user, rows=need_rows, fields=need_fields,
                       on_progress=report(len(out_rows)), commit_every=CHUNK)
    session.commit()
    return ZhibeiResult(listings, outputs, needs)
