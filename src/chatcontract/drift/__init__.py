"""Contract drift: response fixtures compared shape to shape and against the profile."""

from chatcontract.drift.compare import Capture, DriftReport, compare, load_capture
from chatcontract.drift.shape import Change, ChangeKind, diff_shapes, shape_of

__all__ = ["Capture", "Change", "ChangeKind", "DriftReport", "compare", "diff_shapes", "load_capture", "shape_of"]
