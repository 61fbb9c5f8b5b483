"""Building a matcher from its settings: the models and the stored index."""

import logging

from services.matcher import handover, persist
from services.matcher.bilingual import cedict
from services.matcher.config import MatcherSettings
from services.matcher.embedder import E5Embedder, Embedder, e5_available, load_embedder
from services.matcher.engine import Matcher
from services.matcher.text import warm_up

log = logging.getLogger(__name__)


def build_matcher(settings: MatcherSettings) -> Matcher:
    """Load the models and the stored index (a snapshot from another model is refused)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    embedder = load_embedder(settings.embedder)
    with_second = settings.second_embedder == "e5" or (settings.second_embedder == "auto" and e5_available())
    second: Embedder | None = E5Embedder(threads=settings.query_threads) if with_second else None
    indexing = None
    if settings.indexing_models == "own":
        indexing = (load_embedder(settings.embedder), E5Embedder() if with_second else None)
    warm_up()
    if settings.translate_queries:
        cedict()  # read once at start (about 3 s), not on the first English query
    matcher = Matcher(settings, embedder, second, indexing=indexing)
    if settings.snapshot_from and persist.read_manifest(settings.data_dir) is None:  # a new replica
        handover.start_from(source=settings.snapshot_from, token=settings.service_token,
                            data_dir=settings.data_dir, identity=matcher.identity())
    if matcher.load():
        log.info("resumed index at cursor %d: %s", matcher.index.cursor, matcher.index.counts())
    return matcher
