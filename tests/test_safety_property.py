"""Issue 9, proof: a property test on the real control plane.

Random step sequences over two apps (B is a `cp -r` copy of A: same id, same name), two environments
each, namespaces that change, hand-made objects (plain, labelled like a component, custom resources of
the CRD the app renders), component removal, `apply` / `apply --prune` / `delete` -- never with an
override flag (--adopt, --prune-moved, --delete-contents, --force-conflicts).

Invariant after every kfctl step: every object that changed or disappeared carried, before the step,
the ownership of the acting app+environment at its current destination (its app-id and environment
labels, and its ApplySet); and every refusal is one error line naming an object.

Bounded for CI: derandomized, KFCTL_PROPERTY_EXAMPLES examples (default 8) of 4 to 8 steps; set
the variable higher for a longer search.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import textwrap
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kfctl.ownership import Identity

pytestmark = pytest.mark.cluster

EXAMPLES = int(os.environ.get("KFCTL_PROPERTY_EXAMPLES", "8"))
APPS = ("A", "B")
ENVS = ("e1", "e2")
NAMESPACES = 2

CMS = """\
[{apiVersion: "v1", kind: "ConfigMap", metadata: {name: "cm-%d" % i}, data: {i: std.toString(i)}}
 for i in [1, 2, 3]]
"""


def _crd_component(group: str) -> str:
    return textwrap.dedent(f"""\
        [{{apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
          metadata: {{name: "widgets.{group}"}},
          spec: {{group: "{group}", scope: "Namespaced",
                 names: {{plural: "widgets", singular: "widget", kind: "Widget"}},
                 versions: [{{name: "v1", served: true, storage: true,
                             schema: {{openAPIV3Schema: {{type: "object",
                                                         "x-kubernetes-preserve-unknown-fields": true}}}}}}]}}}}]
        """)


def _widget_component(group: str) -> str:
    return f'{{apiVersion: "{group}/v1", kind: "Widget", metadata: {{name: "w1"}}, spec: {{n: 1}}}}\n'


_apply = st.tuples(st.just("apply"), st.sampled_from(APPS), st.sampled_from(ENVS), st.booleans())
steps = st.one_of(
    _apply, _apply,  # applies (half of them with --prune) are what can do harm: draw them more often
    st.tuples(st.just("delete"), st.sampled_from(APPS), st.sampled_from(ENVS)),
    st.tuples(st.just("move"), st.sampled_from(APPS), st.sampled_from(ENVS), st.integers(0, NAMESPACES - 1)),
    st.tuples(st.just("toggle"), st.sampled_from(APPS), st.sampled_from(("cms", "crd", "widgets"))),
    st.tuples(st.just("hand"), st.sampled_from(("plain", "component-like", "custom-resource")),
              st.integers(0, NAMESPACES - 1)),
)


class World:
    """Two apps on the test cluster and what is live in their namespaces."""

    def __init__(self, kfctl, cluster):
        self.kfctl = kfctl
        self.cluster = cluster
        tag = uuid.uuid4().hex[:8]
        self.namespaces = [f"kfctl-prop-{tag}-{i}" for i in range(NAMESPACES)]
        cluster._namespaces.extend(self.namespaces)
        self.group = f"p{tag}.example.com"
        self.tmp = Path(tempfile.mkdtemp(prefix="kfctl-prop-"))
        self.roots: dict[str, Path] = {}
        self.ns_of: dict[tuple[str, str], str] = {}
        self.hand_count = 0

    def run(self, app, *args):
        return self.kfctl(*args, cwd=self.roots[app], env={"KUBECONFIG": self.cluster.kubeconfig})

    def setup(self):
        res = self.kfctl("init", "A", cwd=self.tmp)
        assert res.code == 0, res
        self.roots["A"] = self.tmp / "A"
        for env, ns in (("e1", self.namespaces[0]), ("e2", self.namespaces[1])):
            res = self.run("A", "env", "add", env, "--server", self.cluster.server, "--namespace", ns)
            assert res.code == 0, res
            self.ns_of[("A", env)] = ns
        comps = self.roots["A"] / "components"
        (comps / "cms.jsonnet").write_text(CMS)
        (comps / "crd.jsonnet").write_text(_crd_component(self.group))
        data = yaml.safe_load((self.roots["A"] / "app.yaml").read_text())
        data["id"] = uuid.uuid4().hex[:12]  # what the first apply would write; then `cp -r`
        (self.roots["A"] / "app.yaml").write_text(yaml.safe_dump(data))
        shutil.copytree(self.roots["A"], self.tmp / "B")
        self.roots["B"] = self.tmp / "B"
        # The copy points its environments the other way round (as a user who copies an app to deploy
        # it elsewhere would): B's e1 is where A's e2 goes, and B's e2 where A's e1 goes.
        for env, ns in (("e1", self.namespaces[1]), ("e2", self.namespaces[0])):
            self.ns_of[("B", env)] = ns
            assert self.run("B", "env", "set", env, "--namespace", ns).code == 0
        self.app_id = data["id"]
        self.app_name = data["name"]

    def identity(self, app, env) -> Identity:
        return Identity(self.app_id, self.app_name, env, self.ns_of[(app, env)])

    # -- live state
    def _items(self, path, kind):
        status, body = self.cluster.request("GET", path, ok=())
        return [{**o, "kind": kind} for o in body.get("items", [])] if status == 200 else []

    def snapshot(self) -> dict[str, dict]:
        objs = []
        for ns in self.namespaces:
            objs += [o for o in self._items(f"/api/v1/namespaces/{ns}/configmaps", "ConfigMap")
                     if o["metadata"]["name"] != "kube-root-ca.crt"]
        objs += [o for o in self._items(f"/apis/{self.group}/v1/widgets", "Widget")]
        crd = self.cluster.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                                   f"widgets.{self.group}", ok=())
        if crd[0] == 200:
            objs.append(crd[1])
        out = {}
        for o in objs:
            m = o["metadata"]
            if m.get("deletionTimestamp"):
                continue
            key = f"{o['kind']} {m.get('namespace', '')}/{m['name']}"
            content = {k: v for k, v in o.items() if k not in ("metadata", "status")}
            content["labels"] = m.get("labels") or {}
            content["annotations"] = m.get("annotations") or {}
            out[key] = {"uid": m["uid"], "labels": m.get("labels") or {}, "name": m["name"],
                        "digest": hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()}
        return out

    def toggle(self, app, comp):
        path = self.roots[app] / "components" / f"{comp}.jsonnet"
        if path.exists():
            path.unlink()
        else:
            path.write_text({"cms": CMS, "crd": _crd_component(self.group),
                             "widgets": _widget_component(self.group)}[comp])

    def hand(self, what, ns_index):
        ns = self.namespaces[ns_index]
        self.cluster.request("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                            "metadata": {"name": ns}}, ok=(201, 409))
        self.hand_count += 1
        if what == "plain":  # collides with a rendered name
            body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm-1"}, "data": {"by": "hand"}}
            self.cluster.request("POST", f"/api/v1/namespaces/{ns}/configmaps", body, ok=(201, 409))
        elif what == "component-like":
            body = {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": f"hand-{self.hand_count}", "labels": {"ksonnet.io/component": "cms"}}}
            self.cluster.request("POST", f"/api/v1/namespaces/{ns}/configmaps", body, ok=(201, 409))
        else:
            body = {"apiVersion": f"{self.group}/v1", "kind": "Widget", "metadata": {"name": f"hand-{self.hand_count}"}}
            self.cluster.request("POST", f"/apis/{self.group}/v1/namespaces/{ns}/widgets", body, ok=(201, 404, 409))

    def cleanup(self):
        self.cluster.request("DELETE", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.{self.group}",
                             ok=(200, 202, 404))
        for ns in self.namespaces:
            self.cluster.request("DELETE", f"/api/v1/namespaces/{ns}", ok=(200, 202, 404))
        shutil.rmtree(self.tmp, ignore_errors=True)


def _owned_by(entry: dict, ident: Identity) -> bool:
    """Independent of kfctl's classifier: the labels say this app+environment at this destination."""
    labels = entry["labels"]
    applyset = labels.get("applyset.kubernetes.io/part-of") or labels.get("applyset.kubernetes.io/id")
    return (labels.get("kfctl.io/app-id") == ident.app_label and labels.get("kfctl.io/environment") ==
            ident.env_label and applyset in (None, ident.applyset_id))


def _check(world: World, app, env, res, before, after, step):
    ident = world.identity(app, env)
    assert res.code in (0, 1), (step, str(res))
    for key, entry in before.items():
        now = after.get(key)
        touched = now is None or now["uid"] != entry["uid"] or now["digest"] != entry["digest"]
        if touched:
            assert _owned_by(entry, ident), f"{step}: {key} was changed or deleted but belonged to {entry['labels']}"
    if res.code != 0:
        errors = [ln for ln in res.err.splitlines() if ln.startswith("kfctl: error:")]
        assert len(errors) == 1, (step, str(res))
        names = {e["name"] for e in before.values()} | {"cm-1", "cm-2", "cm-3", "w1"}
        assert any(name in errors[0] for name in names), f"{step}: refusal names no object: {errors[0]}"


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(steps, min_size=4, max_size=8))
def test_kfctl_never_touches_what_this_app_and_environment_did_not_apply(kfctl, kube_cluster, sequence):
    world = World(kfctl, kube_cluster)
    try:
        world.setup()
        # The original deploys first; then the copy and the other environment go wherever the steps say.
        first = world.run("A", "apply", "e1")
        assert first.code == 0, first
        for step in sequence:
            op = step[0]
            if op == "move":
                _, app, env, i = step
                world.ns_of[(app, env)] = world.namespaces[i]
                assert world.run(app, "env", "set", env, "--namespace", world.namespaces[i]).code == 0
            elif op == "toggle":
                world.toggle(step[1], step[2])
            elif op == "hand":
                world.hand(step[1], step[2])
            else:
                app, env = step[1], step[2]
                args = ["apply", env] + (["--prune"] if op == "apply" and step[3] else []) if op == "apply" else \
                    ["delete", env]
                before = world.snapshot()
                res = world.run(app, *args)
                after = world.snapshot()
                _check(world, app, env, res, before, after, step)
    finally:
        world.cleanup()
