"""What every portal page knows: the reader, their language, the CSRF token, and how to render."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlmodel import Session

from services.catalog.accounts.models import Organisation, User
from services.catalog.accounts.service import user_for_access_token
from services.catalog.accounts.vocab import Role
from services.catalog.api.deps import SESSION_COOKIE, SessionDep, SettingsDep
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import Forbidden
from services.catalog.portal.csrf import CSRF_COOKIE, CSRF_FIELD, form_token, new_csrf_seed
from services.catalog.portal.i18n import LANG_COOKIE, page_language, pick, shown_components, value_label

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


class LoginRequired(Exception):
    """The page needs a signed-in reader; send them to the sign-in page."""

    def __init__(self, next_url: str, expired: bool = False) -> None:
        super().__init__(next_url)
        self.next_url, self.expired = next_url, expired


@dataclass
class PageContext:
    """The request's reader, language and CSRF token, with helpers to render and redirect."""

    request: Request
    session: Session
    settings: CatalogSettings
    user: User | None
    lang: str
    csrf_seed: str
    new_seed: bool
    organisation: Organisation | None = None
    flash: list[str] = field(default_factory=list)

    @property
    def csrf_token(self) -> str:
        """The hidden-field value every form sends back."""
        return form_token(self.csrf_seed, self.settings.secret_key)

    def tr(self, zh: str, en: str) -> str:
        """Chinese or English text, by the reader's language."""
        return pick(self.lang, zh, en)

    def role_is(self, *roles: Role) -> bool:
        """Whether the reader is signed in with one of these roles."""
        return self.user is not None and self.user.role in roles

    def require(self, *roles: Role) -> User:
        """The reader, if signed in with one of `roles`; else sign-in redirect or a polite 403."""
        if self.user is None:
            raise LoginRequired(self.here())
        if roles and self.user.role not in roles:
            raise Forbidden("您的角色无权查看此页面", "Your role may not open this page")
        return self.user

    def end_transaction(self) -> None:
        """End the page's transaction before calling out (the matcher); objects stay readable, detached."""
        self.session.close()

    def reload_reader(self) -> User:
        """The reader loaded afresh in a new transaction (after `end_transaction`)."""
        assert self.user is not None
        user = self.session.get(User, self.user.id)
        if user is None or not user.is_active:
            raise LoginRequired(self.here(), expired=True)
        self.user = user
        return user

    def here(self) -> str:
        """The current path and query, for coming back after signing in."""
        url = self.request.url
        return url.path + (f"?{url.query}" if url.query else "")

    def finish(self, response: Response) -> Response:
        """Set the cookies this request decided on (CSRF seed, language choice)."""
        secure = self.request.url.scheme == "https"
        if self.new_seed:
            response.set_cookie(CSRF_COOKIE, self.csrf_seed, httponly=True, samesite="lax", secure=secure)
        wanted = self.request.query_params.get("lang")
        if wanted in ("zh", "en") and self.request.cookies.get(LANG_COOKIE) != wanted:
            response.set_cookie(LANG_COOKIE, wanted, max_age=365 * 86400, samesite="lax", secure=secure)
        return response

    def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        """Render a page template with the shared context."""
        context = {"page": self, "user": self.user, "lang": self.lang, "tr": self.tr, "csrf_field": CSRF_FIELD,
                   "csrf_token": self.csrf_token, "label": lambda v: value_label(self.lang, v), "quote": quote,
                   "organisation": self.organisation, "shown": shown_components, **values}
        response = templates.TemplateResponse(self.request, template, context, status_code=status_code)
        return self.finish(response)

    def redirect(self, url: str) -> Response:
        """A 303 redirect (after a POST) that keeps the cookies decided here."""
        return self.finish(RedirectResponse(url, status_code=303))


def page_context(request: Request, session: SessionDep, settings: SettingsDep) -> PageContext:
    """Build the page context; a stale or forged session cookie sends the reader to sign in again."""
    user: User | None = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        user = user_for_access_token(session, token=token, secret=settings.secret_key)
        if user is None and request.url.path != "/login":
            path = request.url.path
            raise LoginRequired(path if request.method == "GET" else "/", expired=True)
    seed = request.cookies.get(CSRF_COOKIE)
    page = PageContext(request=request, session=session, settings=settings, user=user,
                       lang=page_language(request), csrf_seed=seed or new_csrf_seed(), new_seed=not seed)
    if user is not None and user.organisation_id is not None:
        page.organisation = session.get(Organisation, user.organisation_id)
    request.state.portal_page = page
    return page


PageDep = Annotated[PageContext, Depends(page_context)]


def error_response(request: Request, status_code: int, zh: str, en: str) -> HTMLResponse:
    """A polite error page in the reader's language."""
    page: PageContext | None = getattr(request.state, "portal_page", None)
    lang = page.lang if page else page_language(request)
    context = {"page": page, "user": page.user if page else None, "lang": lang,
               "tr": lambda a, b: pick(lang, a, b), "csrf_field": CSRF_FIELD,
               "csrf_token": page.csrf_token if page else "", "label": lambda v: value_label(lang, v),
               "quote": quote, "organisation": page.organisation if page else None, "shown": shown_components,
               "status_code": status_code, "message": pick(lang, zh, en)}
    return templates.TemplateResponse(request, "error.html", context, status_code=status_code)
