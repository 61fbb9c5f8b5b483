"""Every error of the matcher renders {error, message, detail}, in English or, when asked, in Chinese."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from shared.errors import ErrorBody, prefers_chinese, split_bilingual
from shared.schemas import MatchRequest
from shared.vocab import ItemKind
from tests.matcher.conftest import OUTPUTS, TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Content-Type": "application/json"}
CJK = re.compile(r"[\u4e00-\u9fff]")
ITEM_OR_TEXT_ZH = "请给出条目 item 或非空文本 text"
ITEM_OR_TEXT_EN = "give either an item or a non-empty text"

BAD_REQUESTS = [
    # method, path, headers, request body, status, code, columns of the detail rows
    pytest.param("post", "/v1/match", {}, {"json": {"target": "output", "text": "锂电池"}}, 401, "unauthorized", [],
                 id="no-token"),
    pytest.param("get", "/v1/status", {"Authorization": "Bearer nope"}, {}, 401, "unauthorized", [],
                 id="wrong-token"),
    pytest.param("get", "/v1/nowhere", AUTH, {}, 404, "not_found", [], id="unknown-path"),
    pytest.param("get", "/v1/match", AUTH, {}, 405, "method_not_allowed", [], id="wrong-method"),
    pytest.param("post", "/v1/match", {**AUTH, **JSON}, {"content": b'{"target": "output", "text": '}, 422,
                 "validation_error", ["body"], id="invalid-json"),
    pytest.param("post", "/v1/match", AUTH, {"json": {"target": "output", "text": "  "}}, 422,
                 "validation_error", ["body"], id="neither-item-nor-text"),
    pytest.param("post", "/v1/match", AUTH, {"json": {"target": "output", "text": "锂电池", "k": 101}}, 422,
                 "validation_error", ["k"], id="k-out-of-range"),
]


@pytest.mark.parametrize("chinese", [False, True], ids=["en", "zh"])
@pytest.mark.parametrize(("method", "path", "headers", "body", "status", "code", "columns"), BAD_REQUESTS)
def test_bad_requests_render_one_error_shape(matcher_client: TestClient, chinese: bool, method: str, path: str,
                                             headers: dict[str, str], body: dict[str, Any], status: int,
                                             code: str, columns: list[str]) -> None:
    language = {"Accept-Language": "zh-CN"} if chinese else {}
    response = matcher_client.request(method, path, headers={**headers, **language}, **body)
    assert response.status_code == status, response.text
    payload = response.json()
    assert set(payload) == {"error", "message", "detail"}
    error = ErrorBody.model_validate(payload)
    assert error.error == code
    assert [row.get("column") for row in error.detail] == columns
    assert all(set(row) <= {"column", "message"} for row in error.detail)
    for text in [error.message, *(row["message"] for row in error.detail)]:
        assert bool(CJK.search(text)) is chinese, text
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    if status == 405:
        assert response.headers["Allow"] == "POST"


@pytest.mark.parametrize(("headers", "expected"), [({}, ITEM_OR_TEXT_EN), ({"Accept-Language": "zh-CN"}, ITEM_OR_TEXT_ZH)])
def test_our_validators_message_comes_in_the_callers_half(matcher_client: TestClient, headers: dict[str, str],
                                                          expected: str) -> None:
    response = matcher_client.post("/v1/match", json={"target": "need"}, headers={**AUTH, **headers})
    assert response.status_code == 422
    assert response.json()["detail"] == [{"column": "body", "message": expected}]


def test_openapi_documents_the_error_body(matcher_client: TestClient) -> None:
    spec = matcher_client.get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    responses = spec["paths"]["/v1/match"]["post"]["responses"]
    assert {responses[s]["content"]["application/json"]["schema"]["$ref"] for s in ("401", "422")} == {
        "#/components/schemas/ErrorBody"}


@pytest.mark.parametrize(("header", "chinese"), [
    (None, False),
    ("", False),
    ("zh-CN", True),
    ("zh", True),
    ("ZH-tw", True),
    ("en-US,en;q=0.9", False),
    ("zh-CN,zh;q=0.9,en;q=0.8", True),
    ("en-GB;q=0.5, zh-CN;q=0.8", True),
    ("zh-CN;q=0.4, en;q=0.9", False),
    ("en, zh", False),  # equal q: the first listed wins
    ("zh;q=abc, en;q=0.1", False),  # an unreadable q counts as 0
    ("*", False),
])
def test_prefers_chinese(header: str | None, chinese: bool) -> None:
    assert prefers_chinese(header) is chinese


def test_split_bilingual() -> None:
    assert split_bilingual(f"{ITEM_OR_TEXT_ZH} ({ITEM_OR_TEXT_EN})") == (ITEM_OR_TEXT_ZH, ITEM_OR_TEXT_EN)
    assert split_bilingual("Input should be a valid integer") is None


class TestMatchRequestValidator:
    @pytest.mark.parametrize("fields", [
        {"text": "锂电池隔膜"},
        {"item": OUTPUTS[0]},
        {"item": OUTPUTS[0], "text": ""},
        {"item": OUTPUTS[0], "text": "  "},
    ], ids=["text", "item", "item-and-empty-text", "item-and-blank-text"])
    def test_an_item_or_a_non_empty_text_is_enough(self, fields: dict[str, Any]) -> None:
        assert MatchRequest(target=ItemKind.need, **fields).target is ItemKind.need

    @pytest.mark.parametrize("fields", [{}, {"text": None}, {"text": ""}, {"text": " \n\t"}],
                             ids=["nothing", "none", "empty", "blank"])
    def test_neither_is_refused_in_both_languages(self, fields: dict[str, Any]) -> None:
        with pytest.raises(ValidationError) as raised:
            MatchRequest(target=ItemKind.output, **fields)
        [error] = raised.value.errors()
        assert error["type"] == "value_error"
        assert split_bilingual(str(error["msg"]).removeprefix("Value error, ")) == (ITEM_OR_TEXT_ZH, ITEM_OR_TEXT_EN)
