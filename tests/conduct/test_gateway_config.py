"""The shipped LiteLLM proxy config routes exactly the catalogue's models to the simulator."""

from __future__ import annotations

from importlib import resources

import yaml

from chatcontract.conduct.catalogue import builtin_catalogue


def test_litellm_config_routes_every_catalogue_model_and_its_fallback() -> None:
    text = resources.files("chatcontract.conduct").joinpath("litellm-proxy.yaml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)
    catalogue = builtin_catalogue()
    routed = {m["model_name"]: m["litellm_params"] for m in config["model_list"]}
    assert sorted(routed) == catalogue.model_names()
    for name, params in routed.items():
        assert params == {
            "model": f"openai/{name}",
            "api_base": "os.environ/CHATCONTRACT_SIM_URL",
            "api_key": "os.environ/CHATCONTRACT_SIM_API_KEY",  # a key never sits in the file
        }
    fallbacks = {k: v for entry in config["router_settings"]["fallbacks"] for k, v in entry.items()}
    for scenario in catalogue.scenarios:
        if scenario.fallback and scenario.model in fallbacks:
            assert fallbacks[scenario.model][0] in routed
    assert set(fallbacks) == {s.model for s in catalogue.scenarios if s.fallback}
