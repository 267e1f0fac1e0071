// What `dyt-emissions mixin` renders: the Prometheus rules file, the PrometheusRule manifest
// and the dashboards, with `overrides` merged into _config key by key (nested objects merge,
// anything else replaces). A key that _config does not have is an error, not a no-op.
local mixin = import 'mixin.libsonnet';

local patch(base, overrides, path) =
  local keys = std.objectFields(overrides);
  local unknown = [path + key for key in keys if !std.objectHas(base, key)];
  local nested(key) = std.isObject(overrides[key]) && std.isObject(base[key]);
  assert unknown == [] : 'unknown _config key: ' + std.join(', ', unknown);
  { [key]+: patch(base[key], overrides[key], path + key + '.') for key in keys if nested(key) } +
  { [key]: overrides[key] for key in keys if !nested(key) };

function(overrides={})
  local configured = mixin { _config+:: patch(mixin._config, overrides, '') };
  local groups = configured.prometheusRules.groups + configured.prometheusAlerts.groups;
  {
    rules: { groups: groups },
    prometheusRule: {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: {
        name: configured._config.prometheusRuleName,
        labels: configured._config.prometheusRuleLabels,
      },
      spec: { groups: groups },
    },
    dashboards: configured.grafanaDashboards,
  }
