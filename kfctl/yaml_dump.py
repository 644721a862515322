"""YAML text of JSON data, as kubectl and Tanka print it: libyaml's emitter, keys sorted, no anchors, and
multi-line strings as ``|`` block scalars. Used through ``objects.dump_yaml``."""

from __future__ import annotations

import yaml

_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"
_BOOL, _INT, _NULL = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:null"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """libyaml's emitter with a representer for JSON data: keys sorted, never anchors/aliases, and strings
    with a line break as ``|`` block scalars (as kubectl and Tanka print them). libyaml itself falls back to
    a double-quoted scalar where a block scalar could not hold the string exactly (a space before a line
    break, a tab or other special characters, a mapping key), so every string loads back unchanged."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resolved: dict = {}

    def represent_data(self, data):
        kind = type(data)
        if kind is str:
            return yaml.ScalarNode(_STR, data, style="|" if "\n" in data else None)
        if kind is dict:
            rep = self.represent_data
            return yaml.MappingNode(_MAP, [(rep(k), rep(v)) for k, v in sorted(data.items())], flow_style=False)
        if kind is list:
            rep = self.represent_data
            return yaml.SequenceNode(_SEQ, [rep(v) for v in data], flow_style=False)
        if kind is bool:
            return yaml.ScalarNode(_BOOL, "true" if data else "false")
        if kind is int:
            return yaml.ScalarNode(_INT, str(data))
        if data is None:
            return yaml.ScalarNode(_NULL, "null")
        return super().represent_data(data)  # floats and anything else: PyYAML's safe representation

    def resolve(self, kind, value, implicit):
        # The emitter asks, twice per scalar, which tag the scalar would load as: a non-plain one is always a
        # string, and a plain one's answer is remembered (values repeat a lot).
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:
            return _STR
        tag = self._resolved.get(value)
        if tag is None:
            tag = self._resolved[value] = super().resolve(kind, value, implicit)
        return tag

    def descend_resolver(self, current_node, current_index):
        pass  # no path-based resolvers are registered: skip the per-node bookkeeping

    def ascend_resolver(self):
        pass


def dump_documents(values: list) -> str:
    """Each value as one YAML document starting with ``---``; same values in, same bytes out."""
    return yaml.dump_all(values, Dumper=_Dumper, explicit_start=True, default_flow_style=False, width=1_000_000,
                         allow_unicode=True)
