// kubeflow/core/util.libsonnet
//
// The helper library the 2018 packages imported as "kubeflow/core/util.libsonnet", kept with the same
// names and meaning so that prototypes written against it keep working. New code should import
// kubeflow/common/util.libsonnet instead.
local cu = import 'kubeflow/common/util.libsonnet';

{
  upper(s):: std.asciiUpper(s),
  isUpper(c):: c == std.asciiUpper(c) && c != std.asciiLower(c),

  // 2018 semantics: a boolean stays as is, a string is true iff its upper case is TRUE, a number
  // is true iff non-zero, anything else is false.
  toBool(x)::
    if std.type(x) == 'boolean' then x
    else if std.type(x) == 'string' then std.asciiUpper(x) == 'TRUE'
    else if std.type(x) == 'number' then x != 0
    else false,

  // Splits a non-empty string other than "null" on commas; anything else gives [].
  toArray(s)::
    if std.type(s) == 'string' && s != 'null' && std.length(s) > 0 then std.split(s, ',') else [],

  list(items):: cu.list(items),
}
