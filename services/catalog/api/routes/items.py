"""CRUD and search routes for research outputs and technology needs (one factory, two routers)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError

from services.catalog.api.deps import CurrentUser, OptionalUser, SessionDep
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.core.errors import Conflict, ValidationFailed
from services.catalog.core.inputs import MAX_ID
from services.catalog.items.kinds import NEEDS, OUTPUTS, KindSpec
from services.catalog.items.present import present_needs, present_outputs
from services.catalog.items.repository import SORTABLE, ListQuery, get_visible, list_items
from services.catalog.items.schemas import (
    NeedCreate,
    NeedPublic,
    NeedsPublic,
    NeedUpdate,
    OutputCreate,
    OutputPublic,
    OutputsPublic,
    OutputUpdate,
)
from services.catalog.items.service import apply_update, create_item, delete_item
from shared.openapi import error_responses
from shared.vocab import Cluster, CooperationMode, Maturity, NeedStatus, OutputStatus

STATUSES = {OUTPUTS.kind: [s.value for s in OutputStatus], NEEDS.kind: [s.value for s in NeedStatus]}


def _invalid(column: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed(f"请求内容有误：{column}: {zh}", f"Invalid request: {column}: {en}",
                            detail=[{"column": column, "zh": zh, "en": en}])


def list_query(
    q: Annotated[str | None, Query(max_length=200, description="keywords, Chinese or English")] = None,
    field: str | None = None,
    cluster: Cluster | None = None,
    region: str | None = None,
    maturity: Maturity | None = None,
    cooperation_mode: CooperationMode | None = None,
    status: str | None = None,
    organisation_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    updated_since: datetime | None = None,
    sort: Annotated[str, Query(description="updated_at, created_at, title, id or relevance; prefix - for descending")] = "-updated_at",
    page: PageQuery = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> ListQuery:
    """Parse the list filters shared by outputs and needs."""
    if sort.lstrip("-+") not in SORTABLE:
        choices = ", ".join(sorted(SORTABLE))
        raise _invalid("sort", f"不能按 {sort} 排序，可选：{choices}", f"cannot sort by {sort}; choose one of {choices}")
    for name, value in (("q", q), ("field", field), ("region", region), ("status", status)):
        if value is not None and "\x00" in value:
            raise _invalid(name, "不能包含空字符 NUL", "must not contain NUL characters")
    return ListQuery(q=q, field=field, cluster=cluster, region=region, maturity=maturity,
                     cooperation_mode=cooperation_mode, status=status, organisation_id=organisation_id,
                     updated_since=updated_since, sort=sort, page=page, page_size=page_size)


ListQueryDep = Annotated[ListQuery, Depends(list_query)]


@contextmanager
def _unique_external_id(session: SessionDep, spec: KindSpec) -> Iterator[None]:
    # The write flushes inside the block, so a duplicate external_id can surface before or at commit.
    try:
        yield
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"本单位已有相同外部编号 external_id 的{spec.zh}",
                       f"Your organisation already has a {spec.en} with this external_id") from exc


def make_router(spec: KindSpec, create_model: type[BaseModel], update_model: type[BaseModel],
                public_model: type[BaseModel], page_model: type[BaseModel],
                present: Callable[..., list[Any]]) -> APIRouter:
    """Build the routes of one kind of item."""
    router = APIRouter(prefix=f"/{spec.kind}s", tags=[f"{spec.kind}s"])

    @router.get("", response_model=page_model, summary=f"List {spec.en}s")
    def list_(user: OptionalUser, session: SessionDep, query: ListQueryDep) -> Any:
        """List the items the caller may see, filtered, searched, sorted and paged, with the total count."""
        if query.status is not None and query.status not in STATUSES[spec.kind]:
            allowed = ", ".join(STATUSES[spec.kind])
            raise _invalid("status", f"不是允许的取值，可选：{allowed}", f"must be one of {allowed}")
        items, total = list_items(session, spec=spec, user=user, query=query)
        return page_model(data=present(session, items, user), count=total)

    @router.post("", response_model=public_model, status_code=201, summary=f"Create a {spec.en}",
                 responses=error_responses(403, 404, 409, s404="no such organisation",
                                           s409="the organisation already has this external id"))
    def create(body: create_model, user: CurrentUser, session: SessionDep) -> Any:  # type: ignore[valid-type]
        """Create an item owned by the caller's organisation."""
        with _unique_external_id(session, spec):
            item = create_item(session, spec=spec, user=user, data=body)
            # Rendered before the commit: afterwards a concurrent delete could make the item unloadable.
            return present(session, [item], user)[0]

    @router.get("/{item_id}", response_model=public_model, summary=f"Read a {spec.en}")
    def read(item_id: IdPath, user: OptionalUser, session: SessionDep) -> Any:
        """One item, if the caller may see it."""
        return present(session, [get_visible(session, spec=spec, item_id=item_id, user=user)], user)[0]

    @router.patch("/{item_id}", response_model=public_model, summary=f"Update a {spec.en}",
                  responses=error_responses(403, 409, s409="stale version, or a duplicate external id"))
    def update(item_id: IdPath, body: update_model, user: CurrentUser, session: SessionDep) -> Any:  # type: ignore[valid-type]
        """Change an item; `version` must be the one you read (else 409)."""
        item = get_visible(session, spec=spec, item_id=item_id, user=user, for_update=True)
        values = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
        version = values.pop("version")
        with _unique_external_id(session, spec):
            apply_update(session, item=item, user=user, values=values, expected_version=version)
            return present(session, [item], user)[0]

    @router.delete("/{item_id}", status_code=204, summary=f"Delete a {spec.en}", responses=error_responses(403))
    def remove(item_id: IdPath, user: CurrentUser, session: SessionDep) -> Response:
        """Delete an item."""
        item = get_visible(session, spec=spec, item_id=item_id, user=user, for_update=True)
        delete_item(session, item=item, user=user)
        session.commit()
        return Response(status_code=204)

    return router


outputs_router = make_router(OUTPUTS, OutputCreate, OutputUpdate, OutputPublic, OutputsPublic,
                             lambda session, items, user: present_outputs(session, outputs=items, viewer=user))
needs_router = make_router(NEEDS, NeedCreate, NeedUpdate, NeedPublic, NeedsPublic,
                           lambda session, items, user: present_needs(session, needs=items, viewer=user))
