"""Subscriptions: follow your needs or outputs, or save a search; their alerts; the one-click unsubscribe link."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlmodel import Session

from services.catalog.api.deps import CurrentUser, SessionDep, SettingsDep
from services.catalog.api.params import IdPath, PageQuery
from services.catalog.core.i18n import wants_chinese
from services.catalog.subscriptions import repository as repo
from services.catalog.subscriptions import service
from services.catalog.subscriptions.schemas import (
    AlertPublic,
    AlertsPublic,
    SubscriptionCreate,
    SubscriptionPublic,
    SubscriptionsPublic,
    SubscriptionUpdate,
    Unsubscribed,
)
from shared.openapi import error_responses

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])
MINE = error_responses(404, s404="no such subscription, or not yours")
CREATE = error_responses(403, 404, 409, s403="the need or output is not your organisation's",
                         s404="no such need or output, or you may not see it",
                         s409="you have as many subscriptions as allowed")
Token = Annotated[str, Query(min_length=1, max_length=200, description="the signed token of the e-mail's link")]


@router.get("", response_model=SubscriptionsPublic)
def list_mine(user: CurrentUser, session: SessionDep, page: PageQuery = 1,
              page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> Any:
    """Your subscriptions, newest first."""
    rows, total = repo.list_mine(session, user=user, page=page, page_size=page_size)
    return SubscriptionsPublic(data=service.present(session=session, subscriptions=rows), count=total)


@router.post("", response_model=SubscriptionPublic, status_code=201, responses=CREATE)
def create(data: SubscriptionCreate, request: Request, user: CurrentUser, session: SessionDep) -> Any:
    """Follow one of your needs or outputs, or save a search; alerts in the language you ask in."""
    sub = service.create(session=session, user=user, data=data, language="zh" if wants_chinese(request) else "en")
    session.commit()
    return service.present(session=session, subscriptions=[sub])[0]


@router.get("/unsubscribe", response_model=Unsubscribed, responses=error_responses(400, s400="altered or unknown link"))
def unsubscribe(token: Token, request: Request, settings: SettingsDep) -> Any:
    """Remove the subscription an e-mail's signed link names; no sign-in needed."""
    with Session(request.app.state.engine) as session:  # a GET that writes: the writing engine, not the read one
        answer = service.unsubscribe(session=session, settings=settings, token=token)
        session.commit()
    return answer


@router.get("/{subscription_id}", response_model=SubscriptionPublic, responses=MINE)
def get_one(subscription_id: IdPath, user: CurrentUser, session: SessionDep) -> Any:
    """One of your subscriptions."""
    sub = repo.get_own(session, user=user, subscription_id=subscription_id)
    return service.present(session=session, subscriptions=[sub])[0]


@router.patch("/{subscription_id}", response_model=SubscriptionPublic, responses=MINE)
def update(subscription_id: IdPath, data: SubscriptionUpdate, user: CurrentUser, session: SessionDep) -> Any:
    """Change a subscription's threshold or frequency, or pause it."""
    sub = repo.get_own(session, user=user, subscription_id=subscription_id)
    service.update(session=session, subscription=sub, data=data)
    session.commit()
    return service.present(session=session, subscriptions=[sub])[0]


@router.delete("/{subscription_id}", status_code=204, responses=MINE)
def delete(subscription_id: IdPath, user: CurrentUser, session: SessionDep) -> None:
    """Remove one of your subscriptions and its alerts."""
    sub = repo.get_own(session, user=user, subscription_id=subscription_id)
    service.delete(session=session, subscription=sub)
    session.commit()


@router.get("/{subscription_id}/alerts", response_model=AlertsPublic, responses=MINE)
def alerts(subscription_id: IdPath, user: CurrentUser, session: SessionDep, page: PageQuery = 1,
           page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> Any:
    """The items that matched one of your subscriptions, newest first."""
    repo.get_own(session, user=user, subscription_id=subscription_id)
    rows, total = repo.list_alerts(session, subscription_id=subscription_id, page=page, page_size=page_size)
    return AlertsPublic(data=[AlertPublic.model_validate(r, from_attributes=True) for r in rows], count=total)
