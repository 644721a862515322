"""What `show` and `export` print: multi-line strings as `|` block scalars (as kubectl and Tanka print them),
every string loads back unchanged, YAML and JSON output hold the same objects, same input -> same bytes."""

from __future__ import annotations

import json

import pytest
import yaml

from kfctl.objects import dump_json, dump_yaml

# Strings a block scalar cannot always hold as-is: libyaml must fall back to a quoted form for those, and
# every one must load back equal.
TRICKY = {
    "plain": "hello",
    "multi": "line one\nline two\n",
    "no-final-newline": "a\nb",
    "two-final-newlines": "a\nb\n\n",
    "only-newline": "\n",
    "leading-newline": "\nstarts with a break\n",
    "leading-spaces": "   indented first line\nsecond\n",
    "trailing-spaces-on-a-line": "a   \nb\n",
    "trailing-space-at-end": "a\nb ",
    "tab-inside": "key:\tvalue\nnext\n",
    "tab-leading": "\tindented with a tab\nx\n",
    "blank-lines-between": "a\n\n\nb\n",
    "unicode": "grüße ✓ 日本\nzweite Zeile\n",
    "yaml-lookalikes": "- not a list\nkey: not a map\n# not a comment\n---\n...\n",
    "crlf": "windows\r\nline\r\n",
    "looks-like-bool": "yes",
    "looks-like-number": "0123",
    "looks-like-null": "null",
    "empty": "",
    "colon-space": "a: b",
}


def configmap(data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "annotations": {"note": "x\ny\n"}},
            "data": data}


def test_every_string_loads_back_unchanged_and_yaml_equals_json():
    objs = [configmap(TRICKY), {"apiVersion": "v1", "kind": "List", "metadata": {"name": "l"},
                                "items": [], "n": 3, "f": 1.5, "t": True, "z": None, "neg": -7}]
    text = dump_yaml(objs)
    loaded = list(yaml.safe_load_all(text))
    assert loaded == objs
    assert loaded == json.loads(dump_json(objs))["items"]


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_each_tricky_string_alone_round_trips(name):
    obj = configmap({"v": TRICKY[name]})
    assert list(yaml.safe_load_all(dump_yaml([obj]))) == [obj]


def test_multi_line_strings_are_block_scalars():
    text = dump_yaml([configmap({"app.conf": "[server]\nport = 80\n\n[log]\nlevel = info\n", "one": "a\nb"})])
    assert "  app.conf: |\n    [server]\n    port = 80\n\n    [log]\n    level = info\n" in text
    assert "  one: |-\n    a\n    b\n" in text
    assert "    note: |\n      x\n      y\n" in text
    assert "\\n" not in text


def test_output_is_deterministic_keys_sorted_and_alias_free():
    shared = {"app": "x"}
    obj = {"kind": "Service", "apiVersion": "v1", "metadata": {"name": "s", "labels": shared},
           "spec": {"selector": shared}}
    a = dump_yaml([obj])
    assert a == dump_yaml([json.loads(json.dumps(obj))])
    assert "&" not in a and "*" not in a  # a shared dict is printed twice, never as an anchor/alias
    assert a.index("apiVersion") < a.index("kind") < a.index("metadata") < a.index("spec")
    assert a.startswith("---\n") and dump_yaml([]) == ""


MULTILINE_COMPONENT = """\
{
  apiVersion: "v1", kind: "ConfigMap",
  metadata: {name: "cfg"},
  data: %s,
}
"""


def test_show_prints_block_scalars_and_the_same_objects_as_json(kfctl, new_app):
    app = new_app()
    (app / "components" / "cfg.jsonnet").write_text(MULTILINE_COMPONENT % json.dumps(TRICKY))
    res = kfctl("show", "default", cwd=app)
    assert res.code == 0, res
    assert "  multi: |\n    line one\n    line two\n" in res.out
    as_json = kfctl("show", "default", "-o", "json", cwd=app)
    assert as_json.code == 0, as_json
    from_yaml = [d for d in yaml.safe_load_all(res.out) if d]
    assert from_yaml == json.loads(as_json.out)["items"]
    assert from_yaml[0]["data"] == TRICKY
    again = kfctl("show", "default", "--no-cache", cwd=app)
    assert again.out == res.out


def test_export_writes_block_scalars(kfctl, new_app, tmp_path):
    app = new_app()
    (app / "components" / "cfg.jsonnet").write_text(MULTILINE_COMPONENT % json.dumps(TRICKY))
    out = tmp_path / "exported"
    res = kfctl("export", "default", str(out), cwd=app)
    assert res.code == 0, res
    files = [p for p in out.rglob("*.yaml")]
    assert len(files) == 1
    text = files[0].read_text()
    assert "  multi: |\n    line one\n    line two\n" in text
    assert yaml.safe_load(text)["data"] == TRICKY


SIZED_COMPONENT = """\
local p = std.extVar('__ksonnet/params').components['%(name)s'];
{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: p.name}, data: {conf: 'a = %%d\\nb = 2\\n' %% p.n}}
"""


def sized_app(new_app, n: int):
    app = new_app(f"app{n}")
    blocks = []
    for i in range(n):
        name = f"c{i:03d}"
        (app / "components" / f"{name}.jsonnet").write_text(SIZED_COMPONENT % {"name": name})
        blocks.append(f'    {name}: {{name: "{name}", n: {i}}},')
    (app / "components" / "params.libsonnet").write_text(
        "{\n  global: {},\n  components: {\n" + "\n".join(blocks) + "\n  },\n}\n")
    return app


@pytest.mark.parametrize("n, auto", [(3, "gojsonnet"), (60, "rjsonnet")])
def test_the_engine_is_chosen_by_size_and_both_print_the_same_bytes(new_app, monkeypatch, n, auto):
    from kfctl.app import App
    from kfctl.render import engine_name, render

    app = App.load(sized_app(new_app, n))
    env = app.environment("default")
    monkeypatch.delenv("KFCTL_ENGINE", raising=False)
    assert engine_name(app, env, None) == auto
    assert engine_name(app, env, ["c001"]) == "gojsonnet"  # one selected component is a small render
    texts = {}
    for name in ("gojsonnet", "rjsonnet", ""):
        monkeypatch.setenv("KFCTL_ENGINE", name)
        assert engine_name(app, env, None) == (name or auto)
        texts[name] = dump_yaml(render(app, "default", cache=False).objects)
    assert texts["gojsonnet"] == texts["rjsonnet"] == texts[""]
    objs = list(yaml.safe_load_all(texts[""]))
    assert len(objs) == n and objs[-1]["data"]["conf"] == f"a = {n - 1}\nb = 2\n"
