"""The output model: schema-valid documents, atomic writes."""
from __future__ import annotations

import json
import os

import pytest

from pipeline.record import Document, DocumentInfo, ErrorItem, Form, Measure, write_document, write_json_atomic
from tests.support import needs_shared, schema_errors


def minimal_document(**kwargs) -> Document:
    return Document(document=DocumentInfo(file="a.pdf", sha256="0" * 64, page_count=1), **kwargs)


@needs_shared
def test_minimal_and_failed_documents_are_schema_valid():
    assert schema_errors(minimal_document(forms=[Form()]).to_json()) == []
    failed = minimal_document(status="failed", errors=[ErrorItem(stage="open", message="encrypted")])
    assert schema_errors(failed.to_json()) == []


def test_non_form_pages_only_when_known():
    assert "non_form_pages" not in minimal_document().to_json()["document"]
    doc = minimal_document()
    doc.document.non_form_pages = [1]
    assert doc.to_json()["document"]["non_form_pages"] == [1]


def test_integral_numbers_print_as_integers():
    form = Form()
    form.total.weight = 100.0
    form.total.score = 99.8
    data = minimal_document(forms=[form]).to_json()
    assert data["forms"][0]["total"] == {"weight": 100, "score": 99.8}


def test_compound_parts_keep_only_real_parts():
    compound = Measure(kind="compound", parts=[Measure(kind="quantity", op=">=", value=100, unit="张")])
    form = Form()
    form.indicators = []
    from pipeline.record import Indicator
    form.indicators.append(Indicator(target="≥100张", target_measure=compound))
    row = minimal_document(forms=[form]).to_json()["forms"][0]["indicators"][0]
    assert "parts" not in row["target_measure"]["parts"][0]
    assert "parts" not in row["actual_measure"]


def test_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    target = tmp_path / "out" / "doc.json"
    write_document(target, minimal_document())
    assert json.loads(target.read_text())["status"] == "succeeded"
    assert [p.name for p in target.parent.iterdir()] == ["doc.json"]


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "doc.json"
    write_json_atomic(target, {"version": 1})
    with pytest.raises(TypeError):
        write_json_atomic(target, {"version": object()})      # not serialisable: fails mid-write
    assert json.loads(target.read_text()) == {"version": 1}
    assert os.listdir(tmp_path) == ["doc.json"]
