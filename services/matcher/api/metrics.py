"""The matcher's own series, read at scrape time: how far it follows the catalog, its index and its speed."""

from collections.abc import Iterator

from fastapi import FastAPI
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from services.matcher.engine import Matcher


class MatcherCollector(Collector):
    """Lag and pending changes, index sizes and indexing throughput of the app's matcher."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        matcher: Matcher | None = getattr(self.app.state, "matcher", None)
        if matcher is None:  # still loading
            return
        status = matcher.status()
        yield GaugeMetricFamily("duijie_matcher_cursor", "Last change applied to the index", value=status.cursor)
        if status.catalog_seq is not None and status.lag is not None:
            yield GaugeMetricFamily("duijie_matcher_catalog_head", "The catalog's newest change as seen at the last poll",
                                    value=status.catalog_seq)
            yield GaugeMetricFamily("duijie_matcher_lag_changes", "Changes seen but not yet applied (pending)",
                                    value=status.lag)
        items = GaugeMetricFamily("duijie_matcher_index_items", "Candidates in the index by kind", labels=["kind"])
        for kind, n in sorted(status.items.items()):
            items.add_metric([kind], n)
        yield items
        yield GaugeMetricFamily("duijie_matcher_index_changes_per_second", "Recent indexing throughput",
                                value=status.items_per_second or 0.0)
        yield CounterMetricFamily("duijie_matcher_items_encoded", "Items embedded for the index since start",
                                  value=matcher.encoded_items)
