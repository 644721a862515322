// Helpers shared by the package's libraries.
local k = import "k.libsonnet";

{
  // Upper-case an ASCII string.
  upper(s):: std.asciiUpper(s),

  // Params arrive as strings ("true"/"false") from prototype defaults but may be real booleans or
  // numbers after `param set`; accept all three.
  toBool(v)::
    if std.type(v) == "boolean" then v
    else if std.type(v) == "string" then std.asciiUpper(v) == "TRUE"
    else if std.type(v) == "number" then v != 0
    else false,

  // A comma separated string param as an array; "" and the string "null" give [].
  toArray(s)::
    if std.type(s) == "string" && s != "null" && std.length(s) > 0 then std.split(s, ",") else [],

  // Wrap objects into a v1 List.
  list(items):: k.core.v1.list.new(items),
}
