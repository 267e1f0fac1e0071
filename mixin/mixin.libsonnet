// The dyt-emissions monitoring mixin: alerts, recording rules and dashboards for scheduled
// uDRT emission claims on a Dytallix node. Import it and override _config (config.libsonnet)
// to fit your setup; docs/mixin.md shows how.
local finish = {
  local config = $._config,
  local interval = config.evaluationInterval,
  local withInterval(group) = group + (if interval == '' then {} else { interval: interval }),
  local runbook(rule) = rule {
    annotations+: { runbook_url: config.runbookURLPattern % std.asciiLower(rule.alert) },
  },

  // Disabled alerts are dropped, every alert gets its runbook, and every group the
  // configured evaluation interval: here, once, after every part has added its rules.
  prometheusAlerts+:: {
    groups: [
      withInterval(group { rules: [runbook(rule) for rule in group.rules if rule.enabled] })
      for group in super.groups
      if std.length([rule for rule in group.rules if rule.enabled]) > 0
    ],
  },
  prometheusRules+:: {
    groups: [withInterval(group) for group in super.groups],
  },
};

(import 'config.libsonnet') +
(import 'rules/audit.libsonnet') +
(import 'alerts/node.libsonnet') +
(import 'alerts/audit.libsonnet') +
(import 'alerts/runner.libsonnet') +
(import 'alerts/exporter.libsonnet') +
(import 'dashboards/overview.libsonnet') +
(import 'dashboards/audit.libsonnet') +
finish
