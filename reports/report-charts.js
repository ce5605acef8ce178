// Draws the charts of report.html from the data block. Runs in the browser, inlined in the page
// after chart.js; everything else on the page is rendered on the server, so the page reads (and
// prints) even where scripts are blocked. Names from the heap reach chart.js only as data: it draws
// them on the canvas, never into the DOM.
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('memprobe-data').textContent);
  var css = getComputedStyle(document.documentElement);
  function color(name) {
    return css.getPropertyValue(name).trim();
  }
  var text = color('--text');
  var muted = color('--muted');
  var grid = color('--c-grid');
  Chart.defaults.color = muted;
  Chart.defaults.borderColor = grid;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;

  var UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];
  function bytes(n) {
    var sign = n < 0 ? '-' : '';
    var v = Math.abs(n);
    var i = 0;
    while (v >= 1000 && i < UNITS.length - 1) {
      v /= 1000;
      i++;
    }
    return sign + (i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)) + ' ' + UNITS[i];
  }
  function seconds(t) {
    if (t < 120) return t.toFixed(t < 10 ? 1 : 0) + ' s';
    if (t < 7200) return (t / 60).toFixed(1).replace(/\.0$/, '') + ' min';
    return (t / 3600).toFixed(1).replace(/\.0$/, '') + ' h';
  }

  // Snapshot markers and the spans the target was paused for them, drawn under the data.
  var snapshotMarkers = {
    id: 'snapshotMarkers',
    beforeDatasetsDraw: function (chart, _args, options) {
      var x = chart.scales.x;
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = color('--c-pause');
      (options.pauses || []).forEach(function (p) {
        var x0 = x.getPixelForValue(p.from);
        var x1 = Math.max(x.getPixelForValue(p.to), x0 + 3);
        ctx.fillRect(x0, area.top, x1 - x0, area.bottom - area.top);
      });
      ctx.strokeStyle = color('--c-snapshot');
      ctx.fillStyle = color('--c-snapshot');
      ctx.setLineDash([4, 4]);
      ctx.lineWidth = 1;
      ctx.font = '11px ' + Chart.defaults.font.family;
      ctx.textAlign = 'center';
      (options.snapshots || []).forEach(function (s, i) {
        var px = Math.round(x.getPixelForValue(s)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(px, area.top + 12);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.fillText('#' + (i + 1), px, area.top + 9);
      });
      ctx.restore();
    },
  };

  var charts = [];
  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) charts.push(new Chart(canvas, config));
  }

  var tl = data.timeline;
  if (tl && tl.t.length > 1) {
    function series(values) {
      return values.map(function (v, i) {
        return { x: tl.t[i], y: v };
      });
    }
    function line(label, values, cssVar, extra) {
      var c = color(cssVar);
      return Object.assign(
        { label: label, data: series(values), borderColor: c, backgroundColor: c, borderWidth: 2, pointRadius: 0, tension: 0, yAxisID: 'bytes' },
        extra || {},
      );
    }
    draw('chart-timeline', {
      type: 'line',
      data: {
        datasets: [
          line('heap used', tl.heapUsed, '--c-heap', { borderWidth: 2.5 }),
          line('heap total', tl.heapTotal, '--c-heap-total', { borderWidth: 1, borderDash: [2, 3] }),
          line('rss', tl.rss, '--c-rss', { hidden: tl.rssHidden }),
          line('external', tl.external, '--c-external'),
          line('requests/s', tl.rps, '--c-rps', { yAxisID: 'rate', borderWidth: 1, stepped: 'before' }),
        ],
      },
      options: {
        parsing: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { type: 'linear', min: tl.t[0], max: tl.t[tl.t.length - 1], title: { display: true, text: 'time since start' }, ticks: { callback: seconds } },
          bytes: { type: 'linear', position: 'left', beginAtZero: true, ticks: { callback: bytes } },
          rate: { type: 'linear', position: 'right', beginAtZero: true, grace: '10%', grid: { drawOnChartArea: false }, title: { display: true, text: 'requests/s' } },
        },
        plugins: {
          legend: { labels: { color: text, boxWidth: 14, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? seconds(items[0].parsed.x) : '';
              },
              label: function (item) {
                var v = item.parsed.y;
                return ' ' + item.dataset.label + ': ' + (item.dataset.yAxisID === 'rate' ? Math.round(v) + '/s' : bytes(v));
              },
            },
          },
          snapshotMarkers: { snapshots: data.snapshots.t, pauses: data.snapshots.pauses },
        },
      },
      plugins: [snapshotMarkers],
    });
  }

  var palette = ['--c-heap', '--accumulation', '--c-rss', '--bounded', '--leak', '--c-external', '--c-heap-total', '--muted'];
  var owners = data.owners;
  if (owners && owners.series.length && owners.t.length) {
    draw('chart-owners', {
      type: 'line',
      data: {
        datasets: owners.series.map(function (s, i) {
          var c = color(palette[i % palette.length]);
          return {
            label: s.owner,
            data: s.retainedBytes.map(function (v, j) {
              return { x: owners.t[j], y: v };
            }),
            borderColor: c,
            backgroundColor: c,
            borderWidth: s.finding ? 2.5 : 1.2,
            borderDash: s.finding ? [] : [4, 3],
            pointRadius: 3,
            spanGaps: false,
          };
        }),
      },
      options: {
        parsing: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'snapshot time' }, ticks: { callback: seconds } },
          y: { beginAtZero: true, ticks: { callback: bytes }, title: { display: true, text: 'retained' } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { color: text, boxWidth: 12, boxHeight: 2 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                return ' ' + item.dataset.label + ': ' + bytes(item.parsed.y);
              },
            },
          },
        },
      },
    });
  }

  var perRequest = data.perRequest;
  if (perRequest && perRequest.length) {
    draw('chart-per-request', {
      type: 'bar',
      data: {
        labels: perRequest.map(function (f) {
          return f.owner;
        }),
        datasets: [
          {
            label: data.perRequestUnit === 'request' ? 'bytes per request' : 'bytes per hour',
            data: perRequest.map(function (f) {
              return f.value;
            }),
            backgroundColor: perRequest.map(function (f) {
              return color('--' + f.verdict);
            }),
            borderRadius: 4,
            maxBarThickness: 28,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: { x: { beginAtZero: true, ticks: { callback: bytes } }, y: { ticks: { color: text } } },
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              label: function (item) {
                var f = perRequest[item.dataIndex];
                return ' ' + f.verdict + ': ' + bytes(item.parsed.x) + (data.perRequestUnit === 'request' ? '/request' : '/h');
              },
            },
          },
        },
      },
    });
  }

  // Canvases keep their screen size when printed unless told to resize.
  window.addEventListener('beforeprint', function () {
    charts.forEach(function (c) {
      c.resize();
    });
  });
  window.addEventListener('afterprint', function () {
    charts.forEach(function (c) {
      c.resize();
    });
  });
})();
