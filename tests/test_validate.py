"""`kfctl validate`: Kubernetes schemas, removed apiVersions, custom resources against CRDs in the render."""

from __future__ import annotations

import json
import os
import time

import pytest
import yaml

from kfctl.validate import crd_to_jsonschema, pick_schema_version, shipped_versions, validate_objects
from tests.conftest import assert_clean_failure, tree_digest
from tests.test_gitops import write_app


def _set_k8s_version(app, version):
    data = yaml.safe_load((app / "app.yaml").read_text())
    for spec in data["environments"].values():
        spec["k8sVersion"] = version
    (app / "app.yaml").write_text(yaml.safe_dump(data, sort_keys=False))


def test_a_valid_app_passes(kfctl, new_app):
    app = write_app(new_app("ml"))
    res = kfctl("validate", "default", cwd=app)
    assert res.code == 0, res
    assert res.out == ""
    assert "8 of 8 objects valid" in res.err  # every object, custom resources included, was checked


def test_a_broken_deployment_is_caught_with_object_field_and_reason(kfctl, new_app):
    app = write_app(new_app("ml"))
    comp = app / "components" / "kubeflow-core.jsonnet"
    text = comp.read_text()
    text = text.replace("replicas: params.replicas", 'replicas: "two"')
    text = text.replace('image: params.image, ports', 'image: params.image, imagePullPolicy: "Always", imag: "x", ports')
    comp.write_text(text)
    before = tree_digest(app)
    res = kfctl("validate", "default", cwd=app)
    assert_clean_failure(res, before=before, root=app, contains="1 of 8 objects in environment 'default' are invalid")
    lines = res.out.splitlines()
    assert 'error: Deployment.apps core: spec.replicas: expected integer, got string "two"' in lines
    assert "error: Deployment.apps core: spec.template.spec.containers[0].imag: unknown field" in lines
    assert len(lines) == 2


def test_a_broken_custom_resource_is_checked_against_its_crd_in_the_render(kfctl, new_app):
    app = write_app(new_app("ml"))
    comp = app / "components" / "widget.jsonnet"
    comp.write_text(comp.read_text().replace("spec: {size: params.size, color: params.color}",
                                              'spec: {size: 0, color: "green", port: "http", extra: 1}'))
    res = kfctl("validate", "default", cwd=app)
    assert_clean_failure(res)
    lines = res.out.splitlines()
    assert "error: Widget.example.com w1: spec.size: 0 is less than the minimum of 1" in lines
    assert 'error: Widget.example.com w1: spec.color: "green" is not one of: "red", "blue"' in lines
    assert "error: Widget.example.com w1: spec.extra: unknown field" in lines
    assert not any("port" in ln for ln in lines)  # x-kubernetes-int-or-string accepts a string
    assert not any("Gadget" in ln for ln in lines)  # preserve-unknown-fields accepts anything


def test_a_custom_resource_of_a_version_its_crd_lacks(kfctl, new_app):
    app = write_app(new_app("ml"))
    comp = app / "components" / "widget.jsonnet"
    comp.write_text(comp.read_text().replace('apiVersion: "example.com/v1", kind: "Widget"',
                                              'apiVersion: "example.com/v2", kind: "Widget"'))
    res = kfctl("validate", "default", cwd=app)
    assert_clean_failure(res)
    assert "its CRD widgets.example.com does not define version v2 (it defines: v1)" in res.out


def test_removed_api_versions_are_flagged_by_name(kfctl, new_app):
    app = write_app(new_app("ml"))
    (app / "components" / "legacy.jsonnet").write_text(
        '{apiVersion: "extensions/v1beta1", kind: "Deployment", metadata: {name: "old"},'
        ' spec: {template: {spec: {containers: [{name: "c", image: "i"}]}}}}\n')
    res = kfctl("validate", "default", cwd=app)
    assert_clean_failure(res)
    assert ("error: Deployment.extensions old: apiVersion: extensions/v1beta1 Deployment is no longer served "
            "since Kubernetes 1.16") in res.out
    assert "use apps/v1" in res.out


def test_an_old_k8s_version_is_checked_against_the_oldest_shipped_schemas(kfctl, new_app):
    app = write_app(new_app("ml"))
    _set_k8s_version(app, "v1.8.0")
    res = kfctl("validate", "default", cwd=app)
    assert res.code == 0, res
    oldest = shipped_versions()[0]
    assert f"Kubernetes 1.8 is older than the oldest shipped schemas; checking against " \
           f"{oldest[0]}.{oldest[1]}" in res.err
    # --kube-version overrides the environment's.
    res = kfctl("validate", "default", "--kube-version", "1.30.2", "-o", "json", cwd=app)
    assert json.loads(res.out)["schemaVersion"] == "1.30"


def test_autoscaling_v2beta2_is_an_error_on_new_kubernetes_and_a_warning_on_old():
    hpa = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "d"}, "maxReplicas": 3}}
    old = validate_objects([hpa], kube_version="1.25")
    assert old.ok and "removed in 1.26" in str(old.warnings[0])
    new = validate_objects([hpa], kube_version="1.30")
    assert not new.ok and "no longer served since Kubernetes 1.26" in str(new.errors[0])


def test_custom_resources_without_their_crd_are_counted_warnings_never_valid(kfctl, new_app):
    app = write_app(new_app("ml"))
    (app / "components" / "crds.jsonnet").unlink()
    res = kfctl("validate", "default", cwd=app)
    assert res.code == 0, res
    assert ("warning: Widget.example.com w1: not validated: custom resource; its CRD is not in this environment"
            in res.out.splitlines()), res
    assert "4 of 6 objects valid; 2 not validated (see the warnings)" in res.err, res


def test_validate_one_component_uses_the_environments_crds(kfctl, new_app):
    app = write_app(new_app("ml"))
    # The CRDs come from component `crds`; validating `widget` alone checks its resources against them.
    res = kfctl("validate", "default", "-c", "widget", cwd=app)
    assert res.code == 0, res
    assert "not validated" not in res.out + res.err, res
    n = len([d for d in yaml.safe_load_all(kfctl("show", "default", "-c", "widget", cwd=app).out) if d])
    assert f"{n} of {n} objects valid (" in res.err, res
    comp = app / "components" / "widget.jsonnet"
    comp.write_text(comp.read_text().replace("spec: {size: params.size, color: params.color}",
                                              'spec: {size: 0, color: params.color}'))
    res = kfctl("validate", "default", "-c", "widget", cwd=app)
    assert res.code == 1 and "spec.size: 0 is less than the minimum of 1" in res.out, res


def test_unknown_environment_and_bad_version_fail_cleanly(kfctl, new_app):
    app = write_app(new_app("ml"))
    assert_clean_failure(kfctl("validate", "prod", cwd=app), contains="unknown environment 'prod'")
    assert_clean_failure(kfctl("validate", "default", "--kube-version", "latest", cwd=app),
                         contains="cannot read Kubernetes version 'latest'")


def test_schema_version_choice():
    shipped = shipped_versions()
    assert pick_schema_version(f"v{shipped[-1][0]}.{shipped[-1][1]}.4") == (shipped[-1], None)
    version, note = pick_schema_version("v1.99.0")
    assert version == shipped[-1] and "newest shipped" in note


def test_crd_schema_conversion_handles_openapi_v3_extensions():
    schema = crd_to_jsonschema({"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "n": {"type": "integer", "maximum": 5, "exclusiveMaximum": True},
        "opt": {"type": "string", "nullable": True},
        "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    }}}})
    from jsonschema import Draft202012Validator

    v = Draft202012Validator({k: val for k, val in schema.items() if k != "properties"} | {
        "properties": {"spec": schema["properties"]["spec"]}})
    assert v.is_valid({"spec": {"n": 4, "opt": None, "free": {"x": 1}}})
    assert not v.is_valid({"spec": {"n": 5}})  # exclusive maximum
    assert not v.is_valid({"spec": {"other": 1}})  # unknown field


def test_validators_are_cached_and_fast_after_the_first_object():
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"},
           "spec": {"ports": [{"port": 80, "targetPort": "http"}], "selector": {"a": "b"}}}
    validate_objects([svc])
    objs = [json.loads(json.dumps(svc)) for _ in range(300)]
    start = time.perf_counter()
    report = validate_objects(objs)
    per = (time.perf_counter() - start) / len(objs)
    assert report.ok and report.checked == 300
    assert per < 0.005, f"{per * 1000:.2f} ms per object"  # generous for loaded CI machines; bench measures


@pytest.mark.cluster
def test_cluster_dry_run_reports_what_the_server_rejects(kfctl_proc, new_app, request):
    kube = request.getfixturevalue("kube_cluster")
    ns = request.getfixturevalue("kube_namespace")
    app = write_app(new_app("ml"), namespace=ns)
    data = yaml.safe_load((app / "app.yaml").read_text())
    data["environments"]["default"]["destination"]["server"] = kube.server
    (app / "app.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    env = kube.env({**os.environ, "KFCTL_NO_CACHE": "1"})
    ok = kfctl_proc("validate", "default", "--cluster", cwd=app, env=env)
    assert ok.code == 0, ok
    assert "server-side dry run" in ok.err
    # Something only the server knows: a Service port out of range passes the schema but not the API server.
    comp = app / "components" / "kubeflow-core.jsonnet"
    comp.write_text(comp.read_text().replace("ports: [{port: 80, targetPort: 8080}]",
                                             "ports: [{port: 99999, targetPort: 8080}]"))
    bad = kfctl_proc("validate", "default", "--cluster", cwd=app, env=env)
    assert bad.code == 1, bad
    assert (f"error: Service {ns}/core: spec.ports[0].port: Invalid value: 99999: must be between 1 and 65535, "
            "inclusive (API server)") in bad.out.splitlines()


def test_validate_never_prints_secret_values(new_app, kfctl):
    root = new_app("sec")
    (root / "components" / "s.jsonnet").write_text(
        '{apiVersion: "v1", kind: "Secret", metadata: {name: "s"}, stringData: {token: 12345678}}\n')
    res = kfctl("validate", "default", cwd=root)
    assert res.code == 1 and "stringData.token" in res.out + res.err
    assert "12345678" not in res.out + res.err


# ----------------------------------------------------------------------------- what the schemas leave out


def _pod(**spec):
    container = {"name": "c", "image": "busybox", **spec.pop("container", {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [container], **spec}}


@pytest.mark.parametrize("obj,path,value", [
    (_pod(container={"resources": {"limits": {"memory": "16GB"}}}), "spec.containers[0].resources.limits.memory", "16GB"),
    (_pod(container={"resources": {"requests": {"cpu": "two"}}}), "spec.containers[0].resources.requests.cpu", "two"),
    ({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
      "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10 Gi"}}}},
     "spec.resources.requests.storage", "10 Gi"),
    ({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"}, "spec": {"hard": {"pods": "1O"}}},
     "spec.hard.pods", "1O"),
])
def test_resource_quantities_are_checked_offline(obj, path, value):
    report = validate_objects([obj], kube_version="1.36")
    assert [(p.path, p.reason) for p in report.errors] == [
        (path, f'"{value}" is not a Kubernetes quantity (e.g. 16Gi, 500M, 1.5, 250m)')]


def test_valid_quantities_pass():
    for q in ("16Gi", "500M", "1.5", ".5", "250m", "1e3", "2", 2, 0.5, "100Ki", "+1", "1E-3", "8Ei", "3n"):
        report = validate_objects([_pod(container={"resources": {"limits": {"cpu": q, "memory": q}}})],
                                  kube_version="1.36")
        assert report.ok, (q, report.problems)


@pytest.mark.parametrize("obj,path,value", [
    (_pod(container={"imagePullPolicy": "Sometimes"}), "spec.containers[0].imagePullPolicy", "Sometimes"),
    (_pod(restartPolicy="Nevr"), "spec.restartPolicy", "Nevr"),
    (_pod(dnsPolicy="ClusterFirstt"), "spec.dnsPolicy", "ClusterFirstt"),
    (_pod(container={"ports": [{"containerPort": 80, "protocol": "tcp"}]}), "spec.containers[0].ports[0].protocol",
     "tcp"),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "Nodeport", "ports": [
        {"port": 80}]}}, "spec.type", "Nodeport"),
    ({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
      "spec": {"accessModes": ["ReadWriteAll"], "resources": {"requests": {"storage": "1Gi"}}}},
     "spec.accessModes[0]", "ReadWriteAll"),
    ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {
        "selector": {"matchLabels": {"a": "b"}}, "strategy": {"type": "Rolling"},
        "template": {"metadata": {"labels": {"a": "b"}}, "spec": _pod()["spec"]}}}, "spec.strategy.type", "Rolling"),
    ({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "j"}, "spec": {
        "schedule": "* * * * *", "concurrencyPolicy": "Never",
        "jobTemplate": {"spec": {"template": {"spec": _pod(restartPolicy="Never")["spec"]}}}}},
     "spec.concurrencyPolicy", "Never"),
])
def test_api_enums_are_checked_offline(obj, path, value):
    report = validate_objects([obj], kube_version="1.36")
    assert [p.path for p in report.errors] == [path], report.problems
    assert report.errors[0].reason.startswith(f'"{value}" is not one of: ')


def test_enums_and_quantities_through_the_cli(kfctl, new_app):
    app = write_app(new_app("ml"))
    comp = app / "components" / "kubeflow-core.jsonnet"
    comp.write_text(comp.read_text().replace(
        'image: params.image, ports',
        'image: params.image, imagePullPolicy: "Sometimes", resources: {limits: {memory: "16GB"}}, ports'))
    res = kfctl("validate", "default", cwd=app)
    assert_clean_failure(res, contains="1 of 8 objects in environment 'default' are invalid")
    assert res.out.splitlines() == [
        'error: Deployment.apps core: spec.template.spec.containers[0].imagePullPolicy: "Sometimes" is not one of: '
        '"Always", "IfNotPresent", "Never"',
        'error: Deployment.apps core: spec.template.spec.containers[0].resources.limits.memory: "16GB" is not a '
        'Kubernetes quantity (e.g. 16Gi, 500M, 1.5, 250m)']
