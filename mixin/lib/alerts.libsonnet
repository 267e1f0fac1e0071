// Building blocks of the alerting rules: one shape for every rule, one set of join labels.
{
  // The labels that tell one scrape target from another.
  targetLabels(config)::
    (if config.showMultiCluster then [config.clusterLabel] else []) + ['job', 'instance'],

  // `on (...)` for joining two series of the same target (and the same `extra` labels).
  on(config, extra=[]):: 'on (%s)' % std.join(', ', self.targetLabels(config) + extra),

  // A Go template that prints the sum of `metric{matchers}` for the alert's own target, or 0.
  // Descriptions use it to quote a second value beside $value.
  targetValue(config, metric, matchers='')::
    local labels = self.targetLabels(config);
    local selector = std.join(',', ['%s=%%q' % label for label in labels] +
                                   (if matchers == '' then [] else [matchers]));
    local arguments = std.join(' ', ['$labels.%s' % label for label in labels]);
    '{{ with printf "sum(%s{%s})" %s | query }}' % [metric, selector, arguments] +
    '{{ . | first | value | humanize }}{{ else }}0{{ end }}',

  // Prose given as lines under 100 characters, joined into one line.
  text(lines):: std.join(' ', lines),

  // One alerting rule from its settings in _config.alerts. `for` is left out when it is zero;
  // disabled rules are dropped, and runbook URLs added, where the groups are assembled.
  rule(name, settings, expr, summary, description, labels={}):: {
    alert: name,
    expr: expr,
    [if std.member(['0s', '0m'], settings['for']) then null else 'for']: settings['for'],
    labels: { severity: settings.severity } + labels,
    annotations: { summary: summary, description: description },
    enabled:: settings.enabled,
  },
}
