"""Editing the reader's own outputs or needs through a portal form: ownership, the form's values, saving."""

from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

from services.catalog.accounts.vocab import Role
from services.catalog.core.errors import AppError
from services.catalog.items.kinds import Item, KindSpec
from services.catalog.items.repository import get_visible
from services.catalog.items.service import apply_update
from services.catalog.portal.context import PageContext


def own_item(page: PageContext, *, spec: KindSpec, item_id: int, refusal: tuple[str, str]) -> Item:
    """The item, if the reader's organisation owns it (admins may edit any); else 403 with `refusal`."""
    user = page.require(spec.owner_role, Role.admin)
    item = get_visible(page.session, spec=spec, item_id=item_id, user=user)
    if user.role != Role.admin and item.organisation_id != user.organisation_id:
        raise AppError(*refusal, status_code=403)
    return item


def stored_values(item: Item, *, text: tuple[str, ...], joined: tuple[str, ...]) -> dict[str, Any]:
    """An item's values for its edit form: text ("" for null), `joined` lists as one line, modes as a list."""
    values: dict[str, Any] = {name: "" if getattr(item, name, None) is None else str(getattr(item, name))
                              for name in text if name not in joined}
    values |= {name: "，".join(getattr(item, name)) for name in joined}
    values["cooperation_modes"] = list(item.cooperation_modes)
    return values


def save_form(page: PageContext, *, item: Item, body: BaseModel, version: int, done: str) -> Response | str:
    """Apply a validated edit form and redirect to `done`; if refused (say, changed meanwhile), the reason."""
    try:
        changes = body.model_dump(exclude={"version"}, exclude_unset=True)
        apply_update(page.session, item=item, user=page.require(), values=changes, expected_version=version)
        page.session.commit()
        return page.redirect(done)
    except AppError as exc:
        page.session.rollback()
        return page.tr(exc.zh, exc.en)
