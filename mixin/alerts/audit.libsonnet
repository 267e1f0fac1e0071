// What the audit exporter finds in the schedule, the stamps and the logs: entries that
// need paying or a person, claim errors, the pools' shortfall, the ledger's consistency.
// Every series here comes from the exporter; when it is down or gone, these stay silent
// and DytEmissionExporterDown or DytEmissionExporterAbsent speak instead.
local alerts = import '../lib/alerts.libsonnet';

{
  prometheusAlerts+:: {
    local config = $._config,
    local settings = config.alerts,
    local entries = 'instance_status:drt_emission_audit_entries:sum',
    local values = {
      selector: config.exporterSelector,
      on: alerts.on(config),
      onKind: alerts.on(config, ['kind']),
      entries: entries,
      errorKinds: std.join('|', settings.claimErrors.kinds),
      errorWindow: settings.claimErrors.window,
      criticalKinds: std.join('|', settings.ledgerMismatch.criticalKinds),
    },
    local entriesInState(state) =
      '%(entries)s{%(selector)s, status="%(state)s"} > 0' % (values { state: state }),
    local ledgerMismatch(ruleSettings, matcher) = alerts.rule(
      'DytEmissionLedgerMismatch',
      ruleSettings,
      'drt_emission_audit_ledger_mismatches{%s, kind%s"%s"} > 0'
      % [values.selector, matcher, values.criticalKinds],
      'The stamps and the logs of the runner disagree.',
      alerts.text([
        'Exporter {{ $labels.instance }} finds {{ $value }} ledger mismatches of kind',
        '{{ $labels.kind }}. An applied line without a stamp is a payment the runner',
        'does not know of and would make again; a stamp without a schedule entry or',
        'without a log line is a record to explain.',
      ]),
    ),

    groups+: [{
      name: 'dyt-emissions-audit',
      rules: [
        alerts.rule(
          'DytEmissionEntriesMissed',
          settings.entriesMissed,
          |||
            drt_emission_audit_overdue_blocks{%(selector)s}
            and %(on)s
            %(entries)s{%(selector)s, status="missed"} > 0
          ||| % values,
          'Due schedule entries stay unpaid.',
          alerts.text([
            '%s entries audited by {{ $labels.instance }} are missed: due, and unpaid for'
            % alerts.targetValue(config, entries, "status='missed'"),
            "longer than the exporter's grace. The oldest unpaid due entry is",
            '{{ $value }} blocks overdue.',
          ]),
        ),
        alerts.rule(
          'DytEmissionClaimInDoubt',
          settings.claimInDoubt,
          entriesInState('in_doubt'),
          'A claim may or may not have paid, and waits for a person.',
          alerts.text([
            '{{ $value }} entries audited by {{ $labels.instance }} are in doubt: their claim',
            'was sent and no answer came back. The runner never sends them again; check',
            'the balances and record the decision with `dyt-emissions resolve`.',
          ]),
        ),
        alerts.rule(
          'DytEmissionEntryConflict',
          settings.entryConflict,
          entriesInState('conflict'),
          'A schedule entry was edited after it was paid.',
          alerts.text([
            '{{ $value }} entries audited by {{ $labels.instance }} conflict with a stamp',
            'of another amount or address. They are never paid again; put the schedule',
            'back as it was paid, or give the new payment its own id.',
          ]),
        ),
        alerts.rule(
          'DytEmissionStampDamaged',
          settings.stampDamaged,
          entriesInState('damaged'),
          'A stamp cannot be read, so its entry is neither paid nor payable.',
          alerts.text([
            '{{ $value }} entries audited by {{ $labels.instance }} have a damaged stamp',
            '(empty, truncated or inconsistent). The runner leaves them alone until a',
            'person checks the node and records the decision.',
          ]),
        ),
        alerts.rule(
          'DytEmissionClaimErrors',
          settings.claimErrors,
          |||
            (
              increase(
                drt_emission_audit_runner_errors_total{
                  %(selector)s,
                  kind=~"%(errorKinds)s"
                }[%(errorWindow)s]
              )
              > 0
            )
            unless %(onKind)s
            (
              resets(
                drt_emission_audit_runner_errors_total{
                  %(selector)s,
                  kind=~"%(errorKinds)s"
                }[%(errorWindow)s]
              )
              > 0
            )
          ||| % values,
          'The runner logs claim errors.',
          alerts.text([
            'The runner audited by {{ $labels.instance }} logged {{ printf "%%.0f" $value }}',
            'errors of kind {{ $labels.kind }} in the last %(errorWindow)s. Those claims',
            'were not paid; the next run tries them again.',
          ]) % values,
        ),
        alerts.rule(
          'DytEmissionPoolShortfall',
          settings.poolShortfall,
          'drt_emission_audit_shortfall_udrt{%(selector)s} > 0' % values,
          'The emission pools hold less than the due entries need.',
          alerts.text([
            'The pools of the node audited by {{ $labels.instance }} are',
            '{{ $value | humanize }} uDRT short of what is due. Claims beyond the pool',
            'fail until emission refills it, or the schedule is changed.',
          ]),
        ),
        alerts.rule(
          'DytEmissionScheduleInvalid',
          settings.scheduleInvalid,
          'drt_emission_audit_schedule_load_success{%(selector)s} == 0' % values,
          'The emission schedule fails validation, so nothing is paid.',
          alerts.text([
            'The schedule read by exporter {{ $labels.instance }} fails validation',
            '(%s entries invalid). The runner pays nothing from an invalid schedule;'
            % alerts.targetValue(config, entries, "status='invalid'"),
            '`dyt-emissions check` says what is wrong and where.',
          ]),
        ),
        ledgerMismatch(settings.ledgerMismatch { severity: 'critical' }, '=~'),
        ledgerMismatch(settings.ledgerMismatch, '!~'),
      ],
    }],
  },
}
