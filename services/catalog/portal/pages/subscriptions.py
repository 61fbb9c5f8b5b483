"""My subscriptions: follow a need or output, save a search, change threshold and frequency, remove; and the
one-click unsubscribe page an e-mail links to (no sign-in)."""

from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response
from pydantic import ValidationError
from sqlmodel import Session

from services.catalog.api.params import IdPath
from services.catalog.core.errors import AppError
from services.catalog.portal.context import PageDep
from services.catalog.portal.filters import PAGE_SIZE, PortalPage, SearchForm, page_count
from services.catalog.portal.routing import PortalRoute
from services.catalog.subscriptions import repository as repo
from services.catalog.subscriptions import service
from services.catalog.subscriptions.schemas import SubscriptionCreate, SubscriptionUpdate
from services.catalog.subscriptions.vocab import FREQUENCY_LABELS, KIND_LABELS, Frequency

router = APIRouter(route_class=PortalRoute, include_in_schema=False)
THRESHOLDS = (0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
Text = Annotated[str, Form()]


def _refused(exc: ValidationError) -> AppError:
    first = exc.errors()[0].get("msg", "") if exc.errors() else ""
    return AppError(f"订阅内容有误：{first}", f"The subscription is not valid: {first}", status_code=400,
                    code="validation_error")


@router.get("/subscriptions")
def my_subscriptions(page: PageDep, pg: PortalPage = 1) -> Response:
    """The reader's subscriptions, each with its threshold, frequency, pause and alerts."""
    user = page.require()
    rows, total = repo.list_mine(page.session, user=user, page=pg, page_size=PAGE_SIZE)
    subs = service.present(session=page.session, subscriptions=rows)
    choices = {s.id: sorted({*THRESHOLDS, round(s.threshold, 2)}) for s in subs}  # one set through the API too
    return page.render("subscriptions.html", subs=subs,
                       total=total, pages=page_count(total), form=SearchForm(values={}, page=pg),
                       kinds=KIND_LABELS, frequencies=FREQUENCY_LABELS, thresholds=choices,
                       done=page.request.query_params.get("done"))


@router.post("/subscriptions")
def subscribe(page: PageDep, kind: Text, need_id: Annotated[int | None, Form()] = None,
              output_id: Annotated[int | None, Form()] = None, target: Text = "", query: Text = "",
              field: Text = "", cluster: Text = "", region: Text = "",
              frequency: Text = Frequency.instant) -> Response:
    """Follow a need or an output (from its page) or save a search (from the search page)."""
    user = page.require()
    values = {"kind": kind, "need_id": need_id, "output_id": output_id, "target": target, "query": query,
              "field": field, "cluster": cluster, "region": region, "frequency": frequency}
    try:
        data = SubscriptionCreate.model_validate({k: v for k, v in values.items() if v not in (None, "")})
    except ValidationError as exc:
        raise _refused(exc) from exc
    service.create(session=page.session, user=user, data=data, language=page.lang)
    page.session.commit()
    return page.redirect("/subscriptions?done=created")


@router.post("/subscriptions/{subscription_id}")
def change(subscription_id: IdPath, page: PageDep, threshold: Annotated[float, Form()],
           frequency: Text, paused: Text = "") -> Response:
    """Change a subscription's threshold and frequency, or pause it."""
    user = page.require()
    sub = repo.get_own(page.session, user=user, subscription_id=subscription_id)
    try:
        data = SubscriptionUpdate(threshold=threshold, frequency=frequency, paused=paused == "on")  # type: ignore[arg-type]
    except ValidationError as exc:
        raise _refused(exc) from exc
    service.update(session=page.session, subscription=sub, data=data)
    page.session.commit()
    return page.redirect("/subscriptions?done=saved")


@router.post("/subscriptions/{subscription_id}/delete")
def remove(subscription_id: IdPath, page: PageDep) -> Response:
    """Remove one of the reader's subscriptions."""
    user = page.require()
    service.delete(session=page.session, subscription=repo.get_own(page.session, user=user,
                                                                   subscription_id=subscription_id))
    page.session.commit()
    return page.redirect("/subscriptions?done=removed")


@router.get("/unsubscribe")
def unsubscribe(page: PageDep, token: Annotated[str, Query(max_length=200)] = "") -> Response:
    """The e-mail's one-click link: remove the subscription it names and say so; no sign-in needed."""
    with Session(page.request.app.state.engine) as session:  # a GET that writes: the writing engine
        answer = service.unsubscribe(session=session, settings=page.settings, token=token)
        session.commit()
    return page.render("unsubscribed.html", removed=answer.removed)
