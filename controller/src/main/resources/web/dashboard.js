// vmdesk dashboard: keeps the sessions table and the host panel current from /dashboard/events (server-sent events,
// no polling). Session data comes from guests: it only ever goes into textContent, never into HTML.
(function () {
  var FIELDS = ['sessionId', 'status', 'userId', 'provider', 'browserIP', 'createdAt', 'readyAfter', 'endedAt'];
  var tbody = document.querySelector('#sessions tbody');

  function row(session) {
    var tr = document.getElementById('s-' + session.sessionId);
    if (!tr) {
      tr = document.createElement('tr');
      tr.id = 's-' + session.sessionId;
      FIELDS.forEach(function (name) {
        var td = document.createElement('td');
        td.setAttribute('data-field', name);
        if (name === 'sessionId') {
          var a = document.createElement('a');
          a.href = '/dashboard/session/' + encodeURIComponent(session.sessionId);
          td.appendChild(a);
        }
        tr.appendChild(td);
      });
      tbody.insertBefore(tr, tbody.firstChild);
    }
    tr.setAttribute('data-status', session.status);
    FIELDS.forEach(function (name) {
      var td = tr.querySelector('[data-field="' + name + '"]');
      (td.firstElementChild || td).textContent = session[name];
    });
  }

  function host(panel) {
    Object.keys(panel).forEach(function (name) {
      var dd = document.querySelector('[data-host="' + name + '"]');
      if (dd) {
        dd.textContent = panel[name];
      }
    });
  }

  var events = new EventSource('/dashboard/events');
  // the login ended (its key revoked): the login page, not a stream that retries for ever
  events.addEventListener('logout', function () { events.close(); location.reload(); });
  events.addEventListener('session', function (e) { row(JSON.parse(e.data)); });
  events.addEventListener('host', function (e) { host(JSON.parse(e.data)); });
  events.onopen = function () { document.body.setAttribute('data-live', 'true'); };
  events.onerror = function () { document.body.setAttribute('data-live', 'false'); };
})();
