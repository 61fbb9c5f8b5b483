"""Building blocks of request bodies: strict input models, ids, money, titles and keywords."""

from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

Money = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=2),
                  AfterValidator(lambda d: d.quantize(Decimal("0.01")))]  # stored as it will read back
Title = Annotated[str, Field(min_length=2, max_length=300)]
Keywords = Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=30)]
STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; also keeps SQLite's 64-bit binding from overflowing
MAX_PAGE = 1_000_000
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    return isinstance(value, list) and any(has_nul(v) for v in value)


class StrictInput(BaseModel):
    """A request body: unknown fields refused, text trimmed, NUL characters and nulls for required columns refused."""

    model_config = STRICT
    # Fields an update may leave out but may not set to null (their columns are NOT NULL).
    not_null: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul_and_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise ValueError("不能为空 (must not be null)")
        if has_nul(value):
            # PostgreSQL cannot store NUL in text; refuse it on every database alike.
            raise ValueError("不能包含空字符 NUL (must not contain NUL characters)")
        return value
