// spdash: the one script of the dashboard's pages, beside the vendored
// ECharts. The server builds each chart's options and puts them, as JSON, in a
// <script type="application/json"> element named by the chart's data-chart
// attribute; this script draws them. Nothing is inline: the Content Security
// Policy allows only scripts served by the dashboard itself.
(function () {
  'use strict';

  var reducedMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var handlers = {}; // chart element id -> the click handler given to ECharts
  var instances = [];

  // areaClick makes a chart's click handler: an item that stands for an area
  // (spec.codes, parallel to the series' data) opens that area's profile,
  // keeping the period (spec.query). It returns the address it opened.
  function areaClick(spec) {
    return function (params) {
      if (!params || params.componentType !== 'series') {
        return null;
      }
      var codes = spec.codes && spec.codes[params.seriesIndex];
      var code = codes && codes[params.dataIndex];
      if (!code) {
        return null;
      }
      var url = '/areas/' + encodeURIComponent(code) + (spec.query ? '?' + spec.query : '');
      window.location.assign(url);
      return url;
    };
  }

  // Tooltips written by the server (spec.tips) are plain text: the charts'
  // tooltips are drawn on the canvas (renderMode richText), never as HTML.
  function tipFormatter(spec) {
    return function (params) {
      var list = Array.isArray(params) ? params : [params];
      var parts = [];
      list.forEach(function (p) {
        var tips = spec.tips[p.seriesIndex];
        var tip = tips && tips[p.dataIndex];
        if (tip) {
          parts.push(tip);
        }
      });
      return parts.join('\n\n');
    };
  }

  function draw(el) {
    var data = document.getElementById(el.getAttribute('data-chart'));
    if (!data) {
      return;
    }
    var spec = JSON.parse(data.textContent);
    var o = spec.options;
    el.style.height = (spec.height || 360) + 'px';
    if (reducedMotion) {
      o.animation = false;
    }
    o.tooltip = o.tooltip || {};
    if (spec.tips) {
      o.tooltip.formatter = tipFormatter(spec);
    } else if (spec.suffix) {
      o.tooltip.valueFormatter = function (v) {
        return v === '-' || v === null || v === undefined ? 'unknown' : v + spec.suffix;
      };
    }
    // Only items that open a profile show the pointing hand.
    (o.series || []).forEach(function (s, i) {
      if (!(spec.codes && spec.codes[i] && spec.codes[i].length)) {
        s.cursor = 'default';
      }
    });
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(o);
    var onClick = areaClick(spec);
    chart.on('click', onClick);
    handlers[el.id] = onClick;
    instances.push(chart);
    el.setAttribute('data-drawn', 'true');
  }

  function drawAll() {
    if (typeof echarts === 'undefined') {
      return; // the tables beneath carry the same figures
    }
    Array.prototype.forEach.call(document.querySelectorAll('.chart[data-chart]'), draw);
  }

  // Charts follow the window's width (and the text's zoom).
  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      instances.forEach(function (c) { c.resize(); });
    }, 150);
  });

  // Printing shows every data table: open the closed ones, and close them
  // again afterwards.
  var opened = [];
  window.addEventListener('beforeprint', function () {
    opened = Array.prototype.filter.call(document.querySelectorAll('details:not([open])'), function (d) {
      d.open = true;
      return true;
    });
    instances.forEach(function (c) { c.resize(); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
    instances.forEach(function (c) { c.resize(); });
  });

  // Choosing a place below the chosen level (an ICB while "by region" is
  // chosen) would be refused: go back to the default level instead.
  function keepLevelValid() {
    var place = document.getElementById('f-place');
    var level = document.getElementById('f-level');
    if (!place || !level) {
      return;
    }
    var rank = { england: 0, region: 1, icb: 2, pcn: 3 };
    place.addEventListener('change', function () {
      var chosen = place.options[place.selectedIndex].getAttribute('data-level');
      if (level.value && rank[level.value] < rank[chosen]) {
        level.value = '';
      }
    });
  }

  function start() {
    drawAll();
    keepLevelValid();
    // For the browser tests: click(id, params) calls the very handler this
    // script gave the chart's ECharts instance for 'click'.
    window.spdash = {
      ready: true,
      charts: instances,
      click: function (id, params) {
        return handlers[id] ? handlers[id](params) : null;
      }
    };
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
