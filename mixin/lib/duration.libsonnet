// Prometheus durations with one unit ('90s', '5m', '2h', '1d'), as numbers of seconds.
// The config speaks in durations; PromQL thresholds on timestamps need seconds.
local unitSeconds = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

{
  seconds(duration)::
    local unit = std.substr(duration, std.length(duration) - 1, 1);
    local count = std.substr(duration, 0, std.length(duration) - 1);
    local digits = std.stringChars(count);
    assert std.objectHas(unitSeconds, unit) && count != ''
           && std.all([std.member('0123456789', digit) for digit in digits]) :
           'expected a duration such as 5m, found "%s"' % duration;
    std.parseInt(count) * unitSeconds[unit],
}
