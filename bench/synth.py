"""The synthetic app of the Tanka comparison, generated in both tools' native layouts.

    .venv/bin/python bench/synth.py OUT N      # writes OUT/kfctl (a kfctl app) and OUT/tanka (a Tanka project)

Every component renders the same three objects in both layouts: a Deployment, a Service and a ConfigMap
(whose payload is a multi-line config file), namespaced ``bench`` and labelled ``ksonnet.io/component``
with the component's name, so the two tools' outputs can be compared object for object.

* kfctl: ``components/c-NNNN.jsonnet`` per component, reading its params with
  ``std.extVar("__ksonnet/params")``; the params in ``components/params.libsonnet``; shared code in
  ``lib/synth.libsonnet``. Rendered with ``kfctl show default``.
* Tanka: ``environments/default/main.jsonnet`` builds one field per component from
  ``environments/default/params.libsonnet`` with the same ``lib/synth.libsonnet``. Rendered with
  ``tk show environments/default``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NAMESPACE = "bench"

SYNTH_LIB = """\
// One component of the synthetic benchmark app: a Deployment, a Service and a ConfigMap.
function(p) {
  local labels = {app: p.name, 'ksonnet.io/component': p.name},
  local meta = {name: p.name, namespace: '%(ns)s', labels: labels},
  deployment: {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta,
    spec: {
      replicas: p.replicas,
      selector: {matchLabels: {app: p.name}},
      template: {
        metadata: {labels: {app: p.name}},
        spec: {containers: [{
          name: 'main', image: p.image,
          ports: [{containerPort: p.port}],
          env: [{name: 'N%%d' %% i, value: std.toString(i)} for i in std.range(1, 5)],
          volumeMounts: [{name: 'config', mountPath: '/etc/app'}],
        }], volumes: [{name: 'config', configMap: {name: p.name}}]},
      },
    },
  },
  service: {
    apiVersion: 'v1', kind: 'Service', metadata: meta,
    spec: {selector: {app: p.name}, ports: [{port: 80, targetPort: p.port}]},
  },
  configmap: {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: meta,
    data: {
      'app.conf': std.join('\\n', ['[server]', 'name = %%s' %% p.name, 'port = %%d' %% p.port,
                                  '', '[log]', 'level = info', '']),
      mode: 'plain',
    },
  },
}
""" % {"ns": NAMESPACE}

KFCTL_COMPONENT = """\
local p = std.extVar('__ksonnet/params').components['%(name)s'];
local o = (import 'synth.libsonnet')(p);
[o.deployment, o.service, o.configmap]
"""

TANKA_MAIN = """\
local synth = import 'synth.libsonnet';
local params = import 'params.libsonnet';
{ [name]: synth(params[name]) for name in std.objectFields(params) }
"""


def names(n: int) -> list[str]:
    return [f"c-{i:04d}" for i in range(n)]


def params_of(i: int, name: str) -> dict:
    return {"name": name, "image": f"nginx:1.{i % 20}", "port": 8000 + i % 100, "replicas": 1 + i % 3}


def _params_text(n: int) -> str:
    return "".join(f"    {json.dumps(name)}: {json.dumps(params_of(i, name))},\n" for i, name in enumerate(names(n)))


def make_kfctl(root: Path, n: int) -> Path:
    sys.path.insert(0, str(REPO))
    from kfctl.app import init_app

    init_app(root, env="default", registries={})
    (root / "lib").mkdir(exist_ok=True)
    (root / "lib" / "synth.libsonnet").write_text(SYNTH_LIB)
    for name in names(n):
        (root / "components" / f"{name}.jsonnet").write_text(KFCTL_COMPONENT % {"name": name})
    (root / "components" / "params.libsonnet").write_text(
        "{\n  global: {},\n  components: {\n" + _params_text(n) + "  },\n}\n")
    return root


def make_tanka(root: Path, n: int) -> Path:
    env = root / "environments" / "default"
    env.mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "jsonnetfile.json").write_text('{"version": 1, "dependencies": []}\n')
    (root / "lib" / "synth.libsonnet").write_text(SYNTH_LIB)
    (env / "spec.json").write_text(json.dumps({
        "apiVersion": "tanka.dev/v1alpha1", "kind": "Environment",
        "metadata": {"name": "environments/default"},
        "spec": {"apiServer": "https://127.0.0.1:6443", "namespace": NAMESPACE},
    }, indent=2) + "\n")
    (env / "main.jsonnet").write_text(TANKA_MAIN)
    (env / "params.libsonnet").write_text("{\n" + _params_text(n) + "}\n")
    return root


def make_both(out: Path, n: int) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    return make_kfctl(out / "kfctl", n), make_tanka(out / "tanka", n)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: synth.py OUT N")
    for p in make_both(Path(sys.argv[1]), int(sys.argv[2])):
        print(p)
