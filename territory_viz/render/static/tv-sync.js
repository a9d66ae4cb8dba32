// Several Leaflet maps in one document, panning and zooming together (our own code, no
// plugin). Each map's container gets a heading (set as text); only a map the viewer has
// touched leads, so the maps' own framing on load and resize does not drag the others.
(function (headings, wideLast) {
  var maps = [];
  Object.keys(window).forEach(function (k) {
    if (/^map_[0-9a-f]+$/.test(k) && window[k] instanceof L.Map) { maps.push(window[k]); }
  });
  // In document order (the order the caller gave).
  maps.sort(function (a, b) {
    var x = a.getContainer(), y = b.getContainer();
    return x.compareDocumentPosition(y) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
  });
  var grid = document.createElement("div");
  grid.className = "tv-grid";
  document.body.insertBefore(grid, document.body.firstChild);
  maps.forEach(function (m, i) {
    var cell = document.createElement("div");
    cell.className = "tv-cell" + (wideLast && i === maps.length - 1 && maps.length > 2 ? " wide" : "");
    var h = document.createElement("h4");
    h.textContent = headings[i] || "";
    h.title = headings[i] || "";
    cell.appendChild(h);
    grid.appendChild(cell);
    cell.appendChild(m.getContainer());
    // A legend docked under its map (phones) moves with it.
    var dock = m._tvLegend && m._tvLegend.parentNode;
    if (dock && dock.className === "tv-legend-dock") { cell.appendChild(dock); }
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
})
