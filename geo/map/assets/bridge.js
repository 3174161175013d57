/* The Streamlit component protocol (version 1), spoken by hand: announce readiness, draw each "render"
   message's arguments (a map document), report drawings and the zoom band back as the component's value.
   Streamlit sends the document after the frame's load event, so the map's scripts are loaded after it, while
   the overlay groups sent by reference ({id, key, src, raw}: geoapp/component.py) are fetched; a document is
   drawn once both are in, unless a newer one arrived meanwhile. */
(function () {
    'use strict';
    var SCRIPTS = ['vendor/leaflet/leaflet.js', 'vendor/leaflet-draw/leaflet.draw.js',
                   'vendor/leaflet.fullscreen/Control.FullScreen.js', 'map.js'];
    var latest = null, loaded = {}, scripts = null;
    function loadScripts() {
        /* In order (async = false); resolved when the last one has run. */
        if (!scripts) {
            scripts = new Promise(function (resolve, reject) {
                SCRIPTS.forEach(function (src, i) {
                    var script = document.createElement('script');
                    script.src = src;
                    script.async = false;
                    script.onerror = function () { reject(new Error('map script ' + src + ' did not load')); };
                    if (i === SCRIPTS.length - 1) { script.onload = resolve; }
                    document.head.appendChild(script);
                });
            });
        }
        return scripts;
    }
    function send(type, data) {
        window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, data || {}), '*');
    }
    function report(value) { send('streamlit:setComponentValue', {value: value, dataType: 'json'}); }
    function load(group) {
        /* Fetched once per key (gzipped where the browser can unzip it), parsed; null when it failed. */
        if (!loaded[group.key]) {
            var unzip = typeof DecompressionStream === 'function';
            loaded[group.key] = fetch(unzip ? group.src : group.raw).then(function (answer) {
                if (!answer.ok) { throw new Error('map group ' + group.id + ': HTTP ' + answer.status); }
                return unzip ? new Response(answer.body.pipeThrough(new DecompressionStream('gzip'))).text()
                    : answer.text();
            }).then(JSON.parse).catch(function (error) {
                delete loaded[group.key];  /* drawn without it; the next document tries again */
                if (window.console) { window.console.error(error); }
                return null;
            });
        }
        return loaded[group.key];
    }
    function render(doc) {
        latest = doc;
        var data = doc.groups.map(function (g) { return g.src ? load(g) : null; });
        Promise.all([loadScripts()].concat(data)).then(function (done) {
            if (doc !== latest) { return; }
            var groups = [];
            doc.groups.forEach(function (g, i) {
                var parsed = done[i + 1];
                if (!g.src) { groups.push(g); } else if (parsed) { groups.push({id: g.id, key: g.key, data: parsed}); }
            });
            if (!window.geoMap.ready()) { window.geoMap.create(document.getElementById('map'), doc.base, report); }
            window.geoMap.update(Object.assign({}, doc, {groups: groups}));
            var kept = {};
            doc.groups.forEach(function (g) { kept[g.key] = true; });
            Object.keys(loaded).forEach(function (k) { if (!kept[k]) { delete loaded[k]; } });
        }, function (error) { if (window.console) { window.console.error(error); } });
    }
    window.addEventListener('message', function (event) {
        var message = event.data;
        if (event.source !== window.parent || !message || message.type !== 'streamlit:render') { return; }
        if (latest === null) { send('streamlit:setFrameHeight', {height: message.args.base.height}); }
        render(message.args);
    });
    window.addEventListener('load', loadScripts);
    send('streamlit:componentReady', {apiVersion: 1});
})();
