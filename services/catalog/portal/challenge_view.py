"""Challenge calls as the portal shows and reads them: countdowns, local times, status labels, form rows and
errors in the reader's language. Pure presentation: every rule lives in services/catalog/challenges."""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from starlette.datastructures import FormData

from services.catalog.challenges.vocab import STATUS_LABELS, ApplicationStatus, FundingSource, ReviewStage
from services.catalog.core.errors import AppError
from services.catalog.portal.context import PageContext
from shared.errors import translate_error

CHINA = ZoneInfo("Asia/Shanghai")
BLANK_ROWS = 2  # empty rows a form offers below the filled ones (no script needed to add more)
FUNDING = {FundingSource.government: ("政府财政", "Government"), FundingSource.enterprise: ("企业自筹", "Enterprise"),
           FundingSource.mixed: ("政企联合", "Mixed")}
STAGE = {ReviewStage.screen: ("初筛", "Screen"), ReviewStage.assess: ("评估", "Assess"),
         ReviewStage.finalist: ("终选", "Finalist")}
APPLICATION = {ApplicationStatus.draft: ("草稿", "Draft"), ApplicationStatus.submitted: ("已提交", "Submitted"),
               ApplicationStatus.withdrawn: ("已撤回", "Withdrawn")}
MILESTONE = {"pending": ("待验收", "Pending"), "accepted": ("已验收", "Accepted"), "rejected": ("未通过", "Rejected")}
ORG_KIND = {"university": ("高校", "University"), "institute": ("科研院所", "Institute"),
            "enterprise": ("企业", "Enterprise"), "broker_agency": ("服务机构", "Service agency"),
            "government": ("政府部门", "Government")}
# What a row's field is called in an error message.
FIELD_NAMES = {"name": ("名称", "name"), "target": ("目标值", "target"), "unit": ("单位", "unit"),
               "verification": ("考核方式", "verification"), "weight": ("权重", "weight"),
               "name_zh": ("中文名称", "Chinese name"), "name_en": ("英文名称", "English name"),
               "role": ("分工", "role"), "organisation": ("单位", "organisation"), "due_on": ("日期", "date"),
               "deliverable": ("交付物", "deliverable"), "amount_yuan": ("金额", "amount"),
               "response": ("响应", "response"), "indicator": ("指标", "indicator"), "score": ("评分", "score"),
               "comment": ("意见", "comment"), "key": ("代码", "key")}


def now_of(page: PageContext) -> datetime:
    """The server's clock (the app's, so tests may move it)."""
    clock = page.request.app.state.clock
    moment: datetime = clock()
    return moment


def local_time(moment: datetime | None) -> str:
    """A moment as Beijing time, to the minute."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else "—"


def local_input(moment: datetime | None) -> str:
    """A moment as the value of a datetime-local field, in Beijing time."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M") if moment else ""


def countdown(deadline: datetime, now: datetime, lang: str) -> str:
    """Days and hours left until the deadline (server-side; no script), or that it has passed."""
    left = (deadline - now).total_seconds()
    if left <= 0:
        return "已截止" if lang == "zh" else "closed"
    days, rest = divmod(int(left), 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if lang == "zh":
        return f"剩余 {days} 天 {hours} 小时" if days else f"剩余 {hours} 小时 {minutes} 分"
    return f"{days} d {hours} h left" if days else f"{hours} h {minutes} min left"


def pair(table: dict[Any, tuple[str, str]], value: str | None, lang: str) -> str:
    """A stored value's label from one of the tables above."""
    if value is None:
        return "—"
    zh, en = table.get(value, (value, value))
    return en if lang == "en" else zh


def status_label(status: str, lang: str) -> str:
    """A challenge status in the reader's language."""
    zh, en = STATUS_LABELS.get(status, (status, status))
    return en.capitalize() if lang == "en" else zh


def yuan(value: Decimal | float | int | None) -> str:
    """An amount of yuan with thousands separators."""
    return "—" if value is None else f"{Decimal(str(value)):,.2f}"


def labels(lang: str) -> dict[str, Any]:
    """The helpers every challenge template uses."""
    return {"status_label": lambda s: status_label(s, lang), "funding_label": lambda v: pair(FUNDING, v, lang),
            "stage_label": lambda v: pair(STAGE, v, lang), "app_label": lambda v: pair(APPLICATION, v, lang),
            "milestone_label": lambda v: pair(MILESTONE, v, lang), "kind_label": lambda v: pair(ORG_KIND, v, lang),
            "yuan": yuan, "local_time": local_time}


def rows(form: FormData, prefix: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    """Repeated fields `prefix_name` read as rows (one per position), leaving out rows left blank."""
    columns = {name: [str(v).strip() for v in form.getlist(f"{prefix}_{name}")] for name in names}
    count = max((len(v) for v in columns.values()), default=0)
    out = []
    for i in range(count):
        row = {name: (columns[name][i] if i < len(columns[name]) else "") for name in names}
        if any(row.values()):
            out.append(row)
    return out


def padded(existing: list[dict[str, Any]], names: tuple[str, ...], blank: int = BLANK_ROWS) -> list[dict[str, Any]]:
    """A form's rows: those filled in and `blank` empty ones to add more."""
    return [*existing, *({name: "" for name in names} for _ in range(blank))]


def deadline_value(text: str) -> str | None:
    """A datetime-local field (Beijing time) as an ISO timestamp with its zone, or None if blank or malformed."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text  # let the schema say what is wrong with it
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.isoformat()


def money_value(text: str) -> str | None:
    """A typed amount without thousands separators (blank: None); the schema judges the rest."""
    clean = text.replace(",", "").replace("，", "").strip()
    if not clean:
        return None
    try:
        Decimal(clean)
    except InvalidOperation:
        return clean
    return clean


def form_errors(exc: ValidationError, lang: str, fallback: str) -> dict[str, str]:
    """One message per form section (the first error wins), naming the row and field of nested errors."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        loc = [p for p in (error.get("loc") or ()) if p != "body"]
        name = str(loc[0]) if loc else fallback
        message = translate_error(dict(error), lang == "zh")
        if len(loc) >= 2 and isinstance(loc[1], int):
            field = pair(FIELD_NAMES, str(loc[2]), lang) if len(loc) >= 3 else ""
            where = f"第 {loc[1] + 1} 行{field}" if lang == "zh" else f"row {loc[1] + 1}{' ' + field if field else ''}"
            message = f"{where}：{message}" if lang == "zh" else f"{where}: {message}"
        errors.setdefault(name, message)
    return errors


def refusal(page: PageContext, exc: AppError) -> dict[str, str]:
    """A service's refusal as form errors: the message at the top, each detail row beside its field."""
    errors = {"__all__": page.tr(exc.zh, exc.en)}
    for row in exc.detail or []:
        column = str(row.get("column") or "")
        if column and "zh" in row:
            errors.setdefault(column, page.tr(str(row["zh"]), str(row["en"])))
    return errors
