"""The output contract (../shared/spec/RECORD.md) as pydantic models.

``Document.model_dump(mode="json")`` validates against record.schema.json.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from pipeline.atomic import write_bytes_atomic

SCHEMA_VERSION = "1.0"
Op = Optional[Literal[">=", "<=", ">", "<", "="]]
MeasureKind = Literal["quantity", "percent", "date", "duration", "qualitative",
                      "not_applicable", "compound", "text", "empty"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Measure(_Strict):
    kind: MeasureKind
    op: Op = None
    value: float | int | str | None = None
    unit: Optional[str] = None
    subject: Optional[str] = None
    parts: Optional[list["Measure"]] = None

    def to_json(self) -> dict:
        data = self.model_dump(mode="json", exclude_none=False)
        if self.parts is None:
            data.pop("parts")
        return data


class FundsRow(_Strict):
    initial_budget: Optional[float] = None
    annual_budget: Optional[float] = None
    executed: Optional[float] = None
    weight: Optional[float] = None
    execution_rate: Optional[float] = None
    score: Optional[float] = None


class Funds(_Strict):
    total: FundsRow = Field(default_factory=FundsRow)
    appropriation: FundsRow = Field(default_factory=FundsRow)
    carryover: FundsRow = Field(default_factory=FundsRow)
    other: FundsRow = Field(default_factory=FundsRow)


class Project(_Strict):
    code: Optional[str] = None
    name: Optional[str] = None
    year: Optional[int] = None
    implementing_unit: Optional[str] = None
    budget_unit: Optional[str] = None
    competent_department: Optional[str] = None
    amount: Optional[float] = None


class Goals(_Strict):
    expected: Optional[str] = None
    actual: Optional[str] = None


class Indicator(_Strict):
    level1: Optional[str] = None
    level2: Optional[str] = None
    name: Optional[str] = None
    target: Optional[str] = None
    actual: Optional[str] = None
    weight: Optional[float] = None
    score: Optional[float] = None
    deviation: Optional[str] = None
    target_measure: Measure = Field(default_factory=lambda: Measure(kind="empty"))
    actual_measure: Measure = Field(default_factory=lambda: Measure(kind="empty"))


class Total(_Strict):
    weight: Optional[float] = None
    score: Optional[float] = None


class Issue(_Strict):
    rule: str
    severity: Literal["error", "warning"]
    path: str
    message: str


class Validation(_Strict):
    status: Literal["valid", "warnings", "invalid"] = "valid"
    issues: list[Issue] = Field(default_factory=list)


class FieldSource(_Strict):
    page: int
    bbox: list[float]
    confidence: float = Field(ge=0, le=1)


class Provenance(_Strict):
    pages: list[int] = Field(default_factory=list)
    source: Literal["ocr", "text_layer", "mixed"] = "text_layer"
    fields: dict[str, FieldSource] = Field(default_factory=dict)


class Form(_Strict):
    form_index: int = 0
    pages: list[int] = Field(default_factory=list)
    title: Optional[str] = None
    project: Project = Field(default_factory=Project)
    funds: Funds = Field(default_factory=Funds)
    goals: Goals = Field(default_factory=Goals)
    level1_weights: dict[str, Optional[float]] = Field(default_factory=dict)
    indicators: list[Indicator] = Field(default_factory=list)
    total: Total = Field(default_factory=Total)
    validation: Validation = Field(default_factory=Validation)
    provenance: Provenance = Field(default_factory=Provenance)


class DocumentInfo(_Strict):
    file: str
    sha256: str
    page_count: int = 0
    non_form_pages: Optional[list[int]] = None


class ErrorItem(_Strict):
    stage: str
    message: str
    page: Optional[int] = None


class Document(_Strict):
    schema_version: Literal["1.0"] = SCHEMA_VERSION
    document: DocumentInfo
    status: Literal["succeeded", "needs_review", "failed"] = "succeeded"
    forms: list[Form] = Field(default_factory=list)
    errors: list[ErrorItem] = Field(default_factory=list)

    def to_json(self) -> dict:
        data = self.model_dump(mode="json")
        if self.document.non_form_pages is None:
            data["document"].pop("non_form_pages")
        for form in data["forms"]:
            for row in form["indicators"]:
                for key in ("target_measure", "actual_measure"):
                    _drop_null_parts(row[key])
        return _integral_floats(data)


def _drop_null_parts(measure: dict) -> None:
    if measure.get("parts") is None:
        measure.pop("parts", None)
        return
    for part in measure["parts"]:
        _drop_null_parts(part)


def _integral_floats(value):
    """12.0 -> 12 so the JSON reads as the form printed it (scoring compares numerically anyway)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _integral_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral_floats(v) for v in value]
    return value


def document_status(forms: list[Form]) -> str:
    if any(f.validation.status == "invalid" for f in forms):
        return "needs_review"
    return "succeeded"


def write_json_atomic(path: Path, data: dict) -> None:
    """Serialise first (a value that cannot be written fails before the file is touched), then swap in."""
    payload = (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    write_bytes_atomic(path, payload)


def write_document(path: Path, document: Document) -> None:
    write_json_atomic(path, document.to_json())
