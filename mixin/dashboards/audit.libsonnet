// The audit: what needs a person now (claims in doubt, missed entries, conflicts, ledger
// mismatches), the runner's runs and errors, and whether the exporter can read its sources.
local dashboard = import '../lib/dashboard.libsonnet';
local duration = import '../lib/duration.libsonnet';
local panels = import '../lib/panels.libsonnet';

{
  grafanaDashboards+:: {
    local config = $._config,
    local selector = dashboard.selector(config, config.exporterSelector),
    local legend(suffix='') = dashboard.legend(config, suffix),
    local query(metric, matchers='') =
      '%s{%s%s}' % [metric, selector, if matchers == '' then '' else ', ' + matchers],
    local entries(status) =
      query('instance_status:drt_emission_audit_entries:sum', 'status="%s"' % status),
    local attention = 'missed|in_doubt|conflict|damaged|invalid',
    local interval = duration.seconds(config.cronJobInterval),
    local notRunning = interval * config.alerts.runnerNotRunning.intervals,
    local notSucceeding = interval * config.alerts.runnerNotSucceeding.intervals,
    local countStat(title, description, expr) = panels.stat(
      title,
      description,
      [panels.target(expr, legend())],
      'none',
      thresholds=[[null, 'green'], [1, 'red']],
    ),
    local successStat(title, description, metric) = panels.stat(
      title,
      description,
      [panels.target(query(metric), legend())],
      'none',
      width=6,
      thresholds=[[null, 'red'], [1, 'green']],
      mappings=panels.successMappings,
    ),

    'dyt-emissions-audit.json': dashboard.new(
      config,
      'Emissions / Audit',
      'audit',
      'What needs a person now, the runner and its errors, and the ledger.',
      [
        panels.row('Needs attention now'),
        panels.table(
          'Needs attention',
          'Entries and ledger records that are not as they should be, per exporter. '
          + "Each row links to that exporter's audit page, which lists the entries.",
          [panels.target(
            |||
              label_replace(
                %s > 0,
                "problem", "$1", "status", "(.*)"
              )
              or
              label_replace(
                %s > 0,
                "problem", "ledger: $1", "kind", "(.*)"
              )
            ||| % [
              query('instance_status:drt_emission_audit_entries:sum', 'status=~"%s"' % attention),
              query('drt_emission_audit_ledger_mismatches'),
            ],
            legend(),
            instant=true,
          )],
          'none',
          [
            ['namespace', 'Namespace'],
            ['instance', 'Exporter'],
            ['problem', 'Problem'],
            ['Value', 'Count'],
          ],
          links=[{
            title: 'Open the audit page',
            url: config.auditPageURL,
            targetBlank: true,
          }],
        ),
        countStat(
          'In doubt',
          'Claims sent without an answer: each needs `dyt-emissions resolve`.',
          entries('in_doubt'),
        ),
        countStat(
          'Missed', 'Due entries unpaid beyond the grace.', entries('missed'),
        ),
        countStat(
          'Conflicts', 'Entries stamped under another amount or address.', entries('conflict'),
        ),
        countStat('Damaged stamps', 'Entries whose stamp cannot be read.', entries('damaged')),
        countStat(
          'Ledger mismatches',
          'Stamps and log lines that disagree, all kinds together.',
          'sum without (kind) (%s)' % query('drt_emission_audit_ledger_mismatches'),
        ),
        panels.stat(
          'Overdue',
          'Blocks since the height of the oldest unpaid due entry.',
          [panels.target(query('drt_emission_audit_overdue_blocks'), legend())],
          'suffix: blocks',
          thresholds=[[null, 'green'], [1, 'orange']],
        ),

        panels.row('Entries'),
        panels.timeseries(
          'Entries needing attention',
          'In doubt, missed, conflicting, damaged and invalid entries over time.',
          [panels.target(
            query(
              'instance_status:drt_emission_audit_entries:sum',
              'status=~"missed|in_doubt|conflict|damaged|invalid"',
            ),
            legend('{{status}}'),
          )],
          'none',
        ),
        panels.timeseries(
          'Overdue',
          'Blocks since the height of the oldest unpaid due entry.',
          [panels.target(query('drt_emission_audit_overdue_blocks'), legend())],
          'suffix: blocks',
        ),

        panels.row('Runner'),
        panels.stat(
          'Since last run',
          'Time since the last run of the runner started.',
          [panels.target(
            query('instance:drt_emission_audit_runner_last_start_timestamp_seconds:age'),
            legend(),
          )],
          's',
          width=8,
          thresholds=[[null, 'green'], [notRunning, 'red']],
        ),
        panels.stat(
          'Since last success',
          'Time since the last run that paid every due entry (exit 0).',
          [panels.target(
            query('instance:drt_emission_audit_runner_last_success_timestamp_seconds:age'),
            legend(),
          )],
          's',
          width=8,
          thresholds=[[null, 'green'], [notSucceeding, 'orange']],
        ),
        panels.stat(
          'Height seen by the last run',
          'The chain height the last run read from the node.',
          [panels.target(query('drt_emission_audit_runner_last_height'), legend())],
          'locale',
          width=8,
        ),
        panels.timeseries(
          'Runs',
          'Runs that finished, per interval.',
          [panels.target(
            'increase(%s[$__rate_interval])' % query('drt_emission_audit_runner_runs_total'),
            legend(),
          )],
          'none',
        ),
        panels.timeseries(
          'Errors by kind',
          'Error lines in the runner logs, per interval and kind.',
          [panels.target(
            'increase(%s[$__rate_interval])' % query('drt_emission_audit_runner_errors_total'),
            legend('{{kind}}'),
          )],
          'none',
        ),

        panels.row('Ledger and exporter'),
        panels.timeseries(
          'Ledger mismatches by kind',
          'Stamps with no schedule entry, applied lines with no stamp, stamps with no line.',
          [panels.target(query('drt_emission_audit_ledger_mismatches'), legend('{{kind}}'))],
          'none',
        ),
        panels.timeseries(
          'Node scrape duration',
          "How long the exporter's scrape of the node took.",
          [panels.target(query('drt_emission_audit_node_scrape_duration_seconds'), legend())],
          's',
        ),
        successStat(
          'Schedule',
          'Whether the schedule file is valid.',
          'drt_emission_audit_schedule_load_success',
        ),
        successStat(
          'Node metrics',
          "Whether the exporter's last scrape of the node worked.",
          'drt_emission_audit_node_scrape_success',
        ),
        successStat(
          'State folder',
          'Whether the exporter can read the stamps and intents.',
          'drt_emission_audit_state_read_success',
        ),
        successStat(
          'Logs',
          'Whether the exporter can read the logs folder.',
          'drt_emission_audit_log_read_success',
        ),
        panels.timeseries(
          'Unparsed log lines',
          'Log lines the exporter could not parse, per interval.',
          [panels.target(
            'increase(%s[$__rate_interval])' % query('drt_emission_audit_log_parse_errors_total'),
            legend(),
          )],
          'none',
          width=24,
        ),
      ],
    ),
  },
}
