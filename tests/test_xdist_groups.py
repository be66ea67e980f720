"""The suite's ``xdist_group`` marks take effect (one worker builds a group's expensive fixtures)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("xdist-group-check")


def test_a_grouped_test_carries_its_group_exactly_under_loadgroup(request: pytest.FixtureRequest) -> None:
    loadgroup = bool(getattr(request.config.option, "loadgroup", False))  # set on xdist's workers
    assert request.node.nodeid.endswith("@xdist-group-check") == loadgroup
