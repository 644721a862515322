// Small helpers for the tf-job prototypes.
{
  // A comma separated string param as an array; "" and the string "null" give [].
  toArray(s)::
    if std.type(s) == "string" && s != "null" && std.length(s) > 0 then std.split(s, ",") else [],
}
