/* Draw a map document (geo/map/document.py) with Leaflet: the standalone page and the app's component share
   this file. Every string from data arrives HTML-escaped by geo.map.text.text; labels use textContent. */
(function () {
    'use strict';

    var KEY = /^[a-z0-9-]+$/;
    var state = {map: null, el: null, drawn: null, groups: [], basemap: null, basemapKey: null, legend: null,
                 legendHtml: null, view: null, band: -1, base: null, report: null, text: {}, fullscreen: null,
                 draw: null, routeKey: null};

    function words(key) {
        /* The map's own words come with the document (base.text, in the reader's language). */
        return state.text[key] || '';
    }

    function localUnits(scale) {
        /* The scale bar's units in the reader's language (Leaflet writes "km", "m", "mi", "ft"). */
        function rewrite() {
            scale.querySelectorAll('.leaflet-control-scale-line').forEach(function (line) {
                var m = /^([\d.]+) (km|m|mi|ft)$/.exec(line.textContent);
                if (m && words(m[2]) && words(m[2]) !== m[2]) { line.textContent = m[1] + ' ' + words(m[2]); }
            });
        }
        rewrite();
        new MutationObserver(rewrite).observe(scale, {subtree: true, childList: true, characterData: true});
    }

    function setAttribution(list) {
        /* The layers' credits, in the reader's language ("© участники OpenStreetMap"). */
        (state.attribution || []).forEach(function (html) { state.map.attributionControl.removeAttribution(html); });
        list.forEach(function (html) { state.map.attributionControl.addAttribution(html); });
        state.attribution = list;
    }

    function merge(into, from) {
        /* Leaflet.draw's words (L.drawLocal, its documented localisation object) from base.text.draw/edit. */
        Object.keys(from || {}).forEach(function (k) {
            if (from[k] && typeof from[k] === 'object' && into[k] && typeof into[k] === 'object') { merge(into[k], from[k]); }
            else if (typeof from[k] === 'string') { into[k] = from[k]; }
        });
    }

    function keys(feature) {
        var k = (feature.properties || {}).k;
        return Array.isArray(k) ? k.filter(function (x) { return KEY.test(x); }) : [];
    }

    function style(part, feature) {
        var out = Object.assign({}, part.base);
        keys(feature).forEach(function (k) { if (part.styles[k]) { Object.assign(out, part.styles[k]); } });
        return out;
    }

    window.geoPopup = function (p) {
        /* p.t, p.r[i][0..1] and p.h[i][0..2] are HTML escaped on the server. */
        var div = document.createElement('div'), title = document.createElement('b');
        var table = document.createElement('table');
        div.className = 'geo-popup';
        title.innerHTML = p.t;
        div.appendChild(title);
        (p.r || []).forEach(function (r) {
            var tr = table.insertRow(), th = document.createElement('th');
            th.innerHTML = r[0];
            tr.appendChild(th);
            tr.insertCell().innerHTML = r[1];
        });
        div.appendChild(table);
        if (p.h && p.h.length) {
            var head = document.createElement('div'), history = document.createElement('table');
            head.className = 'geo-foot';
            head.textContent = words('history');
            history.className = 'geo-history';
            p.h.forEach(function (h) {
                var tr = history.insertRow();
                h.forEach(function (cell) { tr.insertCell().innerHTML = cell; });
            });
            div.appendChild(head);
            div.appendChild(history);
        }
        div.querySelectorAll('a').forEach(function (a) { a.target = '_blank'; a.rel = 'noopener noreferrer'; });
        return div;
    };

    var MARKERS = {
        crossing: function () {
            return function (feature, latlng) {
                var cls = 'xing ' + keys(feature).map(function (k) { return 'xing-' + k; }).join(' ');
                return L.marker(latlng, {icon: L.divIcon({className: cls, iconSize: [14, 14]}), riseOnHover: true});
            };
        },
        label: function () {
            return function (feature, latlng) {
                var span = document.createElement('span');
                span.textContent = feature.properties.lbl;
                return L.marker(latlng, {icon: L.divIcon({className: 'road-label', html: span, iconSize: null}),
                                         interactive: false, keyboard: false});
            };
        },
        place: function (part) {
            return function (feature, latlng) { return L.circleMarker(latlng, style(part, feature)); };
        }
    };
    MARKERS.end = MARKERS.place;
    MARKERS.found = function (part) {
        /* A search result: a ring labelled with its name (written as text, never as markup). */
        return function (feature, latlng) {
            var span = document.createElement('span');
            span.textContent = feature.properties.lbl;
            return L.circleMarker(latlng, style(part, feature)).bindTooltip(span, {
                permanent: true, direction: 'right', offset: [10, 0], className: 'geo-found'});
        };
    };

    function bind(feature, layer) {
        var p = feature.properties || {};
        if (p.tip) { layer.bindTooltip(p.tip, {sticky: true, className: 'geo-tip'}); }
        if (p.pop) { layer.bindPopup(function () { return window.geoPopup(p.pop); }, {maxWidth: 380, maxHeight: 360}); }
    }

    function makeGroup(spec) {
        /* A group's JSON text, or (the app's component: fetched and parsed by the script in index.html) its data. */
        var data = spec.data || JSON.parse(spec.json), group = L.featureGroup();
        data.parts.forEach(function (part) {
            var options = {style: function (feature) { return style(part, feature); }};
            if (part.marker !== 'path' && MARKERS[part.marker]) { options.pointToLayer = MARKERS[part.marker](part); }
            if (part.bind) { options.onEachFeature = bind; }
            L.geoJSON(part.fc, options).addTo(group);
        });
        return group;
    }

    function setGroups(list) {
        /* Keep the drawing order: from the first group that changed, remove and re-add everything above it. */
        var current = state.groups, first = 0;
        while (first < current.length && first < list.length && current[first].key === list[first].key) { first += 1; }
        current.slice(first).forEach(function (g) { state.map.removeLayer(g.layer); });
        var kept = current.slice(0, first);
        list.slice(first).forEach(function (spec) {
            var reuse = current.filter(function (g) { return g.key === spec.key; })[0];
            var layer = reuse ? reuse.layer : makeGroup(spec);
            layer.addTo(state.map);
            kept.push({id: spec.id, key: spec.key, layer: layer});
        });
        state.groups = kept;
    }

    function setBasemap(config) {
        var key = JSON.stringify(config);
        if (key === state.basemapKey) { return; }
        if (state.basemap) { state.map.removeLayer(state.basemap); state.basemap = null; }
        if (config) {
            state.basemap = L.tileLayer(config.url, {attribution: config.attribution, maxZoom: config.maxZoom,
                                                     maxNativeZoom: config.maxNativeZoom});
            state.basemap.addTo(state.map);
            state.basemap.bringToBack();
        }
        state.basemapKey = key;
    }

    function windowWidth() {
        /* The reader's window (the app's page around the map's frame), else the map's own. */
        try { if (window.top && window.top.innerWidth) { return window.top.innerWidth; } } catch (e) { /* another origin */ }
        return window.innerWidth;
    }

    var Legend = L.Control.extend({
        options: {position: 'bottomright'},
        onAdd: function (map) {
            var div = L.DomUtil.create('div', 'geo-legend');
            var button = L.DomUtil.create('button', 'geo-legend-toggle', div);
            var body = L.DomUtil.create('div', 'geo-legend-body', div);
            button.type = 'button';
            body.innerHTML = this.options.html;
            function show(open) {
                div.classList.toggle('geo-collapsed', !open);
                button.textContent = words('legend') + (open ? ' \u25BE' : ' \u25B8');
                button.title = open ? words('legendHide') : words('legendShow');
                button.setAttribute('aria-expanded', open ? 'true' : 'false');
            }
            if (typeof window.geoLegendOpen !== 'boolean') {
                var kept = null;
                try { kept = window.sessionStorage.getItem('geoLegendOpen'); } catch (e) { /* none */ }
                window.geoLegendOpen = kept === null ? windowWidth() >= state.base.legendWide : kept === '1';
            }
            show(window.geoLegendOpen);
            L.DomEvent.on(button, 'click', function (e) {
                L.DomEvent.stop(e);
                window.geoLegendOpen = !window.geoLegendOpen;
                try { window.sessionStorage.setItem('geoLegendOpen', window.geoLegendOpen ? '1' : '0'); }
                catch (err) { /* storage blocked: kept for this map only */ }
                show(window.geoLegendOpen);
            });
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        }
    });

    function setLegend(html) {
        if (html === state.legendHtml) { return; }
        if (state.legend) { state.map.removeControl(state.legend); state.legend = null; }
        if (html) { state.legend = new Legend({html: html}).addTo(state.map); }
        state.legendHtml = html;
    }

    function bandOf(zoom) {
        var bands = state.base.bands;
        for (var i = 0; i < bands.length; i += 1) { if (zoom <= bands[i]) { return i; } }
        return bands.length - 1;
    }

    function report() {
        if (!state.report) { return; }
        var drawings = [];
        state.drawn.eachLayer(function (layer) { drawings.push(layer.toGeoJSON()); });
        state.report({drawings: drawings, band: state.band});
    }

    function viewText() {
        var c = state.map.getCenter();
        return c.lat.toFixed(4) + ',' + c.lng.toFixed(4) + ',' + state.map.getZoom();
    }

    function guardLink(top) {
        /* The app's page writes its link (history.pushState/replaceState) from the view its server last saw,
           which can be older than the map's (a rerun's address is sent before the map's last move): every write
           on this page gets the map's current view at once, so the address never holds another view, or none. */
        var frame = window.frameElement;
        top.geoMapView = function () { return frame && frame.isConnected && state.map ? viewText() : null; };
        if (top.geoLinkGuard) { return; }
        top.geoLinkGuard = true;
        ['pushState', 'replaceState'].forEach(function (name) {
            var original = top.history[name];
            top.history[name] = function (data, title, url) {
                try {
                    var view = top.geoMapView && top.geoMapView();
                    if (view && url !== undefined && url !== null) {
                        var next = new URL(String(url), top.location.href);
                        if (next.pathname === top.location.pathname && next.searchParams.get('view') !== view) {
                            next.searchParams.set('view', view);
                            url = next.toString();
                        }
                    }
                } catch (e) { /* a map frame gone: the write goes through as it is */ }
                return original.call(top.history, data, title, url);
            };
        });
    }

    function syncLink() {
        /* Keep view=lat,lon,zoom in the page address (the app's shareable link) without a rerun. */
        try {
            var top = window.parent;
            if (!top || top === window || !top.history) { return; }
            var view = viewText();
            var url = new URL(top.location.href);
            if (url.searchParams.get('view') === view) { return; }
            url.searchParams.set('view', view);
            top.history.replaceState(top.history.state, '', url.toString());
        } catch (e) { /* another origin or no parent: nothing to keep */ }
    }

    function addTools() {
        /* The full-screen button and the drawing tools, titled in the reader's language, again when the language
           changes: the full-screen button (which sits in the zoom bar) is retitled in place, the drawing tools
           (which read their titles when added) are made again. */
        var map = state.map;
        if (L.control.fullscreen && !state.fullscreen) {
            state.fullscreen = L.control.fullscreen({position: 'topleft'}).addTo(map);
        }
        if (state.fullscreen) {
            var options = state.fullscreen.options, link = state.fullscreen.link;
            options.title = words('fullscreen');
            options.titleCancel = words('fullscreenExit');
            if (link) {
                var shown = map.isFullscreen && map.isFullscreen() ? options.titleCancel : options.title;
                link.title = shown;
                link.setAttribute('aria-label', shown);
            }
        }
        if (state.draw) { map.removeControl(state.draw); state.draw = null; }
        if (state.base.draw && L.Control.Draw) {
            if (L.drawLocal) { merge(L.drawLocal, {draw: state.text.draw, edit: state.text.edit}); }
            var colour = state.base.drawColour;
            var draw = new L.Control.Draw({
                position: 'topleft',
                draw: {polyline: {shapeOptions: {color: colour, weight: 3}},
                       polygon: {shapeOptions: {color: colour}, allowIntersection: false},
                       rectangle: false, circle: false, marker: false,
                       circlemarker: state.base.points ? {color: colour, radius: 7, weight: 3, fillOpacity: 0.9} : false},
                edit: {featureGroup: state.drawn, edit: false}
            });
            map.addControl(draw);
            state.draw = draw;
        }
    }

    function create(el, base, onReport) {
        var style = document.createElement('style');
        style.textContent = base.css;
        document.head.appendChild(style);
        el.classList.add('geo-map');
        el.style.height = base.height + 'px';
        var map = L.map(el, {center: [base.view[0], base.view[1]], zoom: base.view[2], minZoom: base.minZoom,
                             maxZoom: base.maxZoom, worldCopyJump: true});
        state.map = map;
        state.el = el;
        state.base = base;
        state.view = base.view.join(',');
        state.report = onReport || null;
        state.text = base.text || {};
        state.band = bandOf(map.getZoom());
        window.map = map;
        map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener">Leaflet</a>');
        setAttribution(base.attribution);
        localUnits(L.control.scale().addTo(map).getContainer());
        state.drawn = L.featureGroup().addTo(map);
        window.drawnItems = state.drawn;
        addTools();
        if (base.draw && L.Control.Draw) {
            map.on('draw:created', function (e) { state.drawn.addLayer(e.layer); report(); });
            map.on('draw:deleted', report);
        }
        function labels() { el.classList.toggle('geo-labels-off', map.getZoom() < 6); }
        map.on('zoomend', function () {
            labels();
            var band = bandOf(map.getZoom());
            if (band !== state.band) { state.band = band; report(); }
        });
        labels();
        try { if (window.parent !== window) { guardLink(window.parent); } } catch (e) { /* another origin */ }
        map.on('moveend', syncLink);
        setInterval(syncLink, 1500);
        return map;
    }

    function update(doc) {
        /* A new initial view (a preset, an uploaded track) moves the map; otherwise the user's view is kept. */
        var view = doc.base.view.join(',');
        if (JSON.stringify(doc.base.text || {}) !== JSON.stringify(state.text)) {
            state.text = doc.base.text || {};
            state.legendHtml = null;  /* redraw the legend's button in the new language */
            setAttribution(doc.base.attribution);
            addTools();
        }
        if (view !== state.view) {
            state.view = view;
            state.map.setView([doc.base.view[0], doc.base.view[1]], doc.base.view[2], {animate: false});
        }
        setBasemap(doc.basemap);
        setGroups(doc.groups);
        setLegend(doc.legend);
        fitRoute();
    }

    function fitRoute() {
        /* A route drawn for the first time (or changed) is fitted into the view, clear of the legend. */
        var route = state.groups.filter(function (g) { return g.id === 'route'; })[0];
        var key = route ? route.key : null;
        if (key === state.routeKey) { return; }
        state.routeKey = key;
        if (!route) { return; }
        var bounds = route.layer.getBounds();
        if (!bounds.isValid()) { return; }
        var box = state.legend ? state.legend.getContainer() : null, map = state.map, size = map.getSize();
        var right = box ? box.offsetWidth + 20 : 20, bottom = box ? box.offsetHeight + 20 : 20;
        var clear = L.latLngBounds(map.containerPointToLatLng([50, 30]),
                                   map.containerPointToLatLng([size.x - right, size.y - bottom]));
        /* already in view: kept when the view is a preset's, a link's or the user's own; on the untouched default
           regional view a route is zoomed to, as a route of 100 km would be a speck there */
        var v = state.base.view, c = map.getCenter();
        var untouched = state.base.fitRoute && map.getZoom() === v[2] && Math.abs(c.lat - v[0]) < 1e-3
            && Math.abs(c.lng - v[1]) < 1e-3;
        if (clear.contains(bounds) && !untouched) { return; }
        map.fitBounds(bounds, {paddingTopLeft: [50, 30], paddingBottomRight: [right, bottom], animate: false});
    }

    function resize(height) {
        /* Give the map a new height (the app fills the window with it). */
        state.el.style.height = height + 'px';
        state.map.invalidateSize({animate: false});
    }

    window.geoMap = {
        create: create,
        update: update,
        resize: resize,
        fitRoute: fitRoute,
        ready: function () { return state.map !== null; },
        groups: function () { return state.groups.map(function (g) { return g.id + ':' + g.key; }); },
        band: function () { return state.band; }
    };
})();
