/* The static viewer (geo/map/site.py): reads the manifest in the page, fetches the reader's language's document
   and the shown overlays' groups for the zoom band, and draws them with map.js. Dated overlays carry one drawing
   per state of each feature's history; the as-of date picks each feature's state from the status history by the
   rule of geo/layers/status.py status_on (the latest fact on or before the day). The view, date and language are
   kept in the address (?view=lat,lon,zoom&date=YYYY-MM-DD&lang=ru). Every string from data arrives HTML-escaped
   (popups, tooltips) or is written with textContent (search results, labels). */
(function () {
    'use strict';

    var manifest = JSON.parse(document.getElementById('manifest').textContent);
    var params = new URLSearchParams(window.location.search);
    var DAY = /^\d{4}-\d{2}-\d{2}$/;
    var lang = manifest.docs[params.get('lang')] ? params.get('lang') : Object.keys(manifest.docs)[0];
    var day = DAY.test(params.get('date') || '') && params.get('date') >= manifest.first &&
        params.get('date') <= manifest.today ? params.get('date') : manifest.today;
    var site = {doc: null, base: null, history: null, band: -1, loaded: {}, shown: {}, found: null, map: null};

    function get(url) {
        return fetch(url).then(function (answer) {
            if (!answer.ok) { throw new Error(url + ': HTTP ' + answer.status); }
            return answer.json();
        });
    }

    function stateOf(dates, when) {
        /* 0 before the first fact, k when the k-th distinct date is the latest on or before the day. */
        var k = 0;
        for (var i = 0; i < dates.length; i += 1) {
            if (dates[i][0] <= when) { k = i + 1; } else { break; }
        }
        return k;
    }

    function statuses(layer, when) {
        /* Every feature's status on a day, by id ("unknown" before its first fact). */
        var out = {}, history = site.history[layer] || {};
        Object.keys(history).forEach(function (id) {
            var k = stateOf(history[id], when || day);
            out[id] = k === 0 ? 'unknown' : history[id][k - 1][1];
        });
        return out;
    }

    function dated(data, when) {
        /* A dated group on a day: each row's features of the state its history gives. */
        var history = site.history[data.layer] || {};
        var parts = data.parts.map(function (part) {
            return Object.assign({}, part, {fc: {type: 'FeatureCollection', features: []}});
        });
        data.rows.forEach(function (row) {
            var k = stateOf(history[row.id] || [], when);
            (row.s[k] || []).forEach(function (features, i) {
                Array.prototype.push.apply(parts[i].fc.features, features);
            });
        });
        return {parts: parts};
    }

    function bandOf(zoom) {
        var bands = site.doc.base.bands;
        for (var i = 0; i < bands.length; i += 1) { if (zoom <= bands[i]) { return i; } }
        return bands.length - 1;
    }

    function load(file) {
        if (!site.loaded[file]) { site.loaded[file] = get(file); }
        return site.loaded[file];
    }

    function foundGroup() {
        if (!site.found) { return []; }
        var f = site.found;
        return [{id: 'found', key: 'found-' + f.join(','), data: {parts: [{
            marker: 'found', bind: false, styles: {},
            base: {radius: 9, weight: 3, color: '#d7301f', fillColor: '#ffffff', fillOpacity: 0.9},
            fc: {type: 'FeatureCollection', features: [{type: 'Feature', properties: {k: [], lbl: f[0]},
                 geometry: {type: 'Point', coordinates: [f[2], f[1]]}}]}}]}}];
    }

    function draw() {
        /* Fetch the shown overlays of the current band, then draw them in registry order. */
        var overlays = site.doc.overlays.filter(function (o) { return site.shown[o.id]; });
        var band = site.band, when = day;
        return Promise.all(overlays.map(function (o) { return load(o.files[Math.min(band, o.files.length - 1)]); }))
            .then(function (data) {
                if (band !== site.band || when !== day) { return; }
                var groups = overlays.map(function (o, i) {
                    return {id: o.id, key: o.id + '-' + band + (o.dated ? '-' + when : ''),
                            data: o.dated && data[i].rows ? dated(data[i], when) : data[i]};
                });
                window.geoMap.update({base: site.base, basemap: site.doc.basemap,
                                      groups: groups.concat(foundGroup()), legend: site.doc.legend});
                document.body.setAttribute('data-drawn', when);
            });
    }

    function address() {
        var c = site.map.getCenter(), url = new URL(window.location.href);
        url.searchParams.set('view', c.lat.toFixed(4) + ',' + c.lng.toFixed(4) + ',' + site.map.getZoom());
        url.searchParams.set('date', day);
        if (lang !== Object.keys(manifest.docs)[0]) { url.searchParams.set('lang', lang); }
        else { url.searchParams.delete('lang'); }
        window.history.replaceState(null, '', url.toString());
        var full = document.getElementById('geo-full-link');
        if (full) { full.href = manifest.full + url.search; }
    }

    function element(tag, attrs, parent) {
        var el = document.createElement(tag);
        Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
        if (parent) { parent.appendChild(el); }
        return el;
    }

    function search(query) {
        /* The first place whose names contain the query (any script, old names and aliases). */
        var q = query.trim().toLocaleLowerCase(), hit = null;
        if (!q) { return null; }
        site.doc.search.some(function (r) { if (r[3].indexOf(q) >= 0) { hit = r; } return hit !== null; });
        return hit;
    }

    function bar(words) {
        var box = document.getElementById('bar');
        var title = element('span', {'class': 'geo-title'}, box);
        title.textContent = words.title;
        var label = element('label', {}, box);
        label.textContent = words.date + ' ';
        var date = element('input', {type: 'date', id: 'geo-date', min: manifest.first, max: manifest.today}, label);
        date.value = day;
        date.addEventListener('change', function () {
            if (!DAY.test(date.value) || date.value < manifest.first || date.value > manifest.today) { return; }
            day = date.value;
            address();
            draw();
        });
        var form = element('form', {'class': 'geo-search'}, box);
        var input = element('input', {type: 'search', id: 'geo-search', placeholder: words.search,
                                      'aria-label': words.search}, form);
        var message = element('span', {'class': 'geo-message', id: 'geo-message'}, form);
        form.addEventListener('submit', function (e) {
            e.preventDefault();
            var hit = search(input.value);
            message.textContent = hit ? '' : words.notFound.replace('{query}', input.value.trim());
            if (!hit) { return; }
            site.found = hit.slice(0, 3);
            site.map.setView([hit[1], hit[2]], Math.max(site.map.getZoom(), 10), {animate: false});
            draw();
        });
        var choose = element('select', {id: 'geo-lang', 'aria-label': words.language}, box);
        Object.keys(manifest.langs).forEach(function (code) {
            var option = element('option', {value: code}, choose);
            option.textContent = manifest.langs[code];
            option.selected = code === lang;
        });
        choose.addEventListener('change', function () {
            lang = choose.value;
            address();
            window.location.reload();
        });
    }

    function layerControl() {
        /* A checkbox per overlay (Leaflet's own control), named in the reader's language. */
        var Control = L.Control.extend({
            options: {position: 'topright'},
            onAdd: function () {
                var div = L.DomUtil.create('div', 'leaflet-bar geo-overlays');
                site.doc.overlays.forEach(function (o) {
                    var label = L.DomUtil.create('label', '', div), box = L.DomUtil.create('input', '', label);
                    box.type = 'checkbox';
                    box.checked = !!site.shown[o.id];
                    box.setAttribute('data-overlay', o.id);
                    label.appendChild(document.createTextNode(' ' + o.title));
                    L.DomEvent.on(box, 'change', function () { site.shown[o.id] = box.checked; draw(); });
                });
                L.DomEvent.disableClickPropagation(div);
                return div;
            }
        });
        new Control().addTo(site.map);
    }

    function fullLink(words) {
        var Control = L.Control.extend({
            options: {position: 'topright'},
            onAdd: function () {
                var div = L.DomUtil.create('div', 'leaflet-bar geo-full-link');
                var a = L.DomUtil.create('a', '', div);
                a.id = 'geo-full-link';
                a.target = '_blank';
                a.rel = 'noopener';
                a.textContent = words.fullMap + ' \u2197';
                return div;
            }
        });
        new Control().addTo(site.map);
    }

    function start(doc, history) {
        site.doc = doc;
        site.history = history;
        document.documentElement.lang = lang;
        document.title = doc.words.title;
        doc.overlays.forEach(function (o) { site.shown[o.id] = o.shown; });
        if (!manifest.embed) { bar(doc.words); }
        var base = Object.assign({}, doc.base), view = (params.get('view') || '').split(',').map(Number);
        if (view.length === 3 && view.every(isFinite) && Math.abs(view[0]) <= 90 && Math.abs(view[1]) <= 360) {
            base.view = [view[0], view[1], Math.max(base.minZoom, Math.min(base.maxZoom, Math.round(view[2])))];
        }
        if (manifest.embed) { base.legendWide = 1e9; }
        var el = document.getElementById('map');
        base.height = Math.max(200, window.innerHeight - el.getBoundingClientRect().top);
        site.base = base;  /* the view it starts at: map.js moves the map only when a document's view changes */
        site.map = window.geoMap.create(el, base);
        site.band = bandOf(site.map.getZoom());
        if (manifest.embed) { fullLink(doc.words); } else { layerControl(); }
        site.map.on('moveend', address);
        site.map.on('zoomend', function () {
            var band = bandOf(site.map.getZoom());
            if (band !== site.band) { site.band = band; draw(); }
        });
        window.addEventListener('resize', function () {
            window.geoMap.resize(Math.max(200, window.innerHeight - el.getBoundingClientRect().top));
        });
        address();
        return draw();
    }

    window.geoSite = {
        statuses: statuses,
        day: function () { return day; },
        setDay: function (value) { document.getElementById('geo-date').value = value;
                                   document.getElementById('geo-date').dispatchEvent(new Event('change')); }
    };
    Promise.all([get(manifest.docs[lang]), get(manifest.history)]).then(function (done) {
        return start(done[0], done[1]);
    }).catch(function (error) { if (window.console) { window.console.error(error); } });
})();
