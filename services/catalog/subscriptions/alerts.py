"""The alert follower: reads the change feed with its own cursor, asks the matcher how well each changed item
fits each subscription, and records one alert per (subscription, item), delivered at once or in a digest.

A pass reads only (the cursor, a batch of changes, the subscriptions), asks the matcher with no transaction open,
then writes the alerts with the instant ones' inbox notifications and outbox e-mails, a few per short transaction,
and last moves the cursor by compare-and-set. An alert is unique per (subscription, item kind, item id) and skipped
once recorded, so a re-edited item, a restart, a crash mid-batch or a second follower never fires one twice.
Changes the matcher has not applied yet wait for a later pass (it could not score those items).
"""

import logging
import threading
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, update

from services.catalog.accounts.models import User
from services.catalog.accounts.vocab import is_staff
from services.catalog.core.config import CatalogSettings
from services.catalog.core.errors import AppError
from services.catalog.core.tables import Clock, utcnow
from services.catalog.items.changes import head_seq, read_changes
from services.catalog.items.models import ResearchOutput, TechNeed
from services.catalog.items.wire import need_to_wire, output_to_wire
from services.catalog.matching import service as matching
from services.catalog.subscriptions import repository as repo
from services.catalog.subscriptions import service
from services.catalog.subscriptions.digest import run_digests
from services.catalog.subscriptions.models import AlertCursor, Subscription, SubscriptionAlert
from services.catalog.subscriptions.vocab import NOTIFICATION_KIND, Frequency
from services.catalog.workflow.notifications import notify
from shared.schemas import CatalogItem, ChangeEvent, MatchResult
from shared.vocab import ChangeOp, ItemKind

log = logging.getLogger(__name__)
FOLLOWER = "alerts"
MAX_BATCHES_PER_WAKE = 20
WRITE_CHUNK = 20  # alerts per write transaction: SQLite's one writer is soon free for user requests
BATCH = 50  # changes per pass: each costs a question per subscription, and the write stays short


@dataclass
class PassReport:
    """What one pass did."""

    start: int = 0
    cursor: int = 0
    changes: int = 0
    questions: int = 0
    alerts: int = 0
    waiting: bool = False  # the matcher could not answer or has not caught up: nothing moved


@dataclass
class _Question:
    sub: Subscription
    user: User
    item: CatalogItem | None
    ids: list[int]
    what: str  # what the subscription follows, in the subscriber's language


@dataclass
class AlertFollower:
    """Turns catalog changes into subscription alerts; safe to run in several processes at once."""

    engine: sa.Engine
    settings: CatalogSettings
    clock: Clock = utcnow
    batch: int = BATCH
    name: str = FOLLOWER

    def run_once(self) -> PassReport:
        """Read one batch of changes past the cursor, record the alerts it fires, move the cursor."""
        with Session(self.engine, expire_on_commit=False) as session:
            start = repo.cursor(session, name=self.name)
            head = head_seq(session)
            subs = repo.active(session)  # read: closing the session ends the transaction, the rows stay loaded
        report = PassReport(start=start, cursor=start)
        if start >= head or not subs:
            # nobody to alert: nothing to ask or write (a new subscription starts at the head of the log anyway)
            return report
        floor = min(s.since_seq for s, _ in subs)  # nothing logged before every subscription can fire one
        indexed = matching.indexed_through(settings=self.settings)
        if indexed is None:
            report.waiting = True
            return report
        after = max(start, floor)
        with Session(self.engine, expire_on_commit=False) as session:
            page = read_changes(session, after=after, limit=self.batch)
            changes = [c for c in page.changes if c.seq <= indexed]
            end = changes[-1].seq if changes else after
            questions = self._questions(session, subs, changes)
        if end <= start:
            report.waiting = True
            return report
        report.changes = len(changes)
        try:
            found = self._ask(questions, report)
        except AppError as exc:
            log.warning("alerts wait for the matcher: %s", exc.en)
            report.waiting = True
            return report
        report.cursor, report.alerts = self._advance(start, end, found)
        return report

    def _questions(self, session: Session, subs: list[tuple[Subscription, User]],
                   changes: list[ChangeEvent]) -> list[_Question]:
        latest: dict[tuple[ItemKind, int], tuple[int, CatalogItem | None]] = {}
        for change in changes:
            latest[change.kind, change.item_id] = (change.seq, None if change.op is ChangeOp.delete else change.item)
        questions = []
        for sub, user in subs:
            ids = [item_id for (kind, item_id), (seq, item) in latest.items()
                   if kind == sub.target and item is not None and seq > sub.since_seq and _wanted(sub, user, item)]
            ids = sorted(repo.visible_ids(session, kind=ItemKind(sub.target), user=user, ids=ids)
                         - repo.alerted_ids(session, subscription_id=sub.id or 0, kind=ItemKind(sub.target), ids=ids))
            if not ids:
                continue
            item: CatalogItem | None = None
            if sub.need_id is not None:
                need = session.get(TechNeed, sub.need_id)
                item = need_to_wire(need) if need is not None else None
            elif sub.output_id is not None:
                output = session.get(ResearchOutput, sub.output_id)
                item = output_to_wire(session, output) if output is not None else None
            if item is None and not sub.query:
                continue  # the followed item is gone
            what = service.describe(session=session, subscription=sub, zh=sub.language != "en")
            questions.append(_Question(sub=sub, user=user, item=item, ids=ids, what=what))
        return questions

    def _ask(self, questions: list[_Question], report: PassReport) -> list[tuple[_Question, MatchResult, int]]:
        found = []
        for q in questions:
            report.questions += 1
            try:
                results = matching.scores_of(settings=self.settings, target=ItemKind(q.sub.target), ids=q.ids,
                                             item=q.item, text=None if q.item is not None else q.sub.query,
                                             include_brokers_only=is_staff(q.user))
            except AppError as exc:
                if exc.status_code != 422:
                    raise
                log.warning("subscription %s: the matcher cannot take its question: %s", q.sub.id, exc.en)
                continue
            found += [(q, r, q.sub.id or 0) for r in results.values() if r.score >= q.sub.threshold]
        return found

    def _advance(self, start: int, end: int, found: list[tuple[_Question, MatchResult, int]]) -> tuple[int, int]:
        """Record the alerts, a few per short transaction, then move the cursor from `start` to `end`; the cursor
        it ends at and how many alerts it recorded. A crash in between replays the batch: recorded alerts are
        skipped (one per subscription and item), so each is delivered once."""
        now, recorded = self.clock(), 0
        for first in range(0, len(found), WRITE_CHUNK):
            with Session(self.engine, expire_on_commit=False) as session:
                try:
                    recorded += self._record(session, found[first:first + WRITE_CHUNK], end, now)
                    session.commit()
                except IntegrityError:  # a subscription removed meanwhile, or another follower's alert: next pass
                    session.rollback()
                    return start, recorded
        with Session(self.engine, expire_on_commit=False) as session:
            if not self._move(session, start, end, now):
                session.rollback()
                return repo.cursor(session, name=self.name), recorded  # another follower took this batch
            session.commit()
        return end, recorded

    def _record(self, session: Session, found: list[tuple[_Question, MatchResult, int]], end: int,
                now: datetime) -> int:
        """Write the alerts not recorded yet, with the instant ones' inbox message and e-mail (not committed)."""
        fresh = []
        for sub_id in {sub_id for _, _, sub_id in found}:
            mine = [(q, r) for q, r, s in found if s == sub_id]
            done = repo.alerted_ids(session, subscription_id=sub_id, kind=mine[0][1].kind, ids=[r.id for _, r in mine])
            fresh += [(q, r) for q, r in mine if r.id not in done]
        for q, result in fresh:
            instant = q.sub.frequency == Frequency.instant
            alert = SubscriptionAlert(subscription_id=q.sub.id or 0, item_kind=result.kind, item_id=result.id,
                                      title=result.title[:300], score=result.score,
                                      explanation_zh=result.explanation.zh, explanation_en=result.explanation.en,
                                      seq=end, created_at=now, delivered_at=now if instant else None)
            if instant:
                alert.notification_id = self._deliver(session, q, alert)
            session.add(alert)
        return len(fresh)

    def _move(self, session: Session, start: int, end: int, now: datetime) -> bool:
        moved = session.exec(update(AlertCursor).where(  # type: ignore[call-overload]
            col(AlertCursor.name) == self.name, col(AlertCursor.seq) == start).values(seq=end, updated_at=now))
        if moved.rowcount == 1:
            return True
        if start == 0 and session.get(AlertCursor, self.name) is None:
            session.add(AlertCursor(name=self.name, seq=end, updated_at=now))
            session.flush()  # two first passes at once: the primary key refuses one
            return True
        return False

    def _deliver(self, session: Session, q: _Question, alert: SubscriptionAlert) -> int | None:
        """The instant alert in the subscriber's inbox and the outbox; the inbox message's id."""
        zh = q.sub.language != "en"
        head = f"{q.what}有新的匹配：" if zh else f"A new match for {q.what}:"
        body = "\n".join([head, "", *service.alert_lines(settings=self.settings, alert=alert, zh=zh), "",
                          *service.footer(settings=self.settings, subscription=q.sub, zh=zh)])
        subject = (f"新匹配：{alert.title}" if zh else f"New match: {alert.title}")[:300]
        notes = notify(session, users=[q.user], kind=NOTIFICATION_KIND, subject=subject, body=body)
        return notes[0].id if notes else None


def _wanted(sub: Subscription, user: User, item: CatalogItem) -> bool:
    """Whether a changed item could concern a subscription, before the matcher is asked: offered (published or
    open), not the subscriber's own organisation's, and inside a saved search's filters."""
    if not item.matchable or (user.organisation_id is not None and item.organisation_id == user.organisation_id):
        return False
    return all(want is None or want == have for want, have in
               ((sub.field, item.field), (sub.cluster, item.cluster), (sub.region, item.region)))


class BackgroundFollower:
    """Runs the alert follower, then the digest pass, in a daemon thread until stopped."""

    def __init__(self, follower: AlertFollower, poll_seconds: float) -> None:
        self.follower, self.poll_seconds = follower, poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="alert-follower", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_seconds):  # the first pass after one interval: startup stays quick
            try:
                for _ in range(MAX_BATCHES_PER_WAKE):  # then it sleeps: user traffic gets SQLite's write lock
                    report = self.follower.run_once()
                    if self._stop.is_set() or report.waiting or report.cursor <= report.start:
                        break
                run_digests(engine=self.follower.engine, settings=self.follower.settings, now=self.follower.clock())
            except Exception:
                log.exception("alert pass failed; retrying after the poll interval")

    def start(self) -> "BackgroundFollower":
        """Start the thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to finish its current pass and wait for it."""
        self._stop.set()
        self._thread.join(timeout=60)


def start_follower(engine: sa.Engine, settings: CatalogSettings, clock: Clock) -> BackgroundFollower | None:
    """Start the background follower (alerts, then digests by `clock`) when autostart is on; else None."""
    if not settings.alerts_autostart:
        return None
    follower = AlertFollower(engine=engine, settings=settings, clock=clock)
    return BackgroundFollower(follower, settings.alerts_poll_seconds).start()
