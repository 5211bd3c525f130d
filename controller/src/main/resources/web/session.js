// vmdesk dashboard, one session: appends new steps to the timeline and keeps the summary current, from
// /dashboard/events?session=ID (server-sent events). Guest data only ever goes into textContent.
(function () {
  var summary = document.getElementById('summary');
  var id = summary.getAttribute('data-session');
  var steps = document.querySelector('#steps tbody');

  function cell(tr, text) {
    var td = document.createElement('td');
    td.textContent = text === null || text === undefined ? '' : text;
    tr.appendChild(td);
    return td;
  }

  var events = new EventSource('/dashboard/events?session=' + encodeURIComponent(id) + '&after='
      + steps.querySelectorAll('tr').length);
  // the login ended (its key revoked): the login page, not a stream that retries for ever
  events.addEventListener('logout', function () { events.close(); location.reload(); });
  events.addEventListener('step', function (e) {
    var step = JSON.parse(e.data);
    var tr = document.createElement('tr');
    tr.className = step.outcome;
    // placed on the scale of the steps rendered with the page (a late step may sit at its right edge)
    var created = Number(summary.getAttribute('data-created-ms'));
    var total = Math.max(1, Number(steps.parentNode.getAttribute('data-total-ms')));
    var at = Math.max(0, Date.parse(step.startedAt) - created);
    var left = Math.min(100, Math.floor(at * 100 / total));
    var width = Math.max(1, Math.min(100 - left, Math.floor(step.millis * 100 / total)));
    cell(tr, step.name);
    cell(tr, step.outcome);
    cell(tr, at);
    cell(tr, step.millis);
    var bar = document.createElement('span');
    bar.style.marginLeft = left + '%';
    bar.style.width = width + '%';
    var td = cell(tr, '');
    td.className = 'bar';
    td.appendChild(bar);
    cell(tr, step.detail);
    steps.appendChild(tr);
  });
  events.addEventListener('session', function (e) {
    var session = JSON.parse(e.data);
    if (session.sessionId !== id) {
      return;
    }
    Object.keys(session).forEach(function (name) {
      var dd = summary.querySelector('[data-field="' + name + '"]');
      if (dd) {
        dd.textContent = session[name];
      }
    });
    // Ended while this page showed it live: the server's page for an ended session has its reason and diagnosis,
    // and no live view or buttons. (A page rendered after the end has no live view, so this reloads once.)
    if (['ENDED', 'FAILED', 'CREDENTIALS_CAPTURED'].indexOf(session.status) >= 0
        && document.getElementById('liveview')) {
      events.close();
      setTimeout(function () { location.reload(); }, 1000);
    }
  });
})();
