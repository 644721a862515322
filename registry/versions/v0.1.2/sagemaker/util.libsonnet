// Small helpers shared by the sagemaker prototypes: parameter checks that fail with one clear
// message, S3 URI assembly, and the name/value lists SageMaker uses for string maps.
{
  // True when a string param was left at its `null` default (ks writes the STRING "null") or is empty.
  isUnset(v):: v == null || v == "null" || v == "",

  // Reads a required string param; an unset value stops evaluation with a message naming the
  // prototype, the param and what it is for.
  required(proto, name, v, what)::
    if std.isString(v) && !self.isUnset(std.stripChars(v, " ")) then v
    else if v != null && !std.isString(v) then
      error "%s: param %s must be a string, got %s" % [proto, name, std.manifestJsonMinified(v)]
    else error "%s: param %s is required (%s)" % [proto, name, what],

  // The component namespace only when the user gave one; SageMaker job objects otherwise carry no
  // namespace so `apply` places them in the environment's namespace.
  namespaceField(ns):: if self.isUnset(ns) then {} else { namespace: ns },

  // Accepts an integer given as a number or as a decimal string (ks `param set` may produce either).
  toInt(proto, name, v, min=0)::
    local digits = std.stringChars("0123456789");
    local n =
      if std.isNumber(v) then v
      else if std.isString(v) && std.length(v) > 0 &&
              std.all([std.member(digits, c) for c in std.stringChars(v)]) then std.parseInt(v)
      else error "%s: param %s must be an integer, got %s" % [proto, name, std.manifestJsonMinified(v)];
    if n != std.floor(n) then
      error "%s: param %s must be an integer, got %s" % [proto, name, std.manifestJsonMinified(v)]
    else if n < min then
      error "%s: param %s must be at least %d, got %s" % [proto, name, min, std.manifestJsonMinified(v)]
    else n,

  // SageMaker takes every hyperparameter / environment value as a string.
  stringify(v)::
    if std.isString(v) then v
    else if std.isNumber(v) || std.isBoolean(v) then std.manifestJsonMinified(v)
    else if v == null then ""
    else std.manifestJsonMinified(v),

  // An object {k: v} becomes [{name: k, value: "v"}] sorted by name. A list that is already in
  // name/value form is kept in its order with its values stringified. `null`/"null"/{} give [].
  nameValueList(proto, name, v)::
    if v == null || v == "null" || v == "" then []
    else if std.isObject(v) then
      [{ name: k, value: $.stringify(v[k]) } for k in std.objectFields(v)]
    else if std.isArray(v) then
      [
        if std.isObject(e) && std.objectHas(e, "name") then { name: e.name, value: $.stringify(std.get(e, "value", "")) }
        else error "%s: param %s must be an object or a list of {name, value}, got element %s" % [proto, name, std.manifestJsonMinified(e)]
        for e in v
      ]
    else if std.isString(v) then $.nameValueList(proto, name, std.parseJson(v))
    else error "%s: param %s must be an object, got %s" % [proto, name, std.manifestJsonMinified(v)],

  // Trims leading/trailing slashes and a leading s3:// so users may write either form.
  local trimSlashes(s) = std.stripChars(s, "/"),
  bucketName(b):: trimSlashes(if std.startsWith(b, "s3://") then std.substr(b, 5, std.length(b) - 5) else b),

  // s3://<bucket>/<prefix>/<leaf>/ with empty parts left out; always ends with "/".
  s3Uri(bucket, prefix, leaf="")::
    local parts = [p for p in [self.bucketName(bucket), trimSlashes(prefix), trimSlashes(leaf)] if p != ""];
    "s3://" + std.join("/", parts) + "/",

  // Comma-separated list param ("train,validation") or a real array.
  toList(v)::
    if std.isArray(v) then v
    else if self.isUnset(v) then []
    else [std.stripChars(x, " ") for x in std.split(v, ",") if std.stripChars(x, " ") != ""],
}
