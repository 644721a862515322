"""The params-file scanner and editor: text blocks, trailing comments, scanner failures through the CLI,
typing of leading-zero values, and where a broken params file is reported."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import _gojsonnet
import pytest

from kfctl import jsonnet_text as jt
from kfctl.params import parse_value
from tests.conftest import assert_clean_failure, tree_digest

CM = textwrap.dedent("""\
    local env = std.extVar("__ksonnet/environments");
    local params = std.extVar("__ksonnet/params").components.%s;
    {apiVersion: "v1", kind: "ConfigMap", metadata: {name: params.name},
     data: {value: std.toString(params.value), ns: env.namespace}}
    """)


def evaluate(text: str):
    return json.loads(_gojsonnet.evaluate_snippet("t.jsonnet", text))


def keys(text: str, lbrace: int = 0) -> list:
    return [f.key for f in jt.parse_object(text, lbrace)[0]]


def assert_only_span_changed(old: str, new: str, start: int, end: int, replacement: str) -> None:
    """Every byte outside old[start:end] is the same in ``new``."""
    assert new == old[:start] + replacement + old[end:]


# ----------------------------------------------------------------------------- text blocks

BLOCK = textwrap.dedent("""\
    {
      script: |||
        #!/bin/sh
        cat <<EOF
            |||
        EOF
      |||,
      chomped: |||-
        line
            |||
      |||,
      gaps: |||

        a

        b
      |||,
      after: 1,
    }
    """)


def test_text_block_with_an_indented_bars_line_is_one_value():
    assert evaluate(BLOCK)["script"] == "#!/bin/sh\ncat <<EOF\n    |||\nEOF\n"
    assert keys(BLOCK) == ["script", "chomped", "gaps", "after"]
    new = jt.set_field(BLOCK, 0, "after", "2")
    pos = BLOCK.index("after: 1") + len("after: ")
    assert_only_span_changed(BLOCK, new, pos, pos + 1, "2")
    assert evaluate(new)["after"] == 2
    assert evaluate(new)["chomped"] == "line\n    |||"


def test_text_block_value_is_replaced_whole_and_fields_insert_after_it():
    new = jt.set_field(BLOCK, 0, "chomped", '"short"')
    start = BLOCK.index("|||-")
    end = BLOCK.index("|||,\n  gaps") + 3
    assert_only_span_changed(BLOCK, new, start, end, '"short"')
    assert evaluate(new)["chomped"] == "short"
    added = jt.set_field(BLOCK, 0, "z", '"new"')
    assert added == BLOCK.replace("  after: 1,\n", '  after: 1,\n  z: "new",\n')


def test_text_block_is_the_last_field_without_comma():
    text = "{\n  a: |||\n    x\n        |||\n  |||\n}\n"
    new = jt.set_field(text, 0, "b", "1")
    assert new == "{\n  a: |||\n    x\n        |||\n  |||,\n  b: 1,\n}\n"
    assert evaluate(new) == {"a": "x\n    |||\n", "b": 1}


def test_unterminated_text_block_is_a_scan_error_with_a_position():
    text = "{\n  a: |||\n    x\n        |||\n}\n"
    with pytest.raises(jt.ScanError) as err:
        jt.parse_object(text, 0)
    assert err.value.pos is not None


# ----------------------------------------------------------------------------- trailing comments

COMMENTS = {"//": "// the name", "#": "# the name", "/* */": "/* the name */"}


@pytest.mark.parametrize("style", sorted(COMMENTS))
def test_set_last_field_keeps_its_trailing_comment(style):
    comment = COMMENTS[style]
    text = f'{{\n  cm: {{\n    data: 1,\n    name: "cm" {comment}\n  }},\n}}\n'
    lbrace = text.index("{", 1)
    new = jt.set_field(text, lbrace, "name", '"other"')
    pos = text.index('"cm"')
    assert_only_span_changed(text, new, pos, pos + 4, '"other"')
    assert evaluate(new) == {"cm": {"data": 1, "name": "other"}}


@pytest.mark.parametrize("style", sorted(COMMENTS))
def test_insert_after_last_field_with_trailing_comment(style):
    comment = COMMENTS[style]
    text = f'{{\n  cm: {{\n    data: 1,\n    name: "cm" {comment}\n  }},\n}}\n'
    lbrace = text.index("{", 1)
    new = jt.set_field(text, lbrace, "image", '"x"')
    assert new == f'{{\n  cm: {{\n    data: 1,\n    name: "cm", {comment}\n    image: "x",\n  }},\n}}\n'
    assert evaluate(new) == {"cm": {"data": 1, "name": "cm", "image": "x"}}


@pytest.mark.parametrize("style", sorted(COMMENTS))
def test_insert_after_last_field_with_comma_and_comment(style):
    comment = COMMENTS[style]
    text = f'{{\n  a: 1, {comment}\n  // a note on its own line\n}}\n'
    new = jt.set_field(text, 0, "b", "2")
    assert new == f'{{\n  a: 1, {comment}\n  b: 2,\n  // a note on its own line\n}}\n'


def test_comment_between_value_and_comma_stays_outside_the_span():
    text = "{\n  a: [1, 2] /* keep */ , b: 3 // tail\n}\n"
    new = jt.set_field(text, 0, "a", "[9]")
    assert new == "{\n  a: [9] /* keep */ , b: 3 // tail\n}\n"
    new = jt.set_field(text, 0, "b", "4")
    assert new == "{\n  a: [1, 2] /* keep */ , b: 4 // tail\n}\n"
    assert evaluate(new) == {"a": [1, 2], "b": 4}


def test_value_span_ends_at_the_expression():
    text = '{\n  a: "x" + "y"   # c\n}\n'
    (field,), _ = jt.parse_object(text, 0)
    assert text[field.value_start:field.value_end] == '"x" + "y"'
    assert not field.has_comma


def test_remove_field_takes_its_own_line_and_comment_only():
    text = "{\n  // about a\n  a: 1, // a's note\n  b: 2 # b's note\n}\n"
    new, found = jt.remove_field(text, 0, "a")
    assert found and new == "{\n  // about a\n  b: 2 # b's note\n}\n"
    new, found = jt.remove_field(text, 0, "b")
    assert found and new == "{\n  // about a\n  a: 1, // a's note\n}\n"
    assert evaluate(new) == {"a": 1}


# ----------------------------------------------------------------------------- CLI: scanner failures


@pytest.fixture
def app(new_app, kfctl):
    root = new_app("app")
    (root / "components" / "cm.jsonnet").write_text(CM % "cm", encoding="utf-8")
    assert kfctl("param", "set", "cm", "name", "my-cm", cwd=root).code == 0
    assert kfctl("param", "set", "cm", "value", "one", "--new", cwd=root).code == 0
    return root


def break_params(app: Path) -> tuple[int, int]:
    """Make components/params.libsonnet unbalanced; return the line and column of the stray brace."""
    path = app / "components" / "params.libsonnet"
    text = path.read_text(encoding="utf-8")
    assert "components: {\n" in text
    text = text.replace("components: {\n", "components: {{\n", 1)
    path.write_text(text, encoding="utf-8")
    pos = text.index("{{") + 1
    return text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)


@pytest.mark.parametrize("args", [
    ("param", "set", "cm", "value", "two"),
    ("param", "set", "cm", "newkey", "two", "--new"),
    ("param", "unset", "cm", "value"),
    ("component", "rm", "cm"),
    ("generate", "configMap", "cm2", "--data", '{"a": "b"}'),
])
def test_unbalanced_params_file_fails_cleanly(app, kfctl, args):
    line, col = break_params(app)
    before = tree_digest(app)
    res = kfctl(*args, cwd=app)
    assert_clean_failure(res, before=before, root=app, code=1)
    lines = [ln for ln in res.err.splitlines() if ln.strip()]
    assert len(lines) == 1, res
    assert lines[0].startswith(f"kfctl: error: components/params.libsonnet:{line}:{col}: "), res
    assert "Jsonnet" in lines[0], res


def test_unbalanced_env_params_fails_cleanly(app, kfctl):
    path = app / "environments" / "default" / "params.libsonnet"
    text = path.read_text(encoding="utf-8")
    assert "components +: {\n" in text
    text = text.replace("components +: {\n", "components +: {\n  /* never closed\n", 1)
    path.write_text(text, encoding="utf-8")
    line = text[:text.index("/* never")].count("\n") + 1
    before = tree_digest(app)
    res = kfctl("param", "set", "cm", "value", "x", "--env", "default", cwd=app)
    assert_clean_failure(res, before=before, root=app,
                         contains=f"kfctl: error: environments/default/params.libsonnet:{line}:3: ")
    assert_clean_failure(kfctl("component", "rm", "cm", cwd=app), before=before, root=app,
                         contains=f"environments/default/params.libsonnet:{line}:3: ")


# ----------------------------------------------------------------------------- typing


@pytest.mark.parametrize("raw", ["0755", "007", "08", "-007", "00.5"])
def test_leading_zero_numbers_stay_strings(raw):
    assert parse_value(raw) == raw


@pytest.mark.parametrize("raw,expected", [("0", 0), ("42", 42), ("-7", -7), ("0.5", 0.5), ("10.25", 10.25),
                                          ("1.5", 1.5), ("-3.0", -3.0), ("1e3", 1000.0)])
def test_numbers_keep_their_types(raw, expected):
    value = parse_value(raw)
    assert value == expected and type(value) is type(expected)


def test_leading_zero_value_round_trips_through_the_cli(app, kfctl):
    assert kfctl("param", "set", "cm", "mode", "0755", "--new", cwd=app).code == 0
    assert 'mode: "0755",' in (app / "components" / "params.libsonnet").read_text(encoding="utf-8")
    rows = json.loads(kfctl("param", "list", "cm", "-o", "json", cwd=app).out)["data"]
    assert {r["param"]: r["value"] for r in rows}["mode"] == "0755"


# ----------------------------------------------------------------------------- broken params in show


def test_show_names_the_broken_params_file_and_line(app, kfctl):
    path = app / "components" / "params.libsonnet"
    text = path.read_text(encoding="utf-8")
    assert 'name: "my-cm",' in text
    text = text.replace('name: "my-cm",', 'name: "my-cm" "x",')
    path.write_text(text, encoding="utf-8")
    pos = text.index('"x"')
    line, col = text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos)
    res = kfctl("show", "default", cwd=app)
    assert_clean_failure(res)
    first = res.err.splitlines()[0]
    assert first.startswith(f"kfctl: error: components/params.libsonnet:{line}:{col}: "), res
    assert str(app) not in res.err and "<params>" not in res.err, res


def test_numbers_compare_by_value_in_the_edit_check():
    from kfctl.params import same_value

    assert same_value(0, -0.0) and same_value(2, 2.0) and same_value({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same_value(1, True) and not same_value(0, False) and not same_value("1", 1)
    assert not same_value({"a": 1}, {"a": 1, "b": 2}) and not same_value([1], [1, 1])
