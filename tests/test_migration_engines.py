"""KFCTL_ENGINE=rjsonnet gives the same bytes as go-jsonnet (issue 11): every built-in prototype with its
defaults and the variants its package's README documents, and the reference app's environments."""

from __future__ import annotations

import json
import re
import shlex

import pytest
import yaml

from kfctl.app import App
from kfctl.engine import get_engine
from kfctl.errors import KfctlError
from kfctl.objects import dump_yaml
from kfctl.prototype import parse_file
from kfctl.render import render
from tests.conftest import REPO

pytest.importorskip("rjsonnet")  # an optional engine; it is in the test requirements

REGISTRY = REPO / "registry"
# Values for the parameters a prototype requires (no default), by name.
REQUIRED = {"region": "us-east-1", "user": "alice", "trainingImage": "example.com/train:1", "s3Bucket": "bucket",
            "roleArn": "arn:aws:iam::123456789012:role/r", "outputS3Uri": "s3://bucket/out",
            "modelName": "model", "inputS3Uri": "s3://bucket/in", "image": "example.com/serve:1",
            "modelDataUrl": "s3://bucket/model.tar.gz", "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
            "parameters": [{"name": "lr", "parameterType": "double", "feasibleSpace": {"min": "0.001", "max": "0.1"}}],
            "parameterRanges": {"lr": {"type": "continuous", "min": "0.001", "max": "0.1"}}}


def documented_generates() -> list[list[str]]:
    """The `kfctl generate` commands the built-in packages' READMEs document (their variants)."""
    out = []
    for readme in sorted(REGISTRY.glob("*/README.md")):
        for block in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme.read_text(), re.S):
            for line in re.sub(r"\\\n\s*", " ", block).splitlines():
                if line.strip().startswith("kfctl generate "):
                    out.append(shlex.split(line.split(" #")[0])[2:])
    return out


def prototypes():
    packages = sorted(yaml.safe_load((REGISTRY / "registry.yaml").read_text())["libraries"])
    return [(pkg, p) for pkg in packages for p in sorted((REGISTRY / pkg / "prototypes").glob("*.jsonnet"))]


@pytest.fixture(scope="module")
def every_prototype_app(tmp_path_factory):
    from tests.conftest import _run_inprocess

    base = tmp_path_factory.mktemp("parity")
    assert _run_inprocess(["init", "app"], base).code == 0
    root = base / "app"
    comps = []
    for pkg, path in prototypes():
        assert _run_inprocess(["pkg", "install", f"kubeflow/{pkg}"], root).code == 0
        meta = parse_file(path)
        comp = f"{pkg}-{path.stem}"
        flags = []
        for p in meta.params:
            if p.default is None and p.name != "name":
                value = REQUIRED[p.name]
                flags.append(f"--{p.name}={value if isinstance(value, str) else json.dumps(value)}")
        res = _run_inprocess(["generate", meta.name, comp, *flags], root)
        assert res.code == 0, res
        comps.append(comp)
    for args in documented_generates():
        res = _run_inprocess(["generate", *args], root)
        assert res.code == 0, (args, res)
        comps.append(args[1])
    return App.load(root), comps


def both(app, env, comps=None) -> tuple[str, str]:
    """Both engines' YAML text (or error: a prototype needing more than its defaults fails alike)."""
    out = []
    for name in ("gojsonnet", "rjsonnet"):
        try:
            rendered = render(app, env, comps, engine=get_engine(name), cache=False)
        except KfctlError as err:
            out.append(f"error: {err}")
            continue
        out.append(dump_yaml(rendered.objects))
    return out[0], out[1]


def test_every_builtin_prototype_renders_the_same_bytes_with_both_engines(every_prototype_app):
    app, comps = every_prototype_app
    assert len(comps) == len(prototypes()) + len(documented_generates()) > 30
    differ, rendered = [], 0
    for comp in comps:
        go, rs = both(app, "default", [comp])
        rendered += go.startswith("---")
        if go != rs:
            differ.append(comp)
    assert differ == []
    assert rendered >= len(comps) - 2  # nearly all render objects with their defaults


def test_katib_and_volcano_config_maps_quote_as_go_jsonnet_does(every_prototype_app):
    app, comps = every_prototype_app
    for comp, cm in (("katib-katib", "katib-config"), ("volcano-volcano", "volcano-scheduler-configmap")):
        go, rs = both(app, "default", [comp])
        assert go == rs
        (obj,) = [o for o in yaml.safe_load_all(rs) if o and o["kind"] == "ConfigMap" and o["metadata"]["name"] == cm]
        text = next(iter(obj["data"].values()))
        assert ': "' in text  # go-jsonnet quotes string values even with quote_keys=false


@pytest.mark.parametrize("env", ["nocloud", "cloud", "gke", "aks"])
def test_reference_app_renders_the_same_bytes_with_both_engines(env):
    go, rs = both(App.load(REPO), env)
    assert go == rs and go.count("\n---") > 30


KEYS = ["a", "ALL", "-x", "1", "1_", "1_0", "1.", ".5", "1e5", "0x1F", "0X1", "a0x", "b0x1", "0b1", "0o7", "2019-01-01",
        "0-1", "--", "-", "", "y", "Yes", "NaN", "-inf", "null", "~", "é", "b c", "a/b.c_d-e", "12:30", "x#y"]


@pytest.mark.parametrize("call", ["std.manifestYamlDoc(v, quote_keys=false)", "std.manifestYamlDoc(v, true, false)",
                                  "std.manifestYamlStream([v, v], quote_keys=false)", "std.manifestYamlDoc(v)",
                                  "std.manifestYamlStream([v], false, false)"])
def test_manifest_yaml_is_go_jsonnet_exact_under_rjsonnet(call, tmp_path):
    from kfctl.engine import Request

    value = {k: v for k, v in zip(KEYS, ["x", 1, "multi\nline\n", {"k": "v\n", '"q": x': ["p\nq\n", "|"]}, [1, [2, "z"]],
                                          True, None, 0.5, {}, []] * 4)}
    (tmp_path / "m.jsonnet").write_text(f"local v = {json.dumps(value)};\n{call}\n")
    go, rs = (json.loads(get_engine(n).evaluate(Request(filename=str(tmp_path / "m.jsonnet"))))
              for n in ("gojsonnet", "rjsonnet"))
    assert go == rs
