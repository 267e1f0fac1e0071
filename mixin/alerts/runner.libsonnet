// Whether the runner runs, and whether its runs succeed: from the runner's logs as the
// exporter reads them, and, where kube-state-metrics is scraped, from the CronJob itself.
local alerts = import '../lib/alerts.libsonnet';
local duration = import '../lib/duration.libsonnet';

{
  prometheusAlerts+:: {
    local config = $._config,
    local settings = config.alerts,
    local cronJobLabels =
      (if config.showMultiCluster then [config.clusterLabel] else []) + ['namespace', 'cronjob'],
    local values = {
      selector: config.exporterSelector,
      on: alerts.on(config),
      interval: config.cronJobInterval,
      lastStart: 'instance:drt_emission_audit_runner_last_start_timestamp_seconds:age',
      lastSuccess: 'instance:drt_emission_audit_runner_last_success_timestamp_seconds:age',
      notRunning: duration.seconds(config.cronJobInterval) * settings.runnerNotRunning.intervals,
      notSucceeding:
        duration.seconds(config.cronJobInterval) * settings.runnerNotSucceeding.intervals,
      neverRanFor: settings.runnerNeverRan['for'],
      cronJob: '%s, %s' % [config.kubeStateMetricsSelector, config.cronJobSelector],
      cronJobOn: 'on (%s)' % std.join(', ', cronJobLabels),
      cronJobNotSucceeding:
        duration.seconds(config.cronJobInterval) * settings.cronJobNotSucceeding.intervals,
      cronJobNeverSucceeded:
        duration.seconds(config.cronJobInterval) * settings.cronJobNeverSucceeded.intervals,
    },

    groups+: [{
      name: 'dyt-emissions-runner',
      rules: [
        alerts.rule(
          'DytEmissionRunnerNotRunning',
          settings.runnerNotRunning,
          '%(lastStart)s{%(selector)s} > %(notRunning)d' % values,
          'The emission runner has stopped running.',
          alerts.text([
            'The last run of the runner audited by {{ $labels.instance }} started',
            '{{ $value | humanizeDuration }} ago; the CronJob should start one every',
            '%(interval)s. Nothing is paid while no runner runs.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionRunnerNeverRan',
          settings.runnerNeverRan,
          |||
            drt_emission_audit_log_read_success{%(selector)s} == 1
            unless %(on)s
            drt_emission_audit_runner_last_start_timestamp_seconds{%(selector)s}
          ||| % values,
          'The logs hold no run of the emission runner.',
          alerts.text([
            'Exporter {{ $labels.instance }} has read the logs folder for %(neverRanFor)s',
            'and found no run of the runner in it: the CronJob never started one, or it',
            'writes its logs to another volume.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionRunnerNotSucceeding',
          settings.runnerNotSucceeding,
          |||
            %(lastSuccess)s{%(selector)s} > %(notSucceeding)d
            unless %(on)s
            %(lastStart)s{%(selector)s} > %(notRunning)d
          ||| % values,
          'Runs of the emission runner start but do not succeed.',
          alerts.text([
            'The runner audited by {{ $labels.instance }} last paid every due entry',
            '{{ $value | humanizeDuration }} ago, though it still runs every %(interval)s.',
            'Its runs end with failed claims, claims in doubt or an invalid schedule.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionCronJobNotSucceeding',
          settings.cronJobNotSucceeding,
          |||
            time() - kube_cronjob_status_last_successful_time{%(cronJob)s}
            > %(cronJobNotSucceeding)d
          ||| % values,
          "The runner's CronJob has not succeeded for long.",
          alerts.text([
            'CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} last succeeded',
            '{{ $value | humanizeDuration }} ago; it is scheduled every %(interval)s.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionCronJobNeverSucceeded',
          settings.cronJobNeverSucceeded,
          |||
            time() - kube_cronjob_created{%(cronJob)s} > %(cronJobNeverSucceeded)d
            unless %(cronJobOn)s
            kube_cronjob_status_last_successful_time{%(cronJob)s}
          ||| % values,
          "The runner's CronJob has never succeeded.",
          alerts.text([
            'CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} was created',
            '{{ $value | humanizeDuration }} ago and none of its Jobs has succeeded.',
          ]) % values,
        ),
      ],
    }],
  },
}
