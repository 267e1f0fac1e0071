// The overview: is the chain moving, is the emission engine keeping up, is the schedule
// being paid. Every series is the audit exporter's, so one exporter instance shows one
// deployment: the node it audits, the schedule it reads and the runner whose logs it reads.
local dashboard = import '../lib/dashboard.libsonnet';
local duration = import '../lib/duration.libsonnet';
local panels = import '../lib/panels.libsonnet';

{
  grafanaDashboards+:: {
    local config = $._config,
    local selector = dashboard.selector(config, config.exporterSelector),
    local legend(suffix='') = dashboard.legend(config, suffix),
    local query(metric) = '%s{%s}' % [metric, selector],
    local stalledAfter = duration.seconds(config.alerts.appliesStalled.after),
    local lagBlocks = config.alerts.appliedHeightLagging.blocks,

    'dyt-emissions-overview.json': dashboard.new(
      config,
      'Emissions / Overview',
      'overview',
      'Chain and applied heights, the pools, and what the schedule has paid.',
      [
        panels.row('Chain and emission engine'),
        panels.stat(
          'Lag',
          'Blocks between the chain height and the emission applied height.',
          [panels.target(query('drt_emission_audit_node_lag_blocks'), legend())],
          'suffix: blocks',
          thresholds=[[null, 'green'], [lagBlocks, 'red']],
        ),
        panels.stat(
          'Since last apply',
          'Time since the emission engine last applied a block.',
          [panels.target(query('drt_emission_audit_node_last_apply_age_seconds'), legend())],
          's',
          thresholds=[[null, 'green'], [stalledAfter, 'red']],
        ),
        panels.stat(
          'Pools pending (uDRT)',
          'uDRT held in all emission pools together, not yet claimed.',
          [panels.target(query('drt_emission_audit_node_pending_udrt'), legend())],
          'locale',
          width=8,
        ),
        panels.stat(
          'Shortfall (uDRT)',
          'uDRT due beyond what the pools hold (0 when they cover every due entry).',
          [panels.target(query('drt_emission_audit_shortfall_udrt'), legend())],
          'locale',
          width=8,
          thresholds=[[null, 'green'], [1, 'red']],
        ),
        panels.timeseries(
          'Block height and applied height',
          'The chain height and the last height the emission engine accounted.',
          [
            panels.target(query('drt_emission_audit_node_block_height'), legend('block')),
            panels.target(query('drt_emission_audit_node_applied_height'), legend('applied')),
          ],
          'locale',
        ),
        panels.timeseries(
          'Lag',
          'Blocks the applied height trails the chain; the engine catches up block by block.',
          [panels.target(query('drt_emission_audit_node_lag_blocks'), legend())],
          'suffix: blocks',
          thresholds=[[null, 'green'], [lagBlocks, 'red']],
        ),
        panels.timeseries(
          'Time since last apply',
          'Seconds since the last emission apply; it climbs when the chain or engine halts.',
          [panels.target(query('drt_emission_audit_node_last_apply_age_seconds'), legend())],
          's',
          thresholds=[[null, 'green'], [stalledAfter, 'red']],
        ),
        panels.timeseries(
          'Pools pending (uDRT)',
          'uDRT in all emission pools together, not yet claimed.',
          [panels.target(query('drt_emission_audit_node_pending_udrt'), legend())],
          'locale',
        ),

        panels.row('Schedule'),
        panels.timeseries(
          'Paid per pool (uDRT)',
          'uDRT of applied schedule entries, per pool.',
          [panels.target(query('drt_emission_audit_paid_udrt'), legend('{{pool}}'))],
          'locale',
        ),
        panels.timeseries(
          'Due and unpaid per pool (uDRT)',
          'uDRT of due and missed entries not yet paid, per pool.',
          [panels.target(query('drt_emission_audit_due_udrt'), legend('{{pool}}'))],
          'locale',
        ),
        panels.timeseries(
          'Entries by status',
          'Schedule entries in each state, all pools together.',
          [panels.target(
            query('instance_status:drt_emission_audit_entries:sum'), legend('{{status}}')
          )],
          'none',
          stack=true,
        ),
        panels.timeseries(
          'Runner runs',
          'Runs of the runner that finished, per interval, from its logs.',
          [panels.target(
            'increase(%s[$__rate_interval])' % query('drt_emission_audit_runner_runs_total'),
            legend(),
          )],
          'none',
        ),
      ],
    ),
  },
}
