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

  var events = new EventSource('/dashboard/events?session=' + encodeURIComponent(id));
  events.addEventListener('step', function (e) {
    var step = JSON.parse(e.data);
    var tr = document.createElement('tr');
    tr.className = step.outcome;
    cell(tr, step.name);
    cell(tr, step.outcome);
    cell(tr, '');
    cell(tr, step.millis);
    cell(tr, '');
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
  });
})();
