local base = import "../base.libsonnet";
// uncomment if you reference ksonnet-lib
// local k = import "k.libsonnet";

base + {
  // Insert user-specified overrides here. For a component named "nginx" you might write:
  // nginx+: { metadata+: { labels+: { tier: "web" } } },
}
