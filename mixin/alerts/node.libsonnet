// The node's emission engine, from the node's own metrics as Prometheus scrapes them.
// Every rule here holds only while the node target is up: a node that cannot be scraped
// is DytEmissionNodeDown's, and one that vanished is DytEmissionNodeAbsent's.
local alerts = import '../lib/alerts.libsonnet';
local duration = import '../lib/duration.libsonnet';

{
  prometheusAlerts+:: {
    local config = $._config,
    local settings = config.alerts,
    local values = {
      selector: config.nodeSelector,
      on: alerts.on(config),
      block: config.blockInterval,
      stalledAfter: duration.seconds(settings.appliesStalled.after),
      stalledWindow: settings.appliesStalled.window,
      lagBlocks: settings.appliedHeightLagging.blocks,
      downFor: settings.nodeDown['for'],
      absentFor: settings.nodeAbsent['for'],
    },

    groups+: [{
      name: 'dyt-emissions-node',
      rules: [
        alerts.rule(
          'DytEmissionAppliesStalled',
          settings.appliesStalled,
          |||
            (time() - drt_emission_last_apply_timestamp_seconds{%(selector)s})
            and %(on)s
            (
                time() - drt_emission_last_apply_timestamp_seconds{%(selector)s} > %(stalledAfter)d
              or
                changes(drt_emission_applied_height{%(selector)s}[%(stalledWindow)s]) == 0
            )
            and %(on)s
            up{%(selector)s} == 1
          ||| % values,
          'The emission engine of a running node applies nothing.',
          alerts.text([
            'Node {{ $labels.instance }} is up, but its last emission apply was',
            '{{ $value | humanizeDuration }} ago, or its applied height did not move',
            'for %(stalledWindow)s. Either the chain is halted (no block every %(block)s)',
            'or the emission engine is stuck.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionAppliedHeightLagging',
          settings.appliedHeightLagging,
          |||
            (
              dyt_block_height{%(selector)s} - drt_emission_applied_height{%(selector)s}
              > %(lagBlocks)d
            )
            and %(on)s
            up{%(selector)s} == 1
          ||| % values,
          'The emission engine trails the chain.',
          alerts.text([
            'The applied height of node {{ $labels.instance }} is {{ $value }} blocks',
            'behind its block height (threshold %(lagBlocks)d blocks). The pools hold less',
            'than the chain has emitted, and claims may fail for want of funds.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionNodeDown',
          settings.nodeDown,
          'up{%(selector)s} == 0' % values,
          'Prometheus cannot scrape the node.',
          alerts.text([
            'Prometheus has failed to scrape node {{ $labels.instance }} for %(downFor)s.',
            'The chain, its emission engine and the alerts that watch them are out of sight.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionNodeAbsent',
          settings.nodeAbsent,
          'absent(up{%(selector)s})' % values,
          'Prometheus has no node target.',
          alerts.text([
            'No target has matched %(selector)s for %(absentFor)s: service discovery or a',
            'relabelling change lost the node, and every alert on the node is silent.',
          ]) % values,
        ),
      ],
    }],
  },
}
