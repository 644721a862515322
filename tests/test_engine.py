"""The jsonnet engine interface: natives, import-path order, error locations, rjsonnet parity."""

from __future__ import annotations

import json
import textwrap

import pytest

from kfctl.engine import Request, get_engine, normalise_error
from kfctl.errors import EngineError

ENGINES = ["gojsonnet", "rjsonnet"]


@pytest.mark.parametrize("name", ENGINES)
def test_natives(name, tmp_path):
    src = textwrap.dedent("""\
        local n = std.native;
        {
          yaml: n("parseYaml")("a: 1\\n---\\nb: [x, y]\\n"),
          json: n("parseJson")('{"k": [1, 2]}'),
          my: n("manifestYaml")({b: 1, a: "x"}),
          mj: std.parseJson(n("manifestJson")({a: [1]})),
          match: [n("regexMatch")("^ab+c$", "abbbc"), n("regexMatch")("^x", "abc")],
          subst: n("regexSubst")("(a)(b)", "xaby", "${2}$1"),
          esc: n("escapeStringRegex")("a.b*c"),
        }
        """)
    out = json.loads(get_engine(name).evaluate(Request(filename=str(tmp_path / "n.jsonnet"), snippet=src)))
    assert out["yaml"] == [{"a": 1}, {"b": ["x", "y"]}]
    assert out["json"] == {"k": [1, 2]}
    assert out["my"] == "a: x\nb: 1\n"
    assert out["mj"] == {"a": [1]}
    assert out["match"] == [True, False]
    assert out["subst"] == "xbay"
    assert out["esc"] == r"a\.b\*c"


@pytest.mark.parametrize("name", ENGINES)
def test_last_import_path_wins(name, tmp_path):
    for d in ("low", "high"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.libsonnet").write_text(json.dumps(d))
    out = get_engine(name).evaluate(Request(filename=str(tmp_path / "m.jsonnet"), snippet='import "x.libsonnet"',
                                            jpaths=[str(tmp_path / "low"), str(tmp_path / "high")]))
    assert json.loads(out) == "high"


@pytest.mark.parametrize("name", ENGINES)
def test_errors_carry_file_line_col(name, tmp_path):
    bad = tmp_path / "comp.jsonnet"
    bad.write_text('{\n  a: 1,\n  b: error "boom",\n}\n')
    with pytest.raises(EngineError) as info:
        get_engine(name).evaluate(Request(filename=str(bad)), base=tmp_path)
    assert str(info.value) == "comp.jsonnet:3:6: boom"
    syn = tmp_path / "syn.jsonnet"
    syn.write_text("{\n a: ,\n}\n")
    with pytest.raises(EngineError) as info:
        get_engine(name).evaluate(Request(filename=str(syn)), base=tmp_path)
    assert str(info.value).startswith("syn.jsonnet:2:5: ")


def test_normalise_error_shapes():
    e = normalise_error("RUNTIME ERROR: field does not exist: x\n\t/app/c/a.jsonnet:4:10-17\tobject <x>\n", None)
    assert (e.where, e.message) == ("/app/c/a.jsonnet:4:10", "field does not exist: x")
    e = normalise_error("STATIC ERROR: /app/x.jsonnet:1:2-3: Unknown variable: q", None)
    assert (e.where, e.message) == ("/app/x.jsonnet:1:2", "Unknown variable: q")


def test_unknown_engine():
    with pytest.raises(EngineError, match="unknown engine"):
        get_engine("nope")


def test_object_natives_under_default_engine_and_errors_after_them(tmp_path):
    ok = get_engine("gojsonnet").evaluate(Request(filename=str(tmp_path / "a.jsonnet"),
                                                  snippet='std.native("manifestJson")({a: [1, 2]})'))
    assert json.loads(json.loads(ok)) == {"a": [1, 2]}
    bad = tmp_path / "b.jsonnet"
    bad.write_text('local s = std.native("manifestYaml")({a: 1});\n{x: s, y: error "later"}\n')
    with pytest.raises(EngineError) as info:
        get_engine("gojsonnet").evaluate(Request(filename=str(bad)), base=tmp_path)
    assert "later" in str(info.value)


def test_multi_line_user_errors_stay_on_one_line(tmp_path):
    bad = tmp_path / "m.jsonnet"
    bad.write_text('error "first\\nsecond"\n')
    with pytest.raises(EngineError) as info:
        get_engine("gojsonnet").evaluate(Request(filename=str(bad)), base=tmp_path)
    text = str(info.value)
    assert "\n" not in text and "first" in text and "second" in text and text.startswith("m.jsonnet:1:1")
