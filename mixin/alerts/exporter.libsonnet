// The audit exporter itself, and what it can read. When it is down or gone every audit
// alert is silent, so these two page; when it cannot read its sources, parts of the
// audit go stale and these say which.
local alerts = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local config = $._config,
    local settings = config.alerts,
    local values = {
      selector: config.exporterSelector,
      unreachableFor: settings.nodeMetricsUnreachable['for'],
      stateUnreadableFor: settings.stateUnreadable['for'],
      logsUnreadableFor: settings.logsUnreadable['for'],
      downFor: settings.exporterDown['for'],
      absentFor: settings.exporterAbsent['for'],
    },

    groups+: [{
      name: 'dyt-emissions-exporter',
      rules: [
        alerts.rule(
          'DytEmissionNodeMetricsUnreachable',
          settings.nodeMetricsUnreachable,
          'drt_emission_audit_node_scrape_success{%(selector)s} == 0' % values,
          "The audit exporter cannot read the node's metrics.",
          alerts.text([
            'Exporter {{ $labels.instance }} has failed to scrape the node it audits for',
            '%(unreachableFor)s. What is due, the lag and the pool shortfall go stale.',
            'When DytEmissionNodeDown fires too, the node is down; otherwise check the',
            "exporter's node URL and the NetworkPolicy.",
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionStateUnreadable',
          settings.stateUnreadable,
          'drt_emission_audit_state_read_success{%(selector)s} == 0' % values,
          "The audit exporter cannot read the runner's state folder.",
          alerts.text([
            'Exporter {{ $labels.instance }} has failed to read the state folder (stamps',
            'and intents) for %(stateUnreadableFor)s. Which entries are paid, in doubt or',
            'damaged is unknown, and the alerts on entries are blind.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionLogsUnreadable',
          settings.logsUnreadable,
          'drt_emission_audit_log_read_success{%(selector)s} == 0' % values,
          "The audit exporter cannot read the runner's logs.",
          alerts.text([
            'Exporter {{ $labels.instance }} has failed to read the logs folder for',
            "%(logsUnreadableFor)s. The runner's runs, errors and the ledger checks go stale.",
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionExporterDown',
          settings.exporterDown,
          'up{%(selector)s} == 0' % values,
          'Prometheus cannot scrape the audit exporter.',
          alerts.text([
            'Prometheus has failed to scrape exporter {{ $labels.instance }} for',
            '%(downFor)s. Every audit alert (missed entries, claims in doubt, the runner)',
            'is blind until it is back.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionExporterAbsent',
          settings.exporterAbsent,
          'absent(up{%(selector)s})' % values,
          'Prometheus has no audit exporter target.',
          alerts.text([
            'No target has matched %(selector)s for %(absentFor)s: the exporter is not',
            'deployed, or its ServiceMonitor no longer selects it. Every audit alert is',
            'silent.',
          ]) % values,
        ),
      ],
    }],
  },
}
