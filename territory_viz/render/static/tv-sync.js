// Several Leaflet maps in one document, panning and zooming together (our own code, no
// plugin). grid() runs before the maps are made: each map's container goes into its cell
// under its heading (set as text), so each map is drawn once, at the size it is shown.
// sync() runs after: only a map the viewer has touched leads, so the maps' own framing on
// load and resize does not drag the others.
var TVSync = {
  grid: function (headings, wideLast) {
    var containers = Array.prototype.slice.call(document.querySelectorAll(".folium-map"));
    var grid = document.createElement("div");
    grid.className = "tv-grid";
    document.body.insertBefore(grid, document.body.firstChild);
    containers.forEach(function (container, i) {
      var cell = document.createElement("div");
      var wide = wideLast && i === containers.length - 1 && containers.length > 2;
      cell.className = "tv-cell" + (wide ? " wide" : "");
      var h = document.createElement("h4");
      h.textContent = headings[i] || "";
      h.title = headings[i] || "";
      cell.appendChild(h);
      cell.appendChild(container);
      grid.appendChild(cell);
    });
  },
  sync: function () {
    var maps = [];
    Object.keys(window).forEach(function (k) {
      if (/^map_[0-9a-f]+$/.test(k) && window[k] instanceof L.Map) { maps.push(window[k]); }
    });
    // In document order (the order the caller gave).
    maps.sort(function (a, b) {
      var x = a.getContainer(), y = b.getContainer();
      return x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    maps.forEach(function (m) {
      // A phone's legend is docked under its map already (by TV.legend). Side by side, the maps
      // are small: a legend inside one would cover its south (Odesa to Crimea), so it goes
      // under the map, where it covers nothing.
      var legend = m._tvLegend, cell = m.getContainer().parentNode;
      var docked = legend && legend.parentNode && legend.parentNode.className === "tv-legend-dock";
      if (legend && !docked && maps.length > 1) {
        var under = document.createElement("div");
        under.className = "tv-legend-under";
        under.appendChild(legend);
        cell.insertBefore(under, m.getContainer().nextSibling);
      }
      m.invalidateSize();
    });
    var syncing = false;
    function follow(source) {
      if (syncing || !source._tvLead) { return; }
      syncing = true;
      try {
        var width = source.getSize().x || 1;
        maps.forEach(function (m) {
          if (m === source) { return; }
          // Same extent: same centre, zoom adjusted by the width ratio.
          var dz = Math.log((m.getSize().x || width) / width) / Math.LN2;
          m._tvTouched = true;  // moved by the viewer through another map: no refit, its view
          m.setView(source.getCenter(), source.getZoom() + dz, {animate: false});
        });
      } finally { syncing = false; }
    }
    maps.forEach(function (m) {
      ["mousedown", "touchstart", "wheel", "keydown", "dblclick"].forEach(function (ev) {
        m.getContainer().addEventListener(ev, function () {
          maps.forEach(function (o) { o._tvLead = false; });
          m._tvLead = true;
        }, {passive: true, capture: true});
      });
      m.on("move zoomend moveend", function () { follow(m); });
      m.getContainer().setAttribute("data-synced", "1");
    });
    // A map that opened on a view (a link's, the address's) leads until the viewer moves one.
    var opened = maps.filter(function (m) { return m._tvView; })[0];
    if (opened) { opened._tvLead = true; follow(opened); }
  }
};
