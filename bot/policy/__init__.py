"""The school's policies as data: typed models (`models`) and the loader that validates `policy_data/*.yaml`.

Kept free of database and platform imports: `policybot ask` loads this on every cold start.
"""

from bot.policy.loader import PolicyDataError, PolicyLibrary, load_library
from bot.policy.models import Audience, Clause, ClauseKind, Policy, Section, readable

__all__ = [
    "Audience",
    "Clause",
    "ClauseKind",
    "Policy",
    "PolicyDataError",
    "PolicyLibrary",
    "Section",
    "load_library",
    "readable",
]
