"""Reading the YAML files people edit (policy data, school settings): PyYAML's safe loader, except that dates
stay text until the pydantic schema reads them. PyYAML itself turns `2022-02-30` into a bare ValueError with no
line or field; the schema says which field holds the impossible date, like every other problem in the file.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # libyaml's C loader is several times faster; cold start of `policybot ask` matters.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

TIMESTAMP = "tag:yaml.org,2002:timestamp"


class Loader(_SafeLoader):
    """The safe loader with dates and times left as text."""


def _as_text(loader: Loader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type] # a timestamp node is always a scalar


Loader.add_constructor(TIMESTAMP, _as_text)


def load_yaml(text: str) -> Any:
    """`text` parsed as YAML (safe: no Python objects), dates left as text. Raises `yaml.YAMLError`."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader
