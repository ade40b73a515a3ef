"""OCR adapters: crops → text with confidence, images → text-line boxes."""
from pipeline.ocr.base import OcrEngine, Recognition

__all__ = ["OcrEngine", "Recognition", "create_engine"]


def create_engine(name: str | None = None, **options) -> OcrEngine:
    """An (unloaded) engine for the weights ``name`` of ``models/manifest.json``.

    ``name`` defaults to the manifest's ``chosen`` weights, the ones the OCR
    benchmark (``bench/bench_ocr.py``) picked; the weights are verified here.
    ``options`` go to the engine (``cpu_threads``, ``rec_batch_num``, ...).
    """
    from models.weights import resolve_ocr_models

    paths = resolve_ocr_models(name)
    if paths.format == "onnx":
        from pipeline.ocr.paddle_onnx import PaddleOnnxEngine
        return PaddleOnnxEngine(paths, **options)
    from pipeline.ocr.paddle import PaddleEngine
    return PaddleEngine(paths, **options)
