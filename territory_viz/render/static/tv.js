// territory_viz map helpers (our own code, no plugin): decode compact rows into GeoJSON and
// draw the layers, labels, towns and legend. Python passes every value as JSON data.
(function () {
  if (window.TV) { return; }

  // Geometry strings use the "encoded polyline" scheme (zigzag deltas in 5-bit chunks,
  // offset 63), longitude first, on a grid of TV.grid points per degree (set by setup).
  function dec(s, grid) {
    var pts = [], i = 0, x = 0, y = 0, n = s.length, r, h, b, g = grid || TV.grid;
    while (i < n) {
      r = 0; h = 0; do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << h; h += 5; } while (b >= 32);
      x += (r & 1) ? ~(r >> 1) : (r >> 1);
      r = 0; h = 0; do { b = s.charCodeAt(i++) - 63; r |= (b & 31) << h; h += 5; } while (b >= 32);
      y += (r & 1) ? ~(r >> 1) : (r >> 1);
      pts.push([x / g, y / g]);
    }
    return pts;
  }
  // The arcs a layer's rings refer to: packed (pack_arcs, below); none otherwise.
  function arcsOf(arcs) {
    if (!arcs || arcs.b === undefined) { return []; }
    var ints = unpack(arcs), out = ints.map(function (a) { return onGrid(a, TV.grid); });
    out.ints = ints;  // for lines on another grid (rows' g.s)
    return out;
  }
  // Arcs packed by encoding.pack_arcs: {a: arcs, n: code lengths, b: bits}. Each
  // character of B is 6 bits; the symbols are a canonical Huffman code (as DEFLATE's): a
  // zigzag delta below the escape symbol (n.length - 2), the escape (5 bits of length,
  // then the value's bits) or the end of an arc (the last symbol). Longitude first; each
  // arc continues from where the previous one ended. Each arc comes back as its points'
  // integers on the grid, flat (x0, y0, x1, y1...).
  var B = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  var SIX = new Uint8Array(128);  // character code -> its 6 bits
  for (var c6 = 0; c6 < 64; c6++) { SIX[B.charCodeAt(c6)] = c6; }
  // Codes up to FAST bits long are read with one look-up in a table of every FAST-bit
  // prefix (symbol << 5 | code length); a longer code (rare) bit by bit, as puff.c does.
  var FAST = 10;
  function unpack(p) {
    var m = p.n.length, esc = m - 2, end = m - 1, i, len, code, max = 0;
    var lens = new Uint8Array(m), count = new Int32Array(32), next = new Int32Array(32);
    for (i = 0; i < m; i++) {
      len = lens[i] = SIX[p.n.charCodeAt(i)];
      if (len) { count[len]++; if (len > max) { max = len; } }
    }
    // Canonical codes (as DEFLATE assigns them): by length, then by symbol.
    for (code = 0, len = 1; len <= max; len++) { code = (code + count[len - 1]) << 1; next[len] = code; }
    var bitsFast = Math.min(FAST, max || 1), table = new Int32Array(1 << bitsFast);
    var order = [], first = new Int32Array(32), index = new Int32Array(32);
    for (i = 0; i < m; i++) {
      len = lens[i];
      if (!len) { continue; }
      code = next[len]++;
      if (len <= bitsFast) {
        var lo = code << (bitsFast - len), hi = (code + 1) << (bitsFast - len);
        for (var e = lo; e < hi; e++) { table[e] = (i << 5) | len; }
      }
    }
    // For the slow path: the symbols in code order, and per length its first code and index.
    for (len = 1, code = 0, e = 0; len <= max; len++) {
      first[len] = code; index[len] = e;
      for (i = 0; i < m; i++) { if (lens[i] === len) { order.push(i); e++; code++; } }
      code <<= 1;
    }
    var s = p.b, n = s.length, pos = 0, acc = 0, nb = 0;
    var out = [], pts = [], x = 0, y = 0, z, v, k = 0, sym, t, arcs = p.a;
    while (out.length < arcs) {
      while (nb < bitsFast) { acc = (acc << 6) | (pos < n ? SIX[s.charCodeAt(pos++)] : 0); nb += 6; }
      t = table[(acc >>> (nb - bitsFast)) & ((1 << bitsFast) - 1)];
      if (t) {
        nb -= t & 31; acc &= (1 << nb) - 1; sym = t >>> 5;
      } else {
        for (code = 0, len = 1; ; len++) {
          if (len > max) { throw new Error("bad packed arcs"); }
          if (!nb) { acc = pos < n ? SIX[s.charCodeAt(pos++)] : 0; nb = 6; }
          nb--; code = (code << 1) | ((acc >>> nb) & 1); acc &= (1 << nb) - 1;
          if (code - first[len] < count[len]) { sym = order[index[len] + code - first[len]]; break; }
        }
      }
      if (sym === end) { out.push(pts); pts = []; k = 0; continue; }
      if (sym === esc) {
        // 5 bits of length, then the value's bits (at most 31), read 6 at most at a time.
        while (nb < 5) { acc = (acc << 6) | (pos < n ? SIX[s.charCodeAt(pos++)] : 0); nb += 6; }
        nb -= 5; len = acc >>> nb; acc &= (1 << nb) - 1;
        for (z = 0; len > 0; len -= t) {
          if (!nb) { acc = pos < n ? SIX[s.charCodeAt(pos++)] : 0; nb = 6; }
          t = Math.min(len, nb); nb -= t;
          z = z * (1 << t) + (acc >>> nb); acc &= (1 << nb) - 1;
        }
      } else {
        z = sym;
      }
      v = (z % 2) ? -((z + 1) / 2) : z / 2;
      if (k++ % 2 === 0) { x += v; } else { y += v; pts.push(x, y); }
    }
    return out;
  }
  // A ring from shared arcs: arc i, or arc ~i reversed; each arc after the first starts
  // where the previous one ended (that point is not repeated).
  function ring(refs, arcs) {
    var pts = [];
    refs.forEach(function (r, k) {
      var a = r >= 0 ? arcs[r] : arcs[~r].slice().reverse();
      for (var i = k ? 1 : 0; i < a.length; i++) { pts.push(a[i]); }
    });
    return pts;
  }
  // Points [lon, lat] of an unpacked arc (integers x0, y0, x1, y1... on a grid).
  function onGrid(ints, grid) {
    var pts = new Array(ints.length >> 1);
    for (var j = 0; j < ints.length; j += 2) { pts[j >> 1] = [ints[j] / grid, ints[j + 1] / grid]; }
    return pts;
  }
  function geom(g, arcs) {
    if (g.p) {
      return {type: "MultiPolygon", coordinates: g.p.map(function (p) {
        return p.map(function (refs) { return ring(refs, arcs); });
      })};
    }
    // g.s: a coarser grid than TV.grid (context drawn coarsely anyway). A line is an
    // encoded string, or the index of a packed one (encoding.pack_lines).
    var d = function (s) {
      return typeof s === "number" ? onGrid(arcs.ints[s], g.s || TV.grid) : dec(s, g.s);
    };
    if (g.a) {
      return {type: "MultiPolygon", coordinates: g.a.map(function (p) { return p.map(d); })};
    }
    return {type: "MultiLineString", coordinates: g.l.map(d)};
  }

  // Rows sent as one table (encoding.row_table): k the keys, v each row's values in that
  // order (null or left out at the end: no such key), s per key the texts its values index.
  function rowsOf(t) {
    if (!t || Array.isArray(t)) { return t || []; }
    var own = Object.prototype.hasOwnProperty;
    return t.v.map(function (v) {
      var r = {};
      t.k.forEach(function (k, i) {
        if (v[i] === null || v[i] === undefined) { return; }
        r[k] = own.call(t.s, k) ? t.s[k][v[i]] : v[i];
      });
      return r;
    });
  }

  window.TV = {
    data: {},
    // The maps set up in this document (labelsNow places their names).
    maps: [],
    // The boxes of the names measured so far (placeLabels), by window width, kind and text.
    labelSizes: {},

    // GeoJSON features from compact rows (a list of dicts or row_table's table); arcs
    // (packed by encoding.pack_arcs) when their rings refer to them.
    features: function (rows, arcs) {
      return TV.featuresOf(rows, arcsOf(arcs));
    },
    featuresOf: function (rows, decoded) {
      return rowsOf(rows).map(function (r) {
        return {type: "Feature", properties: r, geometry: geom(r.g, decoded)};
      });
    },

    // Panes, the attribution prefix and the SVG hatch patterns; once per map. grid: the
    // points per degree coordinates are encoded on (render.encoding.GRID); colours: the
    // town dots' and halos' (territory_viz.style).
    setup: function (map, panes, patterns, grid, colours) {
      TV.grid = grid;
      TV.colours = colours;
      TV.maps.push(map);
      Object.keys(panes).forEach(function (name) {
        if (!map.getPane(name)) {
          var p = map.createPane(name);
          p.style.zIndex = panes[name];
          p.style.pointerEvents = "none";
        }
      });
      // Plain prefix: the page stays neutral and links nowhere.
      if (map.attributionControl) { map.attributionControl.setPrefix("Leaflet"); }
      if (!document.getElementById("tv-pat-de_jure")) {
        var holder = document.createElement("div");
        holder.innerHTML = patterns;
        document.body.appendChild(holder.firstChild);
      }
    },

    // A GeoJSON layer from compact rows. o: pane, interactive, dataKey (store the rows for
    // later layers), sourceKey (draw rows stored earlier), filterKey (draw rows whose
    // property is truthy, styled by its value), styleKey, classPrefix.
    // Features are decoded once and shared by every layer drawn from the same rows.
    rows: function (parent, rows, styles, o, arcs) {
      var decoded = o.sourceKey ? [] : arcsOf(arcs);
      var source = o.sourceKey ? (TV.data[o.sourceKey] || []) : TV.featuresOf(rows, decoded);
      if (o.dataKey) { TV.data[o.dataKey] = source; TV.data[o.dataKey + "#arcs"] = decoded; }
      var options = {
        pane: o.pane,
        interactive: o.interactive,
        style: function (f) {
          var k = f.properties[o.styleKey];
          var s = Object.assign({}, styles[k] || {});
          if (o.classPrefix) { s.className = o.classPrefix + k; }
          return s;
        },
        onEachFeature: function (f, l) {
          var p = f.properties, tip = {sticky: true, className: "tv-tip"};
          if (p.t) { l.bindTooltip(p.t, tip); }
          else if (p.d && o.tips) {
            l.bindTooltip(function () { return TV.tip(p.d, o.tips, o.tips.of[p.c]); }, tip);
          }
        }
      };
      if (o.filterKey) {
        options.filter = function (f) { return !!f.properties[o.filterKey]; };
      }
      return L.geoJSON(source, options).addTo(parent);
    },

    // A piece's tooltip from its compact data (see partition.tooltip_data): [region] or
    // [region, baseline control, recognition digit per party, km², people], and its
    // control (its display class's); every text is set with textContent.
    tip: function (d, labels, control) {
      var box = document.createElement("div");
      function line(text, bold) {
        if (box.childNodes.length) { box.appendChild(document.createElement("br")); }
        var el = document.createElement(bold ? "b" : "span");
        el.textContent = text;
        box.appendChild(el);
      }
      function name(k) { return labels.control[k] || k; }
      line(d[0], true);
      if (d.length < 2) { return box; }
      line("Control: " + name(control));
      if (control !== labels.own) {
        var groups = [];
        labels.levels.forEach(function (level, i) {
          var who = labels.parties.filter(function (_, j) { return d[2].charAt(j) === String(i); });
          if (who.length) { groups.push(level + ": " + who.join(", ")); }
        });
        line("Recognition of Russian control \u2014 " + groups.join(" \u00b7 "));
      }
      if (d[1] !== control) { line("Baseline: " + name(d[1]) + " \u2192 " + name(control)); }
      line("Area: " + d[3].toLocaleString("en-US") + " km\u00b2");
      if (d[4] !== null && d[4] !== undefined) {
        line("Pre-war population: " + d[4].toLocaleString("en-US") + " people");
      }
      return box;
    },

    // A group layers added later can draw into (see arcLines), by name, per map.
    named: function (map, name, group) {
      if (map) { (map._tvGroups = map._tvGroups || {})[name] = group; }
    },

    // Lines made of the shared arcs stored with rows (lines: style key -> arc indices), so a
    // border is drawn from the very points its pieces are. o.into: "map", a named group or
    // null (the parent); there the lines are shown while the parent group is on the map.
    arcLines: function (map, parent, key, lines, styles, o) {
      var arcs = TV.data[key + "#arcs"] || [];
      var features = Object.keys(lines).map(function (k) {
        return {type: "Feature", properties: {c: k}, geometry: {type: "MultiLineString",
          coordinates: lines[k].map(function (i) { return arcs[i]; })}};
      });
      var layer = L.geoJSON(features, {pane: o.pane, interactive: false,
        style: function (f) { return Object.assign({}, styles[f.properties.c] || {}); }});
      var target = o.into === "map" ? map : ((map && map._tvGroups || {})[o.into] || parent);
      if (!target || target === parent) { return layer.addTo(parent); }
      parent.on("add", function () { target.addLayer(layer); });
      parent.on("remove", function () { target.removeLayer(layer); });
      if (parent._map) { target.addLayer(layer); }
      return layer;
    },

    // Towns as circle markers sized by pre-war population; points are [lat, lon,
    // population, escaped name], or [index into rows, population] with rows the towns'
    // label rows (mapLabels: [text, lat, lon, ...]); towns of labelPopulation or more are
    // labelled.
    towns: function (group, points, labelPopulation, rows) {
      points.forEach(function (p) {
        var lat, lon, people = p[p.length === 2 ? 1 : 2], tip;
        if (p.length === 2) {
          var row = rows[p[0]];
          lat = row[1]; lon = row[2];
          tip = document.createElement("div");
          var b = document.createElement("b");
          b.textContent = row[0];
          tip.appendChild(b);
          tip.appendChild(document.createElement("br"));
          tip.appendChild(document.createTextNode("Pre-war population: "
            + people.toLocaleString("en-US") + " people"));
        } else {
          lat = p[0]; lon = p[1];
          tip = "<b>" + p[3] + "</b><br>Pre-war population: " + people.toLocaleString("en-US")
            + " people";
        }
        var radius = 1.5 + Math.sqrt(people) / 180;
        L.circleMarker([lat, lon], {pane: "tv-towns", radius: radius, color: TV.colours.halo,
          weight: 0.8, fillColor: TV.colours.town, fillOpacity: 0.85})
          .bindTooltip(tip, {className: "tv-tip"}).addTo(group);
        if (labelPopulation !== null && people >= labelPopulation && p.length !== 2) {
          L.marker([lat, lon], {interactive: false, keyboard: false,
            icon: L.divIcon({className: "tv-label tv-town-label", html: p[3], iconSize: null})})
            .addTo(group);
        }
      });
    },

    // Names placed like a map's: one placement per map over every group of labels that is
    // switched on, in priority order (capital, oblast centres, regions, neighbours, towns by
    // population); a label is shown only from its zoom and only where its box overlaps no
    // label placed before it, nor the legend or a control. Rows are
    // [text, lat, lon, kind index, min zoom]; text is set with textContent, never as markup.
    // The order is the kind's index (its rank), then the order rows arrive in (each group
    // brings whole kinds, in placement order: labels.compact).
    mapLabels: function (map, group, rows) {
      if (!map || !map.getContainer) { return; }
      var kinds = ["capital", "centre", "region", "country", "town", "water"];
      var st = map._tvLabels;
      if (!st) {
        st = map._tvLabels = {sets: [], layer: L.layerGroup().addTo(map), seq: 0, timer: null};
        var again = function () {
          if (st.timer) { clearTimeout(st.timer); }
          st.timer = setTimeout(function () { st.timer = null; TV.placeLabels(map); }, 30);
        };
        map.on("zoomend moveend resize overlayadd overlayremove layeradd layerremove", function (e) {
          if (e && e.layer && e.layer._tvLabel) { return; }
          again();
        });
        st.again = again;
      }
      rows.forEach(function (r) {
        var el = document.createElement("span");
        el.className = "tv-label tv-k-" + kinds[r[3]];
        el.textContent = r[0];
        var marker = L.marker([r[1], r[2]], {interactive: false, keyboard: false,
          pane: "tv-labels" in map._panes ? "tv-labels" : "markerPane",
          icon: L.divIcon({className: "tv-ml", html: el, iconSize: [0, 0]})});
        marker._tvLabel = true;
        st.sets.push({group: group, row: r, kind: kinds[r[3]], el: el, marker: marker,
                      order: r[3] * 1e6 + st.seq++, w: 0, h: 0});
      });
      st.again();
    },

    // Every map's names placed at once (the timer a change starts is dropped): a frame
    // calls this once its maps' layers are added, so the first frame painted has its names,
    // not one after the page's other work of that moment.
    labelsNow: function () {
      TV.maps.forEach(function (map) {
        var st = map._tvLabels;
        if (!st) { return; }
        if (st.timer) { clearTimeout(st.timer); st.timer = null; }
        TV.placeLabels(map);
      });
    },

    placeLabels: function (map) {
      var st = map._tvLabels;
      if (!st || !map._loaded) { return; }
      var zoom = map.getZoom(), size = map.getSize(), taken = [];
      var box = map.getContainer().getBoundingClientRect();
      // The legend and the controls are no place for a name.
      var blockers = Array.prototype.slice.call(
        map.getContainer().querySelectorAll(".tv-legend, .leaflet-control-layers"));
      if (map._tvLegend && blockers.indexOf(map._tvLegend) < 0) { blockers.push(map._tvLegend); }
      for (var b = 0; b < blockers.length; b++) {
        var r = blockers[b].getBoundingClientRect();
        if (r.width > 0) {
          taken.push([r.left - box.left, r.top - box.top, r.right - box.left, r.bottom - box.top]);
        }
      }
      function free(a) {
        if (a[0] < 0 || a[1] < 0 || a[2] > size.x || a[3] > size.y) { return false; }
        for (var i = 0; i < taken.length; i++) {
          var o = taken[i];
          if (a[0] < o[2] && o[0] < a[2] && a[1] < o[3] && o[1] < a[3]) { return false; }
        }
        return true;
      }
      var items = st.sets.slice().sort(function (a, b) { return a.order - b.order; });
      // Where each label that can be shown falls; those not measured yet are all added
      // first, then measured (in the map's own fonts, once): one layout for all of them,
      // not one per label.
      var at = items.map(function (it) {
        if (it.row[4] > zoom || !(it.group === map || map.hasLayer(it.group))) { return null; }
        var p = map.latLngToContainerPoint([it.row[1], it.row[2]]);
        return p.x >= -40 && p.y >= -20 && p.x <= size.x + 40 && p.y <= size.y + 20 ? p : null;
      });
      // A name measured on another map of this document (same kind, same text, same window
      // width: the same box) is not measured again: the compare page's maps share theirs.
      var sizes = TV.labelSizes, wide = window.innerWidth + "\n";
      function sized(it) { return wide + it.el.className + "\n" + it.row[0]; }
      var fresh = items.filter(function (it, i) {
        if (!at[i] || it.w) { return false; }
        var known = sizes[sized(it)];
        if (known) { it.w = known[0]; it.h = known[1]; return false; }
        return true;
      });
      fresh.forEach(function (it) { st.layer.addLayer(it.marker); });
      fresh.forEach(function (it) {
        var m = it.el.getBoundingClientRect();
        it.w = Math.ceil(m.width) + 2; it.h = Math.ceil(m.height || 13) + 1;
        sizes[sized(it)] = [it.w, it.h];
      });
      items.forEach(function (it, n) {
        var p = at[n], placed = false;
        if (p) {
          // clear of the town's dot (radius grows with population: Kyiv's is ~11 px)
          var g = it.kind === "capital" ? 12 : (it.kind === "centre" ? 8 : 5);
          var w = it.w, h = it.h, opts;
          var centred = it.kind === "region" || it.kind === "country" || it.kind === "water";
          if (centred) {
            opts = [[-w / 2, -h / 2]];
          } else {
            opts = [[g, -h / 2], [-g - w, -h / 2], [-w / 2, -g - h], [-w / 2, g]];
          }
          for (var i = 0; i < opts.length && !placed; i++) {
            var a = [p.x + opts[i][0], p.y + opts[i][1], p.x + opts[i][0] + w,
                     p.y + opts[i][1] + h];
            if (free(a)) {
              taken.push(a);
              if (!centred) {
                taken.push([p.x - 3, p.y - 3, p.x + 3, p.y + 3]);
              }
              it.el.style.left = opts[i][0] + "px";
              it.el.style.top = opts[i][1] + "px";
              placed = true;
            }
          }
        }
        if (placed) {
          if (!st.layer.hasLayer(it.marker)) { st.layer.addLayer(it.marker); }
          it.el.style.visibility = "";
        } else if (st.layer.hasLayer(it.marker)) {
          st.layer.removeLayer(it.marker);
        }
      });
    },

    // Text labels (region names); labels are [lat, lon, escaped name].
    labels: function (parent, labels) {
      labels.forEach(function (p) {
        L.marker([p[0], p[1]], {interactive: false, keyboard: false,
          icon: L.divIcon({className: "tv-label", html: p[2], iconSize: null})})
          .addTo(parent);
      });
    },

    // The legend, then the initial framing on Ukraine. In a wide viewport the legend is a
    // Leaflet control (it stacks with the other controls in its corner); in a narrow one
    // (a phone, the page's map frame) it is docked under the map, and Ukraine is fitted
    // into the map above it.
    legend: function (map, body, position, boundsArray) {
      var container = map.getContainer();
      var div = L.DomUtil.create("div", "tv-legend");
      div.innerHTML = body;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      // Docked, the legend covers nothing (not even the sea): see docked() below.
      var dock = null;
      if (window.innerWidth <= 800 && container.parentNode) {
        dock = L.DomUtil.create("div", "tv-legend-dock");
        dock.appendChild(div);
        container.parentNode.insertBefore(dock, container.nextSibling);
      } else {
        var legend = L.control({position: position});
        legend.onAdd = function () { return div; };
        legend.addTo(map);
      }
      map._tvLegend = div;
      // The scale bar and the attribution join the legend's footer, so nothing overlaps.
      [".leaflet-control-scale", ".leaflet-control-attribution"].forEach(function (sel) {
        var el = map.getContainer().querySelector(sel);
        if (el) { div.querySelector(".tv-foot").appendChild(el); }
      });
      var bounds = L.latLngBounds(boundsArray);
      var framed = "";
      function fit(topLeft, bottomRight) {
        // Refit only when the map's size or the free area changed: a refit redraws every path.
        var size = map.getSize();
        var key = [size.x, size.y, topLeft, bottomRight].join();
        if (key === framed) { return; }
        framed = key;
        // No animation: a fit asked for during a zoom animation would be dropped by Leaflet.
        map.fitBounds(bounds, {paddingTopLeft: topLeft, paddingBottomRight: bottomRight,
                               animate: false});
      }
      function frame() {
        // A view to hold (a link's, a place found) wins over framing Ukraine.
        var v = map._tvView;
        var size = map.getSize();
        if (v) {
          // Held at every size: the frame can be laid out again after the view was set.
          var held = ["view", v.lat, v.lon, v.zoom, size.x, size.y].join();
          if (held !== framed) {
            framed = held;
            map.setView([v.lat, v.lon], v.zoom, {animate: false});
          }
          return;
        }
        // Phone layout as tv.css has it: by the viewport's width (several maps can share
        // one wide document; in the page's own frame the viewport is the map).
        if (window.innerWidth <= 800) {
          // Everything from the legend's top edge down (legend, scale bar) is covered.
          var box = map.getContainer().getBoundingClientRect();
          var covered = Math.max(0, box.bottom - div.getBoundingClientRect().top) + 6;
          fit([4, 4], [4, Math.round(covered)]);
        } else {
          // Wide map: keep Ukraine clear of the legend on the left when there is room.
          var room = size.x - div.offsetWidth > 520 ? div.offsetWidth + 12 : 8;
          fit([room, 8], [8, 8]);
        }
      }
      // The component iframe can be laid out (or resized) after this script runs: frame again
      // on every resize until the viewer moves the map themselves.
            // (A docked legend is outside the map: reading it counts as touching the map.)
      ["mousedown", "touchstart", "wheel", "keydown"].forEach(function (ev) {
        [map.getContainer(), dock].forEach(function (el) {
          if (el) { el.addEventListener(ev, function () { map._tvTouched = true; }, {passive: true}); }
        });
      });
      function reframe() { docked(); if (!map._tvTouched) { map.invalidateSize(); frame(); } }
      map._tvFrame = reframe;
      map.on("resize", reframe);
      // On a narrow (phone) map the key starts folded: the map stays readable, the caption,
      // date and sources stay visible. Folding or unfolding it later keeps the reader's view
      // (no refit, no zoom reset); only the names are placed again around it.
      var details = div.querySelector("details");
      if (details && map.getSize().x <= 600) { details.open = false; }
      // Docked under a short map, an open key would leave too little map: start folded.
      if (details && dock && div.offsetHeight > 0.4 * container.offsetHeight) {
        details.open = false;
      }
      // The docked strip is as tall as the legend as it starts (folded on a phone); the map
      // gets the rest of its box. Unfolded by the reader, the legend opens upward over the
      // map (no resize: the view stays); folded again, the strip fits it again.
      // Done again when the frame's height changes too (the page's stylesheet can size the
      // frame after the map is drawn; the map's own box, set here, does not follow it).
      var over = false, dockedFor = null;
      function docked() {
        if (!dock || over) { return; }
        var strip = Math.ceil(div.offsetHeight), key = strip + " " + window.innerHeight;
        if (dockedFor === key) { return; }
        dockedFor = key;
        container.style.removeProperty("height");
        var total = container.offsetHeight;
        dock.style.height = strip + "px";
        container.style.setProperty("height", Math.max(160, total - strip) + "px", "important");
        map.invalidateSize({pan: false});
      }
      map._tvDock = docked;
      docked();
      if (dock) { window.addEventListener("resize", reframe); }
      if (details) {
        details.addEventListener("toggle", function () {
          var wasOver = over;
          over = details.open && dock !== null && div.offsetHeight > dock.offsetHeight;
          // Folded after starting open: the strip shrinks to the folded key (once laid out).
          if (!details.open && !wasOver && dock) { window.requestAnimationFrame(docked); }
          if (map._tvLabels && map._tvLabels.again) { map._tvLabels.again(); }
        });
      }
      frame();
      [80, 300, 1000].forEach(function (ms) { setTimeout(reframe, ms); });
    },

    // A view to hold (v: {lat, lon, zoom} from a link, or null), and, with o.follow, the
    // page's address following the view: lat, lon and zoom written with replaceState once
    // the reader has moved the map and paused for o.debounceMs (no reload, nothing sent to
    // the server). Only a map inside a frame of the same site writes; a file writes nothing.
    shareView: function (map, v, o) {
      var top = null;
      try {
        if (window.parent !== window && window.parent.location.href) { top = window.parent; }
      } catch (e) { top = null; }
      // A document drawn again in the same page (compare mode, after B changed): the view
      // the address holds now, read as numbers within the limits a link may have.
      // (Or the view last written there, if a run of the page rewrote the address first.)
      if (o && o.fromAddress && top) {
        try {
          var q = new URL(top.location.href).searchParams, got = {}, last = top.tvLastView;
          if (q.get("lat") === null && last) { q = new URLSearchParams(last); }
          var ok = ["lat", "lon", "zoom"].every(function (k) {
            var x = q.get(k) === null ? NaN : Number(q.get(k)), r = o.limits[k];
            got[k] = x;
            return isFinite(x) && x >= r[0] && x <= r[1];
          });
          if (ok) { v = got; }
        } catch (e) { /* the page went away */ }
      }
      if (v) {
        map._tvView = v;
        map.setView([v.lat, v.lon], v.zoom, {animate: false});
      }
      if (!o || !o.follow || !top) { return; }
      var timer = null, d = o.decimals, written = null;
      function num(x, n) { return String(+x.toFixed(n)); }
      function write() {
        timer = null;
        try {
          var c = map.getCenter(), url = new URL(top.location.href);
          written = {lat: num(c.lat, d.lat), lon: num(c.lng, d.lon),
                     zoom: num(map.getZoom(), d.zoom)};
          Object.keys(written).forEach(function (k) { url.searchParams.set(k, written[k]); });
          top.tvLastView = written;
          if (url.href !== top.location.href) {
            top.history.replaceState(top.history.state, "", url.href);
          }
        } catch (e) { /* the page went away */ }
      }
      map.on("moveend", function () {
        // The opening frame on Ukraine is nobody's view: the address stays as it came.
        if (!map._tvTouched && !map._tvView) { return; }
        if (timer) { clearTimeout(timer); }
        timer = setTimeout(write, o.debounceMs);
      });
      // The page writes its own parameters (scenario, town...) after each of its runs, from
      // what it knows: put the view back when it is missing or stale (a string check).
      setInterval(function () {
        if (!written || timer) { return; }
        try {
          var q = new URL(top.location.href).searchParams;
          if (Object.keys(written).some(function (k) { return q.get(k) !== written[k]; })) {
            write();
          }
        } catch (e) { /* the page went away */ }
      }, o.checkMs);
    },

    // A place found by name: a ring around it (its name in the tooltip, as text) and the map
    // centred on it, once per place: the same place drawn again with another scenario's
    // layers keeps the reader's view, and a link's view wins on opening.
    focusPlace: function (map, group, p) {
      if (!map || !map.setView) { return; }
      var at = [p.lat, p.lon];
      L.circleMarker(at, {pane: "tv-towns", radius: 11, color: TV.colours.halo, weight: 6,
        opacity: 0.9, fill: false, interactive: false}).addTo(group);
      var tip = document.createElement("span");
      tip.textContent = p.name;
      L.circleMarker(at, {pane: "tv-towns", radius: 11, color: TV.colours.town, weight: 2.5,
        fill: false, className: "tv-found"}).bindTooltip(tip, {className: "tv-tip"}).addTo(group);
      map._tvFocusGroup = group;
      // Cleared (the group removed, no new place in the same update): the next search of
      // the same place moves the map again.
      group.on("remove", function () {
        setTimeout(function () {
          if (map._tvFocusGroup === group) { map._tvFocus = null; map._tvFocusGroup = null; }
        }, 0);
      });
      if (map._tvFocus === p.key) { return; }
      var opening = map._tvFocus === undefined;
      map._tvFocus = p.key;
      if (opening && map._tvView && !map._tvTouched) { return; }
      map._tvView = {lat: p.lat, lon: p.lon, zoom: p.zoom};
      map.setView(at, p.zoom, {animate: false});
    },

    // The legend caption, set as text (never markup); keys (when given) are the legend rows
    // the scenario's layers draw: rows with another key and sections left empty are hidden.
    caption: function (map, text, keys) {
      var box = map._tvLegend || map.getContainer();
      var el = box.querySelectorAll(".tv-scenario");
      for (var i = 0; i < el.length; i++) { el[i].textContent = text; }
      if (keys) {
        box.querySelectorAll(".tv-row[data-k]").forEach(function (row) {
          row.style.display = keys.indexOf(row.getAttribute("data-k")) >= 0 ? "" : "none";
        });
        box.querySelectorAll(".tv-sec").forEach(function (sec) {
          var shown = Array.prototype.some.call(sec.querySelectorAll(".tv-row"), function (r) {
            return r.style.display !== "none";
          });
          sec.style.display = shown ? "" : "none";
        });
      }
      // The caption can change the legend's height: frame Ukraine again around it.
      if (map._tvDock) { map._tvDock(); }
      if (map._tvFrame) { map._tvFrame(); }
    }
  };
})();
