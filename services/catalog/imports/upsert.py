"""Writing validated rows: create new items, update those whose (organisation, external id) exists."""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from services.catalog.accounts.models import Organisation, User
from services.catalog.core.errors import Conflict
from services.catalog.imports.validation import ValidRow
from services.catalog.items.kinds import Item, KindSpec
from services.catalog.items.service import apply_update, create_item

Progress = Callable[[int], None]
T = TypeVar("T")
CHUNK = 50  # rows per transaction of a long import: other writers wait for one chunk at most
# SQLite hands its lock to no one in particular: a writer of another process, sleeping in its busy handler
# (up to 100 ms at a time), would lose every race to the import's next chunk without this pause.
SQLITE_YIELD_SECONDS = 0.1
_IN_CHUNK = 500


@dataclass
class WriteCounts:
    """How many rows created, updated or left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def existing_by_external_id(session: Session, spec: KindSpec, rows: Iterable[ValidRow]) -> dict[tuple[int, str], Item]:
    """Stored items matching the rows' (organisation, external id), fetched in a few queries."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        external_id = getattr(row.data, "external_id", None)
        if external_id:
            wanted[row.organisation_id].add(external_id)
    table = spec.table
    found: dict[tuple[int, str], Item] = {}
    for org_id, ids in wanted.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), _IN_CHUNK):
            chunk = ordered[start:start + _IN_CHUNK]
            stmt = select(table).where(col(table.organisation_id) == org_id, col(table.external_id).in_(chunk))
            for item in session.exec(stmt).all():
                found[(org_id, getattr(item, "external_id", None) or "")] = cast(Item, item)
    return found


def _values(data: BaseModel, fields: set[str]) -> dict[str, Any]:
    return {k: v for k, v in data.model_dump(exclude={"organisation_id"}).items() if k in fields}


def write_rows(session: Session, spec: KindSpec, *, user: User, rows: list[ValidRow], fields: set[str],
               on_progress: Progress | None = None, commit_every: int | None = None,
               before_commit: Progress | None = None) -> WriteCounts:
    """Upsert the rows (columns absent from the file are left alone on update); commits only if commit_every is set.

    Each chunk of `commit_every` rows is one short transaction, so other writers interleave with a long import;
    `before_commit` runs inside it (a job's progress is committed with the rows it counts), `on_progress` after.
    """
    counts = WriteCounts()
    existing = existing_by_external_id(session, spec, rows)
    # Held here so the identity map (weak references) keeps them: each create looks its organisation up.
    owners = [session.get(Organisation, org_id) for org_id in {row.organisation_id for row in rows}]
    for done, row in enumerate(rows, start=1):
        external_id = getattr(row.data, "external_id", None)
        item = existing.get((row.organisation_id, external_id)) if external_id else None
        if item is None:
            create_item(session, spec=spec, user=user, data=row.data.model_copy(update={"organisation_id": row.organisation_id}))
            counts.created += 1
        else:
            values = _values(row.data, fields)
            # Identical to what was read in this transaction: skip apply_update and its row lock and reload.
            same = all(getattr(item, k) == v for k, v in values.items())
            if not same and apply_update(session, item=item, user=user, values=values, expected_version=None):
                counts.updated += 1
            else:
                counts.unchanged += 1
        at_boundary = commit_every is not None and done % commit_every == 0
        if at_boundary:
            if before_commit is not None:
                before_commit(done)
            session.commit()
            if session.get_bind().dialect.name == "sqlite" and done < len(rows):
                time.sleep(SQLITE_YIELD_SECONDS)
        if on_progress is not None and (at_boundary or done == len(rows) or done % 50 == 0):
            on_progress(done)
    del owners
    return counts


def write_in_chunks(session: Session, steps: Sequence[T], write: Callable[[T], None]) -> None:
    """Write each step, committing every CHUNK steps and at the end (short write transactions: other writers wait
    for one chunk at most); a unique clash with a concurrent import rolls back and answers 409."""
    try:
        for done, step in enumerate(steps, start=1):
            write(step)
            if done % CHUNK == 0:
                session.commit()
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("导入时与同时进行的另一次导入冲突，请重试", "Another import ran at the same time; retry") from exc
