// vmdesk: shows where the session stands above noVNC. noVNC only names a close code while connecting, so once a
// session ends the page would just say "Disconnected"; this banner says why, from GET /api/auth/session/{id}.
(function () {
  var match = location.pathname.match(/\/api\/auth\/session\/([0-9a-f-]{36})\/novnc\//);
  if (!match) {
    return;
  }
  var url = '/api/auth/session/' + match[1] + '/novnc/status';
  var banner = document.createElement('div');
  banner.id = 'vmdesk_status';
  banner.setAttribute('role', 'status');
  banner.style.cssText = 'position:fixed;left:0;right:0;top:0;z-index:100000;padding:10px 16px;'
      + 'font:15px sans-serif;color:#fff;text-align:center;display:none';
  document.body.appendChild(banner);

  function show(text, colour) {
    banner.textContent = text;
    banner.style.background = colour;
    banner.style.display = 'block';
  }

  // VIEWER_POLICY=exclusive: a viewer replaced by another gets close code 4410. noVNC would reconnect (reconnect=true)
  // and take the desktop back, the other viewer likewise, once a second for ever. So the replaced page stops: it
  // reloads without autoconnect and reconnect, and says why; noVNC's Connect button takes the desktop back.
  var params = new URLSearchParams(location.search);
  var NativeWebSocket = window.WebSocket;
  function ViewerSocket(url, protocols) {
    var socket = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
    socket.addEventListener('open', function () {
      replaced = false; // Connect pressed: this page has the desktop again
    });
    socket.addEventListener('close', function (event) {
      if (event.code === 4410) {
        params.set('autoconnect', 'false');
        params.set('reconnect', 'false');
        params.set('vmdesk_replaced', '1');
        location.replace(location.pathname + '?' + params.toString());
      }
    });
    return socket;
  }
  ViewerSocket.prototype = NativeWebSocket.prototype;
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach(function (name) {
    ViewerSocket[name] = NativeWebSocket[name];
  });
  window.WebSocket = ViewerSocket;
  var replaced = params.get('vmdesk_replaced') === '1';

  function poll() {
    fetch(url, {cache: 'no-store', credentials: 'same-origin'}).then(function (response) {
      if (response.status === 404) {
        show('This session does not exist (any more).', '#8b1a1a');
        return null;
      }
      if (response.status === 401 || response.status === 403) {
        // no or a bad live-view token: the platform must hand out a fresh link
        response.json().then(function (refusal) {
          show('This live view needs a fresh link: ' + refusal.detail, '#8b1a1a');
        });
        return null;
      }
      return response.json();
    }).then(function (session) {
      if (!session) {
        return;
      }
      if (session.status === 'STARTING') {
        show('The desktop is starting…', '#555555');
      } else if (session.status === 'READY') {
        if (replaced) {
          show('Another viewer took over this desktop. Press Connect to take it back.', '#555555');
        } else if (session.loginProblem) {
          show('Login problem: ' + session.loginProblem, '#8a5a00');
        } else {
          banner.style.display = 'none';
        }
      } else if (session.status !== 'ENDING') {
        show('Session ended (' + session.status + ')' + (session.endedReason ? ': ' + session.endedReason : ''),
            session.status === 'FAILED' ? '#8b1a1a' : '#1d4f91');
        return;
      }
      setTimeout(poll, 2000);
    }).catch(function () {
      show('The controller cannot be reached; retrying…', '#8b1a1a');
      setTimeout(poll, 5000);
    });
  }
  poll();
})();
