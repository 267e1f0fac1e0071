// Every knob of the mixin. Import the mixin and override what differs in your setup:
//   (import 'mixin.libsonnet') + { _config+:: { exporterSelector: 'job="emissions"' } }
// Durations are Prometheus duration strings with one unit ('90s', '5m', '2h', '1d').
{
  _config+:: {
    // Selects the node's own metrics (dyt_block_height, drt_emission_*) and its `up` series.
    nodeSelector: 'job="dytallix-node"',
    // Selects the audit exporter's metrics (drt_emission_audit_*) and its `up` series.
    exporterSelector: 'job="dyt-emissions-exporter"',
    // Selects kube-state-metrics; its CronJob series back the DytEmissionCronJob* alerts.
    kubeStateMetricsSelector: 'job="kube-state-metrics"',
    // Selects the runner's CronJob among kube-state-metrics' kube_cronjob_* series.
    cronJobSelector: 'cronjob=~".*emissions.*"',

    // Set when one Prometheus (or Thanos, Mimir) holds the series of several clusters:
    // dashboards get a cluster variable and alerts keep series of each cluster apart.
    showMultiCluster: false,
    // The label that names the cluster when showMultiCluster is set.
    clusterLabel: 'cluster',

    // How often the CronJob starts the runner (its schedule, as a duration).
    cronJobInterval: '5m',
    // How often the node produces a block (DYT_BLOCK_INTERVAL_MS); quoted in descriptions.
    blockInterval: '15s',
    // Evaluation interval of every rule group; empty keeps Prometheus' global one.
    // End-to-end tests set a short one together with short `for` durations.
    evaluationInterval: '',

    // The runbook of each alert: %s is the alert name in lower case (a Markdown anchor).
    runbookURLPattern: 'https://github.com/dytallix/dyt-emissions/blob/main/docs/runbooks.md#%s',

    // Metadata of the rendered PrometheusRule manifest (alerts/prometheusrule.yaml). The
    // operator's ruleSelector often wants a label, such as release: <Prometheus release>.
    prometheusRuleName: 'dyt-emissions',
    prometheusRuleLabels: { 'app.kubernetes.io/name': 'dyt-emissions' },

    // Alerts. Each has an enable flag, a severity (critical pages, warning tickets, info
    // informs), a `for` and its own thresholds and windows; nothing is written elsewhere.
    alerts: {
      // The node is up, but its emission engine applies nothing (a halted chain included).
      appliesStalled: {
        enabled: true,
        severity: 'critical',
        // The last apply older than this is stalled: several blocks at blockInterval.
        after: '5m',
        // An applied height that did not change over this window is stalled too.
        window: '10m',
        'for': '5m',
      },
      // The chain moves on, but the emission engine's applied height stays behind.
      appliedHeightLagging: {
        enabled: true,
        severity: 'warning',
        // Blocks the applied height may trail the chain (the engine catches up block by block).
        blocks: 20,
        'for': '10m',
      },
      // Prometheus cannot scrape the node's metrics: every node alert above is blind.
      nodeDown: {
        enabled: true,
        severity: 'critical',
        'for': '5m',
      },
      // No node target at all: a service discovery or relabelling change lost it.
      nodeAbsent: {
        enabled: true,
        severity: 'critical',
        'for': '15m',
      },
      // Due entries stayed unpaid beyond the exporter's grace: counted in blocks overdue.
      entriesMissed: {
        enabled: true,
        severity: 'critical',
        'for': '5m',
      },
      // A claim whose answer never came back: it may or may not have paid.
      claimInDoubt: {
        enabled: true,
        severity: 'critical',
        // Longer than one claim request, so a claim in flight during a scrape never fires.
        'for': '5m',
      },
      // An entry stamped under another amount or address: edited after it was paid.
      entryConflict: {
        enabled: true,
        severity: 'warning',
        'for': '5m',
      },
      // A stamp that cannot be read: the entry is neither paid nor payable until a person looks.
      stampDamaged: {
        enabled: true,
        severity: 'warning',
        'for': '5m',
      },
      // The runner logged errors of these kinds: claims refused or never sent.
      claimErrors: {
        enabled: true,
        severity: 'warning',
        // answer_lost belongs to claimInDoubt, invalid_schedule to scheduleInvalid and
        // state_damaged to stampDamaged.
        kinds: ['claim_failed', 'rejected', 'node_unreachable'],
        // New error lines within this window fire; it spans a few runs.
        window: '15m',
        'for': '0m',
      },
      // The node's pools hold less than what is due: claims will fail until emission catches up.
      poolShortfall: {
        enabled: true,
        severity: 'warning',
        'for': '15m',
      },
      // The schedule file fails validation: the runner pays nothing.
      scheduleInvalid: {
        enabled: true,
        severity: 'critical',
        'for': '5m',
      },
      // Stamps and logs disagree. applied_without_stamp means a payment the runner cannot see.
      ledgerMismatch: {
        enabled: true,
        severity: 'warning',
        // Kinds that page instead: the runner would pay these entries again.
        criticalKinds: ['applied_without_stamp'],
        'for': '15m',
      },
      // No run of the runner started within this many CronJob intervals.
      runnerNotRunning: {
        enabled: true,
        severity: 'critical',
        intervals: 3,
        'for': '0m',
      },
      // The exporter reads the logs but finds no run in them at all.
      runnerNeverRan: {
        enabled: true,
        severity: 'critical',
        // A few CronJob intervals: a new install gets its first runs in.
        'for': '15m',
      },
      // Runs happen, but none exited 0 (every due entry paid) within this many intervals.
      runnerNotSucceeding: {
        enabled: true,
        severity: 'warning',
        intervals: 12,
        'for': '0m',
      },
      // kube-state-metrics: the CronJob's last successful Job is older than this many intervals.
      cronJobNotSucceeding: {
        enabled: true,
        severity: 'warning',
        intervals: 12,
        'for': '0m',
      },
      // kube-state-metrics: the CronJob exists this many intervals and never succeeded.
      cronJobNeverSucceeded: {
        enabled: true,
        severity: 'warning',
        intervals: 12,
        'for': '0m',
      },
      // The exporter cannot read the node's metrics: lag, shortfall and what is due go stale.
      nodeMetricsUnreachable: {
        enabled: true,
        severity: 'warning',
        'for': '5m',
      },
      // The exporter cannot read the state folder: which entry is paid, in doubt or damaged
      // is unknown, and the alerts on entries go blind.
      stateUnreadable: {
        enabled: true,
        severity: 'critical',
        'for': '5m',
      },
      // The exporter cannot read the logs folder: runs and ledger checks go blind.
      logsUnreadable: {
        enabled: true,
        severity: 'warning',
        'for': '10m',
      },
      // Prometheus cannot scrape the exporter: every audit alert is blind.
      exporterDown: {
        enabled: true,
        severity: 'critical',
        'for': '5m',
      },
      // No exporter target at all.
      exporterAbsent: {
        enabled: true,
        severity: 'critical',
        'for': '15m',
      },
    },

    // Dashboards.
    dashboardTags: ['dyt-emissions'],
    // Prefix of every dashboard uid; uids stay stable so links and bookmarks survive.
    dashboardUIDPrefix: 'dyt-emissions-',
    dashboardTimezone: 'utc',
    dashboardRefresh: '30s',
    dashboardTimeFrom: 'now-6h',
    // The exporter's human audit page, linked from each row of the audit dashboard's
    // "Needs attention" table; ${__data.fields.instance} is that row's exporter as Prometheus
    // scrapes it. Point it at an ingress or a port-forward when Grafana's users cannot reach
    // the exporter's pods.
    auditPageURL: 'http://${__data.fields.instance}/',
  },
}
