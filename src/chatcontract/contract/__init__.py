"""Contract profiles as data."""

from chatcontract.contract.profile import (
    BUILTIN_PROFILES,
    DEFAULT_PROFILE,
    Assumption,
    AssumptionStatus,
    Profile,
    join_url,
    load_profile,
    parse_profile,
)

__all__ = [
    "BUILTIN_PROFILES",
    "DEFAULT_PROFILE",
    "Assumption",
    "AssumptionStatus",
    "Profile",
    "join_url",
    "load_profile",
    "parse_profile",
]
