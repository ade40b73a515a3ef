"""OCR adapters: crops → text with confidence, images → text-line boxes."""
from pipeline.ocr.base import OcrEngine, Recognition

__all__ = ["OcrEngine", "Recognition"]
