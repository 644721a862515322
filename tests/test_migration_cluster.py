"""Two components rendering the same object, against the real control plane (issue 11): apply and diff
follow render's rule (the later component wins, with a warning); --strict stops before any change."""

from __future__ import annotations

import pytest

from tests.test_cluster_apply import capp  # noqa: F401 - the cluster app fixture

pytestmark = pytest.mark.cluster


def _two_components(capp, beta_value="from-beta"):  # noqa: F811
    capp.component("alpha", '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "shared"}, data: {v: "from-alpha"}}\n')
    capp.component("beta", '{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "shared", namespace: "%s"}, '
                           'data: {v: "%s"}}\n' % (capp.ns, beta_value))


def test_apply_and_diff_keep_the_later_component_with_a_warning(capp):  # noqa: F811
    _two_components(capp)
    res = capp.run("apply", "default", "--strict")
    assert res.code == 1 and "'alpha' and 'beta'" in res.err, res
    assert capp.cm("shared") is None  # nothing was applied
    res = capp.run("apply", "default", "--prune")
    assert res.code == 0, res
    assert "1 created, 0 changed, 0 unchanged, 0 pruned" in res.out, res
    assert "warning" in res.err and "'alpha' and 'beta'" in res.err and "'beta') wins" in res.err, res
    cm = capp.cm("shared")
    assert cm["data"] == {"v": "from-beta"} and cm["metadata"]["labels"]["ksonnet.io/component"] == "beta"
    res = capp.run("diff", "default")
    assert res.code == 0 and res.out == "", res
    _two_components(capp, "changed")
    res = capp.run("diff", "default")
    assert res.code == 10, res
    changed = [ln for ln in res.out.splitlines() if ln.startswith(("+", "-")) and not ln.startswith(("+++", "---"))]
    assert changed == ["-  v: from-beta", "+  v: changed"], res.out
