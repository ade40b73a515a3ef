"""Where the project's neighbours live."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """``../shared`` beside the checkout (the spec, the scorer, the truth), or $SELFEVAL_SHARED."""
    return Path(os.environ.get("SELFEVAL_SHARED", REPO_ROOT.parent / "shared"))
