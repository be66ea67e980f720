"""Always on: ``watch`` (the probe's cases on a schedule, with Prometheus/OTel metrics) and ``ready``.

``watch`` adds a scheduler and exporters to the probe and no classification of its own;
``ready`` turns the evidence other commands produced into seed 004's readiness criteria.
"""
