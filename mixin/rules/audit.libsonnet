// Recording rules for expressions that several alerts, or an alert and a panel, share.
// Names follow level:metric:operation; every label of the exporter target is kept.
{
  prometheusRules+:: {
    local config = $._config,
    local selector = config.exporterSelector,

    groups+: [{
      name: 'dyt-emissions-audit.rules',
      rules: [
        {
          // Entries per state over all pools: the alerts on missed, in doubt, conflicting
          // and damaged entries, and the audit dashboard.
          record: 'instance_status:drt_emission_audit_entries:sum',
          expr: 'sum without (pool) (drt_emission_audit_entries{%s})' % selector,
        },
        {
          // Seconds since the last run started: DytEmissionRunnerNotRunning, the guard of
          // DytEmissionRunnerNotSucceeding, and the dashboards.
          record: 'instance:drt_emission_audit_runner_last_start_timestamp_seconds:age',
          expr: 'time() - drt_emission_audit_runner_last_start_timestamp_seconds{%s}' % selector,
        },
        {
          // Seconds since the last run that exited 0: DytEmissionRunnerNotSucceeding and
          // the dashboards.
          record: 'instance:drt_emission_audit_runner_last_success_timestamp_seconds:age',
          expr: 'time() - drt_emission_audit_runner_last_success_timestamp_seconds{%s}' % selector,
        },
      ],
    }],
  },
}
