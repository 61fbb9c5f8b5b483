"""The catalog's own series, read from the database at scrape time: import jobs, the e-mail outbox, the
change feed's head and the items by kind and status."""

from collections.abc import Iterator

import sqlalchemy as sa
from fastapi import FastAPI
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlmodel import Session

from services.catalog.imports import jobs
from services.catalog.items.changes import head_seq
from services.catalog.items.kinds import SPECS
from services.catalog.items.repository import count_by_status as items_by_status
from services.catalog.workflow import outbox


class CatalogCollector(Collector):
    """Reads the catalog's gauges through its domains, in one read-only session per scrape."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        engine: sa.Engine | None = getattr(self.app.state, "read_engine", None)
        if engine is None:  # not started yet
            return
        with Session(engine) as session:
            job_counts, mail_counts, head = jobs.count_by_status(session), outbox.count_by_status(session), head_seq(session)
            item_counts = {(kind.value, status): n for kind, spec in SPECS.items()
                           for status, n in items_by_status(session, spec=spec).items()}
        yield _by("duijie_import_jobs", "Import jobs by state", "status", job_counts)
        yield _by("duijie_outbox_emails", "Notification e-mails by state (pending: the backlog)", "status", mail_counts)
        yield GaugeMetricFamily("duijie_change_feed_head", "Newest sequence number of the change feed", value=head)
        items = GaugeMetricFamily("duijie_catalog_items", "Research outputs and needs by state", labels=["kind", "status"])
        for (kind, status), n in sorted(item_counts.items()):
            items.add_metric([kind, status], n)
        yield items


def _by(name: str, documentation: str, label: str, counts: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for value, n in sorted(counts.items()):
        family.add_metric([value], n)
    return family
