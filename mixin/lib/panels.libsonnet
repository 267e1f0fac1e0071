// A small panel library in place of grafonnet (which cannot be fetched here): the current
// panel types (timeseries, stat, table), each reading Prometheus through the dashboard's
// datasource variable. Widths are in Grafana's 24 columns; the dashboard lays panels out.
local datasource = { type: 'prometheus', uid: '${datasource}' };

local panel(type, title, description, targets, unit, width) = {
  type: type,
  title: title,
  description: description,
  datasource: datasource,
  targets: [
    target { refId: std.char(std.codepoint('A') + i), datasource: datasource }
    for i in std.range(0, std.length(targets) - 1)
    for target in [targets[i]]
  ],
  fieldConfig: { defaults: { unit: unit }, overrides: [] },
  width:: width,
};

// Thresholds are [[value, color], ...] in ascending order; the first step starts at -inf.
local thresholdSteps(thresholds) = {
  mode: 'absolute',
  steps: [{ color: thresholds[0][1], value: null }] + [
    { color: step[1], value: step[0] }
    for step in thresholds[1:]
  ],
};

{
  datasource:: datasource,

  // One PromQL query. `legend` is a Grafana legend format such as '{{instance}} {{pool}}'.
  target(expr, legend, instant=false):: {
    expr: expr,
    legendFormat: legend,
    range: !instant,
    instant: instant,
    format: if instant then 'table' else 'time_series',
  },

  row(title):: {
    type: 'row',
    title: title,
    collapsed: false,
    panels: [],
    width:: 24,
  },

  timeseries(title, description, targets, unit, width=12, stack=false, thresholds=[]):: panel(
    'timeseries', title, description, targets, unit, width
  ) {
    fieldConfig+: {
      defaults+: {
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: if stack then 30 else 0,
          showPoints: 'never',
          spanNulls: false,
          stacking: { mode: if stack then 'normal' else 'none', group: 'A' },
          thresholdsStyle: { mode: if thresholds == [] then 'off' else 'line' },
        },
        [if thresholds == [] then null else 'thresholds']: thresholdSteps(thresholds),
      },
    },
    options: {
      legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
  },

  // One big number per series; `mappings` turns values into words (e.g. 1 -> 'ok').
  stat(title, description, targets, unit, width=4, thresholds=[[null, 'green']], mappings=[])::
    panel('stat', title, description, targets, unit, width) {
      fieldConfig+: {
        defaults+: { thresholds: thresholdSteps(thresholds), mappings: mappings },
      },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'background',
        graphMode: 'none',
        textMode: 'value_and_name',
        orientation: 'auto',
        justifyMode: 'auto',
      },
    },

  // Instant queries shown as rows. `columns` lists [field, header] pairs: the fields to show,
  // in order (labels, and 'Value' for the number); every other field is left out.
  table(title, description, targets, unit, columns, width=24, links=[]):: panel(
    'table', title, description, targets, unit, width
  ) {
    fieldConfig+: { defaults+: { links: links } },
    options: { showHeader: true, cellHeight: 'sm', footer: { show: false } },
    transformations: [
      { id: 'merge', options: {} },
      {
        id: 'filterFieldsByName',
        options: { include: { names: [column[0] for column in columns] } },
      },
      {
        id: 'organize',
        options: {
          indexByName: { [columns[i][0]]: i for i in std.range(0, std.length(columns) - 1) },
          renameByName: { [column[0]]: column[1] for column in columns },
        },
      },
    ],
  },

  // Value mappings for a 0/1 success gauge.
  successMappings:: [{
    type: 'value',
    options: {
      '0': { text: 'failing', color: 'red', index: 0 },
      '1': { text: 'ok', color: 'green', index: 1 },
    },
  }],
}
