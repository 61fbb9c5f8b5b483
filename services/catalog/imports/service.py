"""The import workflow shared by the API and the command line: who may import, validate, decide, write."""

from sqlmodel import Session, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.vocab import Role
from services.catalog.core.errors import Forbidden, NotFound, ValidationFailed, localise
from services.catalog.imports.parsing import Sheet
from services.catalog.imports.schemas import ImportResult, RowError
from services.catalog.imports.upsert import Progress, write_rows
from services.catalog.imports.validation import OrgScope, Validated, validate_sheet
from services.catalog.items.kinds import KindSpec


def check_importer(session: Session, *, spec: KindSpec, user: User, requested_org: int | None) -> None:
    """Owners import for their own organisation, admins for any; everyone else gets 403."""
    if user.role == Role.admin:
        if requested_org is not None and session.get(Organisation, requested_org) is None:
            raise NotFound(f"单位 {requested_org} 不存在", f"Organisation {requested_org} does not exist")
        return
    if user.role != spec.owner_role or user.organisation_id is None:
        raise Forbidden(f"您的角色不能导入{spec.zh}", f"Your role may not import {spec.en}s")
    if requested_org is not None and requested_org != user.organisation_id:
        raise Forbidden(f"只能导入本单位的{spec.zh}", f"You may only import your own organisation's {spec.en}s")


def org_scope(session: Session, *, user: User, requested_org: int | None) -> OrgScope:
    """The organisations rows may name: any (admins, default the requested one) or only the caller's own."""
    if user.role != Role.admin:
        own = user.organisation_id
        org = session.get(Organisation, own) if own is not None else None
        return OrgScope(own, False, {org.name: own} if org and own is not None else {}, {own} if own else set())
    orgs = session.exec(select(Organisation.id, Organisation.name)).all()
    return OrgScope(requested_org, True, {name: oid for oid, name in orgs if oid is not None},
                    {oid for oid, _ in orgs if oid is not None})


def validate_upload(session: Session, *, spec: KindSpec, user: User, sheet: Sheet, requested_org: int | None,
                    zh: bool) -> Validated:
    """Validate a parsed upload; 403 (with the rows) if any row names another organisation."""
    validated = validate_sheet(spec.kind, sheet, org_scope(session, user=user, requested_org=requested_org), zh=zh)
    if validated.foreign_rows:
        first = validated.foreign_rows[0]["row"]
        raise Forbidden(f"第 {first} 行等 {len(validated.foreign_rows)} 行属于其他单位，只能导入本单位的{spec.zh}",
                        f"Row {first} and {len(validated.foreign_rows) - 1} more name another organisation; "
                        f"you may only import your own {spec.en}s", detail=validated.foreign_rows)
    return validated


def refuse_if_invalid(*, validated: Validated, partial: bool) -> None:
    """422 naming the first bad row and column unless every row is valid (or, with partial, at least one)."""
    errors = validated.errors
    if not errors or (partial and validated.rows):
        return
    first = errors[0]
    bad_rows = len({e["row"] for e in errors})
    nothing = "没有可导入的有效行" if partial else "未写入任何数据"
    raise ValidationFailed(
        f"第 {first['row']} 行“{first['column']}”：{first['zh']}（共 {bad_rows} 行有误，{nothing}）",
        f"Row {first['row']}, column '{first['column']}': {first['en']} "
        f"({bad_rows} bad rows; {'no valid rows' if partial else 'nothing was written'})",
        detail=errors)


def result_of(*, kind: str, validated: Validated, written: bool, dry_run: bool = False,
              counts: dict[str, int] | None = None) -> ImportResult:
    """The result body of an import of this kind of row."""
    return ImportResult(
        kind=kind, total=validated.total, valid=len(validated.rows),
        failed=len({e["row"] for e in validated.errors}), written=written, dry_run=dry_run,
        errors=[RowError.model_validate(localise(e, validated.zh)) for e in validated.errors], ignored_columns=validated.ignored_columns,
        **(counts or {}),
    )


def import_now(session: Session, *, spec: KindSpec, user: User, validated: Validated, on_progress: Progress | None = None,
               commit_every: int | None = None) -> ImportResult:
    """Write the valid rows and commit: in one transaction, or one per `commit_every` rows."""
    counts = write_rows(session, spec, user=user, rows=validated.rows, fields=validated.fields, on_progress=on_progress,
                        commit_every=commit_every)
    session.commit()
    return result_of(kind=spec.kind, validated=validated, written=True, counts=counts.as_dict())


def operator() -> User:
    """A stand-in admin for imports run from the command line (never stored)."""
    return User(login="duijie-cli", password_hash="!", role=Role.admin)
