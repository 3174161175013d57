/* The Streamlit component protocol (version 1), spoken by hand: announce readiness, draw each "render"
   message's arguments (a map document), report drawings and the zoom band back as the component's value. */
(function () {
    'use strict';
    function send(type, data) {
        window.parent.postMessage(Object.assign({isStreamlitMessage: true, type: type}, data || {}), '*');
    }
    function report(value) { send('streamlit:setComponentValue', {value: value, dataType: 'json'}); }
    window.addEventListener('message', function (event) {
        var message = event.data;
        if (event.source !== window.parent || !message || message.type !== 'streamlit:render') { return; }
        var doc = message.args;
        if (!window.geoMap.ready()) {
            window.geoMap.create(document.getElementById('map'), doc.base, report);
            send('streamlit:setFrameHeight', {height: doc.base.height});
        }
        window.geoMap.update(doc);
    });
    send('streamlit:componentReady', {apiVersion: 1});
})();
